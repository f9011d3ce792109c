//! Programs that a full official Debian base has and its slim variant lacks. The full
//! `python:X` and `node:X` images are built on `buildpack-deps` (curl, wget, git, ssh,
//! procps, compilers, …); their `-slim` variants are plain Debian plus the runtime.
//! When a rewrite moves the final stage to the slim variant, what that stage still runs
//! (its RUNs, HEALTHCHECK, ENTRYPOINT and CMD, and the build context's scripts they
//! name) must find its programs there: each missing program's package is installed, with
//! the rewrite's own install of runtime libraries or at the top of the final stage.

use crate::analyze::ItemId;
use crate::ecosystem::Ecosystem;
use crate::syntax::{Command, Form, Healthcheck};

use super::packages::{self, Manager};
use super::plan::Step;
use super::provenance::{self, Origin};
use super::shell::{self, Script, one_line, program_name};
use super::{Decision, Input, Plan};

/// A program of the full image, the Debian package that provides it there, and other
/// packages that bring it along.
struct Tool {
    program: &'static str,
    package: &'static str,
    also_in: &'static [&'static str],
}

const fn tool(program: &'static str, package: &'static str) -> Tool {
    Tool {
        program,
        package,
        also_in: &[],
    }
}

const fn compiler(program: &'static str, package: &'static str) -> Tool {
    Tool {
        program,
        package,
        also_in: &["build-essential"],
    }
}

/// What `buildpack-deps` (curl, scm and full layers) installs that a Debian slim image
/// does not have.
const FULL_ONLY: &[Tool] = &[
    tool("curl", "curl"),
    tool("wget", "wget"),
    tool("gpg", "gnupg"),
    tool("git", "git"),
    tool("ssh", "openssh-client"),
    tool("scp", "openssh-client"),
    tool("sftp", "openssh-client"),
    tool("hg", "mercurial"),
    tool("svn", "subversion"),
    tool("ps", "procps"),
    tool("pgrep", "procps"),
    tool("pkill", "procps"),
    tool("top", "procps"),
    tool("free", "procps"),
    tool("watch", "procps"),
    compiler("gcc", "gcc"),
    compiler("cc", "gcc"),
    compiler("g++", "g++"),
    compiler("c++", "g++"),
    compiler("make", "make"),
    tool("autoconf", "autoconf"),
    tool("automake", "automake"),
    tool("pkg-config", "pkg-config"),
    tool("patch", "patch"),
    tool("file", "file"),
    tool("unzip", "unzip"),
    tool("bzip2", "bzip2"),
    tool("bunzip2", "bzip2"),
    tool("xz", "xz-utils"),
    tool("unxz", "xz-utils"),
    tool("convert", "imagemagick"),
    tool("identify", "imagemagick"),
    tool("mogrify", "imagemagick"),
];

/// What the full `node:X` image has besides (through buildpack-deps' mercurial) and
/// `node:X-slim` lacks; `python:X-slim` has its own Python.
const NODE_FULL_ONLY: &[Tool] = &[tool("python3", "python3")];

/// Installs, at the top of the final stage (or with the rewrite's own install of
/// runtime libraries), the packages of programs that the stage runs and that the slim
/// variant of the original base lacks. Nothing to do unless the plan's final image is
/// that slim variant.
pub(super) fn restore(plan: &mut Plan, input: &Input) {
    let base = &input.stage.base;
    if base.slim().as_deref() != Some(plan.final_image.as_str()) {
        return;
    }
    let missing = Missing::find(plan, input);
    if missing.tools.is_empty() {
        return;
    }
    let names: Vec<&str> = missing.tools.iter().map(|(tool, _)| tool.package).collect();
    // One apt layer: the rewrite's own install of runtime libraries takes them too, when
    // it comes before any RUN that needs them.
    let own_install = plan
        .final_stage
        .iter()
        .enumerate()
        .find_map(|(at, step)| match step {
            Step::New(line) if missing.needed_from.is_none_or(|first| at < first) => {
                packages::extend_install_line(line, &names).map(|line| (at, line))
            }
            _ => None,
        });
    match own_install {
        Some((at, line)) => plan.final_stage[at] = Step::New(line),
        None => plan
            .final_stage
            .insert(0, Step::New(packages::install_line(Manager::Apt, &names))),
    }
    for (tool, user) in missing.tools {
        plan.decisions.push(Decision::new(
            format!("`{}` installed in the final stage", tool.package),
            format!(
                "{user} runs `{}`, which `{}` has and `{}` lacks",
                tool.program, base.image.raw, plan.final_image
            ),
        ));
    }
}

/// The full-image programs the final stage runs and does not install itself.
struct Missing {
    /// Each with who runs it, for the decision.
    tools: Vec<(&'static Tool, String)>,
    /// The first final-stage step whose RUN needs one: the packages must be in place
    /// before it.
    needed_from: Option<usize>,
}

impl Missing {
    fn find(plan: &Plan, input: &Input) -> Missing {
        let analysis = input.analysis;
        let mut missing = Missing {
            tools: Vec::new(),
            needed_from: None,
        };
        let mut installed: Vec<String> = Vec::new();
        let mut runtime = Vec::new();
        // Scripts are found where the COPYs before the command put them; the start
        // command and restage's own RUNs look from the end of the stage.
        let last = *input.stage.body.last().expect("a stage has instructions");
        for (at, step) in plan.final_stage.iter().enumerate() {
            let (line, commands, id) = match step {
                Step::New(_) | Step::Continued(_) => {
                    let text = step.new_text().unwrap_or_default();
                    match text.strip_prefix("RUN ") {
                        Some(command) => (text.clone(), simple_commands(command), last),
                        None => continue,
                    }
                }
                Step::Keep(id) | Step::Edit(id, _) => {
                    let line = one_line(analysis.text(*id));
                    match analysis.instruction(*id).command() {
                        Some(Command::Run(run)) => (line, form_commands(&run.command), *id),
                        Some(
                            Command::Healthcheck(Healthcheck::Cmd { command, .. })
                            | Command::Cmd(command)
                            | Command::Entrypoint(command),
                        ) => {
                            runtime.push((line, form_commands(&command)));
                            continue;
                        }
                        _ => continue,
                    }
                }
            };
            // A RUN that installs a program before it uses it (`apt-get install curl &&
            // curl …`) needs nothing more.
            installed.extend(
                commands
                    .iter()
                    .filter_map(|words| packages::install_in(words))
                    .filter(|install| install.manager == Manager::Apt)
                    .flat_map(|install| install.packages),
            );
            for (tool, script) in programs_run(&commands, input, id) {
                if missing.note(tool, &installed, who(&line, script.as_deref())) {
                    missing.needed_from.get_or_insert(at);
                }
            }
        }
        // The start command and HEALTHCHECK run after every RUN.
        for (line, commands) in runtime {
            for (tool, script) in programs_run(&commands, input, last) {
                missing.note(tool, &installed, who(&line, script.as_deref()));
            }
        }
        missing
    }

    /// Records that `user` runs `tool`, unless `installed` or an earlier note has its
    /// package; whether it was new.
    fn note(&mut self, tool: &'static Tool, installed: &[String], user: String) -> bool {
        let present = installed
            .iter()
            .any(|p| p == tool.package || tool.also_in.contains(&p.as_str()));
        let new = !present && !self.tools.iter().any(|(m, _)| m.package == tool.package);
        if new {
            self.tools.push((tool, user));
        }
        new
    }
}

/// Who runs a program, for the decision: the instruction, or a script it runs or names.
fn who(line: &str, script: Option<&str>) -> String {
    match script {
        Some(script) => format!("`{script}` (which `{line}` runs or names)"),
        None => format!("`{line}`"),
    }
}

/// The simple commands of shell text, as words.
fn simple_commands(text: &str) -> Vec<Vec<String>> {
    shell::commands(text)
        .into_iter()
        .map(shell::words)
        .collect()
}

/// The simple commands a RUN, HEALTHCHECK, ENTRYPOINT or CMD runs: the shell form's,
/// the script's of an exec-form `sh -c '…'`, or the exec form itself.
fn form_commands(form: &Form) -> Vec<Vec<String>> {
    match form {
        Form::Shell(text) => simple_commands(text),
        Form::Exec(words) => match shell::shell_script(words) {
            Some(script) => simple_commands(script),
            None => vec![words.clone()],
        },
    }
}

/// The full-image-only programs that `commands` start, themselves or through a shell
/// script that they run or name (`sh -c '…'`, `./docker-entrypoint.sh`,
/// `bash scripts/start.sh`, and the scripts those run: `./wait-for.sh`), with the file
/// of the script.
fn programs_run(
    commands: &[Vec<String>],
    input: &Input,
    at: ItemId,
) -> Vec<(&'static Tool, Option<String>)> {
    let extra = match input.stage.base.ecosystem {
        Some(Ecosystem::Node) => NODE_FULL_ONLY,
        _ => &[],
    };
    let program = |words: &[String]| program(words, extra);
    let mut found: Vec<_> = commands
        .iter()
        .filter_map(|words| program(words))
        .map(|tool| (tool, None))
        .collect();
    // The scripts they run (a quoted one, a context file by its path) or name (a
    // top-level `*.sh`), and the scripts those run or name in turn, each file read once.
    let mut read: Vec<String> = Vec::new();
    let seen = |read: &[String], path: &str| {
        read.iter()
            .any(|done| done == path.trim_start_matches("./"))
    };
    let mut pending: Vec<(Vec<String>, Option<String>)> =
        commands.iter().map(|words| (words.clone(), None)).collect();
    while let Some((words, from)) = pending.pop() {
        let mut scripts: Vec<(String, Option<String>)> = Vec::new();
        let run = shell::script_run_at(input, at, shell::after_keywords(&words));
        let runs_one = run.is_some();
        match run {
            Some(Script::Quoted(script)) => scripts.push((script.to_owned(), from.clone())),
            Some(Script::File { path, text }) if !seen(&read, path) => {
                read.push(path.trim_start_matches("./").to_owned());
                scripts.push((text, Some(path.to_owned())));
            }
            _ => {}
        }
        // A script the command runs is the one read above, not a top-level file that
        // shares its name.
        for word in words
            .iter()
            .filter(|word| !runs_one && word.ends_with(".sh"))
        {
            let name = program_name(word);
            if seen(&read, name) {
                continue;
            }
            let text = match provenance::origin(input, at, word) {
                Origin::Context(path) => input.context.nested_text(&path),
                Origin::Elsewhere => None,
                Origin::Unknown => input.context.script(name),
            };
            if let Some(text) = text {
                read.push(name.to_owned());
                scripts.push((text, Some(name.to_owned())));
            }
        }
        for (text, name) in scripts {
            for (_, words) in shell::script_commands(&text) {
                if let Some(tool) = program(&words) {
                    found.push((tool, name.clone()));
                }
                pending.push((words, name.clone()));
            }
        }
    }
    found
}

/// The full-image-only program a simple command starts, if it starts one (`extra`: the
/// ecosystem's own besides the common ones).
fn program(words: &[String], extra: &'static [Tool]) -> Option<&'static Tool> {
    let program = shell::after_keywords(words).first()?;
    let name = program_name(program);
    FULL_ONLY
        .iter()
        .chain(extra)
        .find(|tool| tool.program == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::BuildContext;
    use crate::transform::{Options, Outcome, restage};

    fn names(text: &str) -> Vec<&'static str> {
        shell::script_commands(text)
            .filter_map(|(_, words)| program(&words, &[]))
            .map(|tool| tool.program)
            .collect()
    }

    #[test]
    fn finds_the_programs_commands_start() {
        assert_eq!(names("curl -f http://localhost/ || exit 1"), ["curl"]);
        assert_eq!(
            names("if [ -n \"$X\" ]; then /usr/bin/wget -q $X; fi && git --version"),
            ["wget", "git"]
        );
        assert_eq!(names("'ps' 'aux'"), ["ps"]);
        assert_eq!(names("until curl -fsS $URL; do sleep 1; done"), ["curl"]);
    }

    fn rewrite(text: &str, options: &Options) -> String {
        let dockerfile = crate::syntax::parse(text).unwrap();
        match restage(&dockerfile, BuildContext::default, options).unwrap() {
            Outcome::Rewritten(rewrite) => rewrite.text,
            declined => panic!("{declined:?}"),
        }
    }

    #[test]
    fn only_a_move_to_the_slim_variant_adds_packages() {
        let text = "FROM python:3.12\nRUN pip install flask\nHEALTHCHECK CMD curl -f http://localhost/\nCMD [\"flask\", \"run\"]\n";
        let install = "apt-get install -y --no-install-recommends curl";
        let options = Options::default();
        assert!(rewrite(text, &options).contains(install));
        let full = Options {
            slim: false,
            ..options.clone()
        };
        assert!(!rewrite(text, &full).contains(install));
        let alpine = text.replace("python:3.12", "python:3.12-alpine");
        assert!(!rewrite(&alpine, &options).contains("curl &&"));
        let slim = text.replace("python:3.12", "python:3.12-slim");
        assert!(!rewrite(&slim, &options).contains(install));
    }

    #[test]
    fn exec_forms_start_their_first_word_or_their_shell_script() {
        let names = |words: &[&str]| -> Vec<&str> {
            let form = Form::Exec(words.iter().map(|w| w.to_string()).collect());
            form_commands(&form)
                .iter()
                .filter_map(|command| program(command, &[]))
                .map(|tool| tool.program)
                .collect()
        };
        assert_eq!(names(&["curl", "-f", "x"]), ["curl"]);
        assert_eq!(names(&["/bin/sh", "-c", "wget -qO- x || exit 1"]), ["wget"]);
        assert!(names(&["python", "-c", "curl"]).is_empty());
    }

    #[test]
    fn arguments_that_name_a_program_are_not_commands() {
        assert!(names("pip install gitpython curl-cffi").is_empty());
        assert!(names("echo curl && python -c 'import git'").is_empty());
    }
}
