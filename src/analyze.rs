//! Facts about a parsed Dockerfile that every transformer needs: its stages, the
//! global ARGs, the base image and its family, the WORKDIR and USER in force at each
//! instruction, and the command that starts the app. Pure reading; no rewriting.

use crate::ecosystem::Base;
use crate::syntax::{Command, Dockerfile, Form, Instruction, ItemKind, Keyword, LineKind, Span};

/// An instruction of the file, by its index among the file's items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub usize);

#[derive(Clone, Debug)]
pub struct Stage {
    pub from: ItemId,
    pub base: Base,
    pub alias: Option<String>,
    /// The stage's instructions after its FROM, in order.
    pub body: Vec<ItemId>,
}

#[derive(Debug)]
pub struct Analysis<'a> {
    pub dockerfile: &'a Dockerfile,
    pub stages: Vec<Stage>,
    /// ARG instructions before the first FROM.
    pub global_args: Vec<ItemId>,
}

impl<'a> Analysis<'a> {
    pub fn new(dockerfile: &'a Dockerfile) -> Analysis<'a> {
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_args = Vec::new();
        for (index, item) in dockerfile.items().iter().enumerate() {
            let ItemKind::Instruction(instruction) = &item.kind else {
                continue;
            };
            let id = ItemId(index);
            // Only a FROM's arguments are needed here: the others' are not read.
            let from = instruction
                .is(Keyword::From)
                .then(|| instruction.command())
                .flatten();
            match from {
                Some(Command::From(from)) => stages.push(Stage {
                    from: id,
                    base: Base::of(&from.image),
                    alias: from.alias,
                    body: Vec::new(),
                }),
                _ => match stages.last_mut() {
                    Some(stage) => stage.body.push(id),
                    None if instruction.is(Keyword::Arg) => global_args.push(id),
                    None => {}
                },
            }
        }
        Analysis {
            dockerfile,
            stages,
            global_args,
        }
    }

    pub fn instruction(&self, id: ItemId) -> &'a Instruction {
        match &self.dockerfile.items()[id.0].kind {
            ItemKind::Instruction(instruction) => instruction,
            _ => unreachable!("an ItemId always names an instruction"),
        }
    }

    /// The instruction's text as written (heredoc bodies included).
    pub fn text(&self, id: ItemId) -> &'a str {
        &self.dockerfile.text()[self.instruction(id).span.start..self.instruction(id).span.end]
    }

    /// The comment lines inside instruction `id`'s continuations that fall within
    /// `span`, unindented, each with its line break: what a rewrite that replaces or
    /// moves that text writes above the instruction it puts there, so that no comment
    /// is lost.
    pub fn comments_within(&self, id: ItemId, span: Span) -> String {
        self.instruction(id)
            .lines
            .iter()
            .filter(|line| {
                line.kind == LineKind::Comment
                    && span.start <= line.span.start
                    && line.span.end <= span.end
            })
            .map(|line| {
                self.dockerfile
                    .slice(line.span)
                    .trim_start_matches([' ', '\t'])
            })
            .collect()
    }

    /// The only stage, when the file has exactly one.
    pub fn single_stage(&self) -> Option<&Stage> {
        match self.stages.as_slice() {
            [stage] => Some(stage),
            _ => None,
        }
    }

    /// The WORKDIR in force when `id` runs (`None`: the image's default).
    pub fn workdir_at(&self, stage: &Stage, id: ItemId) -> Option<String> {
        let mut workdir: Option<String> = None;
        for &before in stage.body.iter().take_while(|&&before| before < id) {
            if let Some(Command::Workdir(dir)) = self.instruction(before).command() {
                workdir = Some(match workdir {
                    Some(current) if !dir.starts_with('/') && !dir.starts_with('$') => {
                        format!("{}/{}", current.trim_end_matches('/'), dir)
                    }
                    _ => dir,
                });
            }
        }
        workdir
    }

    /// The USER in force when `id` runs, as written (`None`: the image's default); the
    /// user the container runs as for `ItemId(usize::MAX)`.
    pub fn user_at(&self, stage: &Stage, id: ItemId) -> Option<String> {
        self.with_keyword(stage, Keyword::User)
            .filter(|&user| user < id)
            .last()
            .and_then(|user| match self.instruction(user).command() {
                Some(Command::User(user)) => Some(user),
                _ => None,
            })
    }

    /// The instructions of `stage` with the given keyword.
    pub fn with_keyword<'s>(
        &'s self,
        stage: &'s Stage,
        keyword: Keyword,
    ) -> impl Iterator<Item = ItemId> + 's {
        stage
            .body
            .iter()
            .copied()
            .filter(move |&id| self.instruction(id).is(keyword))
    }

    /// The command that starts the app: the last ENTRYPOINT and the last CMD.
    pub fn start_command(&self, stage: &Stage) -> (Option<Form>, Option<Form>) {
        let last = |keyword| {
            self.with_keyword(stage, keyword)
                .last()
                .and_then(|id| self.instruction(id).command())
        };
        let entrypoint = match last(Keyword::Entrypoint) {
            Some(Command::Entrypoint(form)) => Some(form),
            _ => None,
        };
        let cmd = match last(Keyword::Cmd) {
            Some(Command::Cmd(form)) => Some(form),
            _ => None,
        };
        (entrypoint, cmd)
    }
}

/// Whether `text` expands the variable `name` (`$name` or `${name…}`).
pub fn mentions_variable(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.strip_prefix(name).is_some_and(|after| {
            !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// Build ARGs that RUN commands read from their environment without naming them, and
/// whose values are settings, not secrets: apt's `ARG DEBIAN_FRONTEND=noninteractive`,
/// without which a package such as tzdata stops the build with a question.
const ENVIRONMENT_ARGS: &[&str] = &["DEBIAN_FRONTEND", "DEBCONF_NONINTERACTIVE_SEEN"];

/// Whether the instruction `text` uses the build ARG `name`: expands it, or is a RUN
/// and the ARG one that RUNs read from their environment.
pub fn uses_arg(text: &str, name: &str) -> bool {
    mentions_variable(text, name)
        || ENVIRONMENT_ARGS.contains(&name)
            && text
                .trim_start()
                .get(..4)
                .is_some_and(|keyword| keyword.eq_ignore_ascii_case("RUN "))
}

/// The last element of a path (a file's or a program's name): `server` of `/app/server`.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The folder of an absolute path.
pub fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_owned(),
        Some((dir, _)) => dir.to_owned(),
    }
}

/// `path` inside the image, taken relative to the absolute directory `base` (unless it
/// is absolute itself), with `.` and `..` resolved.
/// The relative path `path` (`/`-separated, `cmd/api`) as seen from the relative
/// folder `folder`: empty for the folder itself, anything for the root (``); `None` when
/// it is not in the folder.
pub fn relative_to<'a>(path: &'a str, folder: &str) -> Option<&'a str> {
    match path.strip_prefix(folder)? {
        rest if folder.is_empty() || rest.is_empty() => Some(rest),
        rest => rest.strip_prefix('/'),
    }
}

pub fn join(base: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{base}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_a_folder() {
        assert_eq!(relative_to("cmd/api", ""), Some("cmd/api"));
        assert_eq!(relative_to("cmd/api", "cmd"), Some("api"));
        assert_eq!(relative_to("cmd", "cmd"), Some(""));
        assert_eq!(relative_to("cmdline/x", "cmd"), None);
        assert_eq!(relative_to("internal", "cmd"), None);
    }
    use crate::ecosystem::Ecosystem;
    use crate::syntax::parse;

    #[test]
    fn joins_paths_inside_the_image() {
        assert_eq!(join("/app", "../bin/./x"), "/bin/x");
        assert_eq!(join("/app", "/srv//y/"), "/srv/y");
    }

    #[test]
    fn finds_stages_global_args_and_workdirs() {
        let dockerfile = parse(
            "ARG V=3.12\nFROM python:${V} AS app\nWORKDIR /app\nWORKDIR src\nCOPY . .\nCMD python main.py\n",
        )
        .unwrap();
        let analysis = Analysis::new(&dockerfile);
        assert_eq!(analysis.global_args, vec![ItemId(0)]);
        let stage = analysis.single_stage().unwrap();
        assert_eq!(stage.alias.as_deref(), Some("app"));
        assert_eq!(stage.base.ecosystem, Some(Ecosystem::Python));
        let copy = stage.body[2];
        assert_eq!(
            analysis.workdir_at(stage, copy).as_deref(),
            Some("/app/src")
        );
        let (entrypoint, cmd) = analysis.start_command(stage);
        assert_eq!(entrypoint, None);
        assert_eq!(cmd, Some(Form::Shell("python main.py".into())));
    }

    #[test]
    fn variable_mentions_need_a_word_boundary() {
        assert!(mentions_variable("go build -ldflags=${VERSION}", "VERSION"));
        assert!(mentions_variable("echo $V/x", "V"));
        assert!(!mentions_variable("echo $VERSION", "V"));
        assert!(!mentions_variable("echo V", "V"));
    }
}
