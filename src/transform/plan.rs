//! A rewrite plan and how it becomes text. A plan lists, for the builder and for the
//! final stage, which original instructions they keep (byte for byte, with the comments
//! and blank lines above them), which they keep with edits, and which new lines they
//! add. Emission also owns what is the same for every ecosystem: directives and global
//! ARGs stay first, the stage's ARGs are kept in each new stage that uses them and
//! nowhere else (a global ARG reaches a stage only through the stage's own `ARG NAME`,
//! as in the original), new lines follow the file's line break and keyword case.

use std::ops::Range;

use crate::analyze::{Analysis, ItemId, uses_arg};
use crate::glob;
use crate::syntax::{Command, From, ItemKind, Keyword, LineKind, Span, buildkit, mount_field};

use super::{Decision, Input};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An original instruction, as written.
    Keep(ItemId),
    /// An original instruction with its text replaced (comments above it stay).
    Edit(ItemId, String),
    /// A new instruction, written in upper case (`RUN …`), without a line break, after
    /// the comment lines that lead into it, if any (each with its line break).
    New(String),
    /// A new instruction over several lines: its first line (`RUN …`), then the text of
    /// each line it continues on, each line but the last ending in a continuation in the
    /// file's escape character and line ending, the next indented as the file indents,
    /// in blanks (a tab for four): the lines may continue a JSON string, which holds no
    /// raw tab.
    Continued(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Plan {
    /// The final stage's base image.
    pub final_image: String,
    pub builder: Vec<Step>,
    pub final_stage: Vec<Step>,
    pub decisions: Vec<Decision>,
    /// Runtime instructions the rewrite changes on purpose (a `go run` start command
    /// that becomes the built binary), each explained by a decision. The invariant
    /// check does not hold the final stage to their original words.
    pub replaced: Vec<ItemId>,
}

impl Step {
    /// The instruction `id` with byte ranges of its text (absolute spans) replaced.
    pub fn edit(analysis: &Analysis, id: ItemId, edits: Vec<(Span, String)>) -> Step {
        Step::Edit(id, edited(analysis, id, edits))
    }

    fn id(&self) -> Option<ItemId> {
        match self {
            Step::Keep(id) | Step::Edit(id, _) => Some(*id),
            Step::New(_) | Step::Continued(_) => None,
        }
    }

    /// A new instruction's logical line (its lines joined by a blank); none for an
    /// original one.
    pub fn new_text(&self) -> Option<String> {
        match self {
            Step::New(text) => Some(text.clone()),
            Step::Continued(lines) => Some(lines.join(" ")),
            Step::Keep(_) | Step::Edit(..) => None,
        }
    }
}

/// The text of instruction `id` with byte ranges of it (absolute spans) replaced.
pub fn edited(analysis: &Analysis, id: ItemId, mut edits: Vec<(Span, String)>) -> String {
    let span = analysis.instruction(id).span;
    let mut text = analysis.text(id).to_owned();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, replacement) in edits {
        text.replace_range(
            range.start - span.start..range.end - span.start,
            &replacement,
        );
    }
    text
}

/// The name COPY --from uses for the builder stage: `builder`, else `build`, else
/// `builder-2`, `builder-3`…, the first that no stage alias, `COPY --from=` or mount
/// `from=` of the file may name (in any case, as BuildKit compares them). BuildKit reads
/// `--from=builder` as a stage before an image, so a name the file already uses for an
/// image would make its COPY read the builder instead. A `--from` with a variable
/// (`--from=${REGISTRY}builder`) may name whatever its variable makes of it: Buildah and
/// Podman expand it with the stage's ARGs, whose defaults a `--build-arg` replaces (BuildKit
/// refuses it). Where such a word could name every candidate (`--from=$IMG`), the file is
/// declined: `Err` is the reason. The original stage name, if any, goes to the final stage,
/// so that `docker build --target <name>` still gives the app.
pub fn builder_name(analysis: &Analysis) -> Result<String, String> {
    let escape = analysis.dockerfile.escape();
    // Each name the file uses, as the pattern of the names it may come to, and as written.
    let mut used: Vec<(String, String)> = analysis
        .stages
        .iter()
        .filter_map(|stage| stage.alias.clone())
        .map(|alias| (glob::literal(&alias), format!("AS {alias}")))
        .collect();
    let mut from = |word: &str, written: String| {
        used.push((from_names(word, escape), written));
    };
    for instruction in analysis.dockerfile.instructions() {
        match instruction.command() {
            Some(Command::Copy(copy)) => {
                if let Some(word) = copy.from {
                    from(&word, format!("COPY --from={word}"));
                }
            }
            Some(Command::Run(run)) => {
                for word in run
                    .mounts
                    .iter()
                    .filter_map(|mount| mount_field(mount, "from"))
                {
                    from(word, format!("RUN --mount=…,from={word}"));
                }
            }
            _ => {}
        }
    }
    let takes = |names: &str, name: &str| glob::matches(&names.to_lowercase(), name);
    // A name the file writes out takes one candidate at most, so that only a word with a
    // variable can take all of these.
    let candidates: Vec<String> = ["builder".to_owned(), "build".to_owned()]
        .into_iter()
        .chain((2..).map(|n| format!("builder-{n}")))
        .take(used.len() + 3)
        .collect();
    if let Some(free) = candidates
        .iter()
        .find(|name| !used.iter().any(|(names, _)| takes(names, name)))
    {
        return Ok(free.clone());
    }
    let (_, written) = used
        .iter()
        .max_by_key(|(names, _)| candidates.iter().filter(|name| takes(names, name)).count())
        .expect("only a word of the file takes a candidate");
    Err(format!(
        "`{written}` names its image through a variable, which a build argument may set to any name restage could give its builder stage (`builder`, `build`, `builder-2`…): Buildah and Podman would then read the new stage instead of the image (BuildKit refuses a variable there)"
    ))
}

/// The names a `--from` word (COPY's flag, a mount's `from=`) may come to in a builder
/// that expands its variables, as a [`glob`] pattern for names without a `/`: the word
/// as BuildKit's lexer reads it, with `*` for each `$` reference, since an ARG's default
/// is only the value a `--build-arg` does not replace. A word the lexer rejects is
/// itself, or, with a `$`, any name: a builder whose lexer reads more forms
/// (`${IMG%%-*}`) may expand it.
///
/// BuildKit expands nothing there: it refuses a COPY `--from` with a variable ("variable
/// expansion is not supported for --from", since moby/buildkit#6153 of August 2025;
/// before, it read the word as an image and failed on the `$`) and a mount's `from=`
/// alike. Buildah and Podman expand the word with the stage's build arguments.
fn from_names(word: &str, escape: char) -> String {
    match buildkit::word_marking_references(word, escape) {
        Ok(read) => {
            let parts: Vec<String> = read.split(buildkit::REFERENCE).map(glob::literal).collect();
            parts.join("*")
        }
        Err(_) if word.contains('$') => "*".to_owned(),
        Err(_) => glob::literal(word),
    }
}

/// Whether a path can be written as a word of a new COPY line as it is: blanks split
/// it, and quotes, escapes, variables and `<<` (a heredoc) would change what the line
/// says.
pub fn is_plain_path(path: &str) -> bool {
    !path.contains(|c: char| c.is_whitespace() || "\\'\"`$<".contains(c))
}

/// Whether a user or group can be written into a new `COPY --chown=` as it is: names,
/// ids and variables, but no blanks or quotes that would change what the line says.
pub fn is_plain_owner(owner: &str) -> bool {
    owner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:-${}".contains(c))
}

/// Whether a USER value or `--chown` owner names root (`root`, uid 0, with or without a
/// group; an empty user is root too).
pub fn is_root(owner: &str) -> bool {
    matches!(owner.split(':').next(), Some("root" | "0" | ""))
}

impl Plan {
    pub fn emit(&self, input: &Input) -> String {
        let mut out = Emitter::new(input);
        let from = input.stage.from;
        out.raw(out.prelude_end(from));
        out.builder_from(input.builder_name);
        out.stage(&self.builder, true);
        out.stage_break();
        out.stage_from(&self.final_image, input.stage.alias.as_deref());
        out.stage(&self.final_stage, false);
        out.finish()
    }
}

/// A flag's value as BuildKit reads it back: in double quotes, with `\` before a quote
/// or backslash, when it holds blanks, quotes or backslashes.
fn flag_value(value: &str) -> String {
    if value.contains(|c: char| c.is_whitespace() || "\"'\\".contains(c)) {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}

struct Emitter<'a> {
    analysis: &'a Analysis<'a>,
    input: &'a Input<'a>,
    out: String,
    line_break: &'static str,
    lowercase: bool,
}

impl<'a> Emitter<'a> {
    fn new(input: &'a Input<'a>) -> Emitter<'a> {
        let dockerfile = input.analysis.dockerfile;
        let (lower, upper): (Vec<_>, Vec<_>) = dockerfile
            .instructions()
            .map(|i| dockerfile.slice(i.keyword_span))
            .partition(|written| written.chars().all(|c| !c.is_ascii_uppercase()));
        Emitter {
            analysis: input.analysis,
            input,
            out: String::new(),
            line_break: dockerfile.line_break(),
            lowercase: lower.len() > upper.len(),
        }
    }

    fn text(&self, range: Range<usize>) -> &'a str {
        &self.analysis.dockerfile.text()[range]
    }

    fn raw(&mut self, range: Range<usize>) {
        let text = self.text(range);
        self.out.push_str(text);
        self.ensure_line_break();
    }

    /// Ends the line written last; a byte order mark alone is no line: it leads the first.
    fn ensure_line_break(&mut self) {
        let written = self.out.strip_prefix('\u{feff}').unwrap_or(&self.out);
        if !written.is_empty() && !written.ends_with('\n') {
            self.out.push_str(self.line_break);
        }
    }

    /// A new instruction in the file's own keyword case, after the comment lines that
    /// lead into it, as they are.
    fn line(&mut self, text: &str) {
        self.ensure_line_break();
        let mut instruction = text;
        while let Some((_, rest)) = instruction
            .split_once('\n')
            .filter(|_| instruction.starts_with('#'))
        {
            instruction = rest;
        }
        self.out.push_str(&text[..text.len() - instruction.len()]);
        match instruction.split_once(' ') {
            Some((keyword, rest)) if self.lowercase => {
                self.out.push_str(&keyword.to_ascii_lowercase());
                self.out.push(' ');
                self.out.push_str(rest);
            }
            _ => self.out.push_str(instruction),
        }
        self.out.push_str(self.line_break);
    }

    /// A new instruction over `lines`, each continuing the one before.
    fn continued(&mut self, lines: &[String]) {
        let continuation = format!(
            " {}{}{}",
            self.analysis.dockerfile.escape(),
            self.line_break,
            self.analysis
                .dockerfile
                .continuation_indent()
                .replace('\t', "    ")
        );
        self.line(&lines.join(&continuation));
    }

    /// Where the items before `id`'s comments end: the comments, blank lines and
    /// directives that lead into the previous instruction stay with it.
    fn prefix_start(&self, id: ItemId) -> usize {
        let items = self.analysis.dockerfile.items();
        let mut start = id.0;
        while start > 0 && matches!(items[start - 1].kind, ItemKind::Comment | ItemKind::Blank) {
            start -= 1;
        }
        items.get(start).map_or(0, |item| item.span.start)
    }

    /// Everything before the FROM's own comments: BOM, directives, global ARGs.
    fn prelude_end(&self, from: ItemId) -> Range<usize> {
        0..self.prefix_start(from)
    }

    /// The comments and blank lines above `id`, as written.
    fn prefix(&mut self, id: ItemId) {
        let start = self.prefix_start(id);
        let end = self.analysis.instruction(id).span.start;
        if start < end {
            self.raw(start..end);
        }
    }

    /// The original FROM, named so that the final stage can copy from it: as written with
    /// `AS <builder>` added, or, where it names the stage itself (the alias goes to the
    /// final stage), written anew, since its `AS` and alias may sit anywhere after the
    /// image (after a tab, on a continuation line).
    fn builder_from(&mut self, name: &str) {
        let id = self.input.stage.from;
        self.prefix(id);
        if self.input.stage.alias.is_some() {
            // Written anew: the comment lines of its continuations go above it.
            let comments = self
                .analysis
                .comments_within(id, self.analysis.instruction(id).span);
            self.out.push_str(&comments);
            let image = self.original_from().image.raw;
            self.stage_from(&image, Some(name));
            return;
        }
        let from = self.analysis.instruction(id);
        let end = match from.lines.last().map(|line| &line.kind) {
            Some(LineKind::Text { text, .. }) => text.end,
            _ => from.span.end,
        };
        self.out
            .push_str(self.text(from.span.start..end).trim_end());
        self.out.push(' ');
        self.out.push_str(self.as_keyword());
        self.out.push(' ');
        self.out.push_str(name);
        let rest = self
            .text(end..from.span.end)
            .trim_start_matches([' ', '\t']);
        self.out.push_str(rest);
        self.ensure_line_break();
    }

    /// A new FROM line of `image` with the original's platform, named `alias`.
    fn stage_from(&mut self, image: &str, alias: Option<&str>) {
        let platform = self
            .original_from()
            .platform
            .map(|platform| format!("--platform={} ", flag_value(&platform)))
            .unwrap_or_default();
        let alias = alias
            .map(|alias| format!(" {} {alias}", self.as_keyword()))
            .unwrap_or_default();
        self.line(&format!("FROM {platform}{image}{alias}"));
    }

    fn original_from(&self) -> From {
        match self.analysis.instruction(self.input.stage.from).command() {
            Some(Command::From(from)) => from,
            _ => unreachable!("a stage starts with FROM"),
        }
    }

    /// `AS` as the original FROM spells it, else in the file's case.
    fn as_keyword(&self) -> &'a str {
        match self
            .analysis
            .instruction(self.input.stage.from)
            .node
            .value
            .as_slice()
        {
            [_, as_keyword, _] => as_keyword,
            _ if self.lowercase => "as",
            _ => "AS",
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Keep(id) => {
                self.prefix(*id);
                let span = self.analysis.instruction(*id).span;
                self.raw(span.start..span.end);
            }
            Step::Edit(id, text) => {
                self.prefix(*id);
                self.out.push_str(text);
                self.ensure_line_break();
            }
            Step::New(text) => self.line(text),
            Step::Continued(lines) => self.continued(lines),
        }
    }

    /// A stage's steps, with the ARGs they expand: the original stage's ARG instructions
    /// (which also bring global ARGs in) are kept, in place, only where used.
    /// In the `builder`, an ARG is also kept where an original RUN after it may read it
    /// from its environment (`ARG PIP_INDEX_URL`); the final stage keeps only the ARGs
    /// its lines name, and the settings its RUNs read from their environment
    /// (`DEBIAN_FRONTEND`), so that no other build ARG's value reaches it.
    fn stage(&mut self, steps: &[Step], builder: bool) {
        let texts: Vec<(Option<ItemId>, String)> = steps
            .iter()
            .map(|step| match step {
                Step::Keep(id) => (Some(*id), self.analysis.text(*id).to_owned()),
                Step::Edit(id, text) => (Some(*id), text.clone()),
                Step::New(_) | Step::Continued(_) => (None, step.new_text().unwrap_or_default()),
            })
            .collect();
        let last_run = steps
            .iter()
            .filter_map(Step::id)
            .filter(|&id| builder && self.analysis.instruction(id).keyword == Some(Keyword::Run))
            .max();
        let mentioned_after = |arg: ItemId, name: &str| {
            last_run.is_some_and(|run| run > arg)
                || texts
                    .iter()
                    .any(|(id, text)| id.is_none_or(|id| id > arg) && uses_arg(text, name))
        };
        // The stage's own ARGs where used; one that declares names the stage does not
        // use is written again with only those it does (their values must not leak).
        let mut own: Vec<(ItemId, Step)> = Vec::new();
        for arg in self.analysis.with_keyword(self.input.stage, Keyword::Arg) {
            let instruction = self.analysis.instruction(arg);
            let names = arg_names(self.analysis, arg);
            let used: Vec<&str> = instruction
                .node
                .value
                .iter()
                .zip(&names)
                .filter(|(_, name)| mentioned_after(arg, name))
                .map(|(word, _)| word.as_str())
                .collect();
            if used.len() == names.len() {
                own.push((arg, Step::Keep(arg)));
            } else if !used.is_empty() {
                let keyword = self.analysis.dockerfile.slice(instruction.keyword_span);
                own.push((
                    arg,
                    Step::Edit(arg, format!("{keyword} {}", used.join(" "))),
                ));
            }
        }
        // An ARG comes before the first original step after it; a new line (which has
        // no place in the original) brings in only the ARGs it uses, so that a value
        // does not reach an original step that came before its ARG.
        for (step, (_, text)) in steps.iter().zip(&texts) {
            let due = |arg: ItemId| match step.id() {
                Some(id) => arg < id,
                None => arg_names(self.analysis, arg)
                    .iter()
                    .any(|name| uses_arg(text, name)),
            };
            let (now, later): (Vec<_>, Vec<_>) = own.into_iter().partition(|(arg, _)| due(*arg));
            own = later;
            for (_, arg) in now {
                self.step(&arg);
            }
            self.step(step);
        }
    }

    fn finish(mut self) -> String {
        let text = self.analysis.dockerfile.text();
        let last_end = self
            .analysis
            .dockerfile
            .instructions()
            .map(|i| i.span.end)
            .max()
            .unwrap_or(0);
        if last_end < text.len() {
            self.raw(last_end..text.len());
        }
        if !text.ends_with('\n') {
            let trimmed = self.out.trim_end_matches(['\r', '\n']).len();
            self.out.truncate(trimmed);
        }
        self.out
    }

    fn stage_break(&mut self) {
        self.ensure_line_break();
        if !self.out.ends_with(&format!("{0}{0}", self.line_break)) {
            self.out.push_str(self.line_break);
        }
    }
}

fn arg_names(analysis: &Analysis, id: ItemId) -> Vec<String> {
    match analysis.instruction(id).command() {
        Some(Command::Arg(decls)) => decls.into_iter().map(|decl| decl.name).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn name(text: &str) -> Result<String, String> {
        builder_name(&Analysis::new(&parse(text).unwrap()))
    }

    #[test]
    fn a_variable_in_from_takes_every_name_it_could_make() {
        assert_eq!(
            name("FROM a\nCOPY --from=img:$TAG /x /x\n").unwrap(),
            "builder"
        );
        assert_eq!(
            name("FROM a\nCOPY --from=$ORG/builder /x /x\n").unwrap(),
            "builder"
        );
        // In any case, as BuildKit compares stage names.
        assert_eq!(
            name("FROM a\nCOPY --from=${P}BUILDER /x /x\n").unwrap(),
            "build"
        );
        assert_eq!(
            name("FROM a\nCOPY --from=${P}builder /x /x\nCOPY --from=${Q}build /x /x\n").unwrap(),
            "builder-2"
        );
        assert_eq!(
            name("FROM a AS builder\nCOPY --from=build$X /x /x\n").unwrap_err(),
            name("FROM a\nCOPY --from=build$X /x /x\n").unwrap_err(),
            "the reason names the word with the variable, not the alias"
        );
        // A form restage's lexer rejects may be one another builder expands.
        assert!(name("FROM a\nCOPY --from=${P%%-*}builder /x /x\n").is_err());
        let reason = name("FROM a AS builder\nCOPY --from=build$X /x /x\n").unwrap_err();
        assert!(
            reason.starts_with("`COPY --from=build$X` names its image through a variable"),
            "{reason}"
        );
    }

    /// A `--from` word as the names its variables may make of it: each reference, whatever
    /// its form, a `*`; quotes and escapes read as the lexer reads them (single quotes keep a
    /// `$`), glob characters taken as themselves. restage's own reading, not a BuildKit table.
    #[test]
    fn from_names_star_each_reference() {
        for (word, want) in [
            ("builder", "builder"),
            ("$IMG", "*"),
            ("${IMG}", "*"),
            ("${IMG:-builder}", "*"),
            ("${REGISTRY}builder", "*builder"),
            (
                "ghcr.io/astral-sh/uv:${UV_VERSION}",
                "ghcr.io/astral-sh/uv:*",
            ),
            ("$ORG/$NAME", "*/*"),
            ("\"$IMG\"", "*"),
            ("'$IMG'", "$IMG"),
            ("build\\$X", "build$X"),
            ("a$", "a$"),
            ("we*rd?[x]", "we\\*rd\\?\\[x]"),
            // Rejected: with a `$`, a builder that reads the form may make any name of it.
            ("${IMG", "*"),
            ("${P%%-*}builder", "*"),
            ("\"builder", "\"builder"),
        ] {
            assert_eq!(from_names(word, '\\'), want, "{word}");
        }
        assert_eq!(from_names("build`$X", '`'), "build$X");
    }
}
