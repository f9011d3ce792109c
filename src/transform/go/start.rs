//! How the container starts: the binary the start command runs (or the `go run` that
//! becomes a build), CMD/ENTRYPOINT/HEALTHCHECK in exec form where the final image has
//! no shell.

use crate::analyze::{ItemId, join, parent};
use crate::syntax::{Command, Form, Healthcheck, Keyword, LineKind, Span};
use crate::transform::Decision;
use crate::transform::plan::{Step, edited};
use crate::transform::shell::{self, one_line, program_name};

use super::Start;
use super::command::{self, GoBuild, exec_form, uses_shell};
use super::facts::Facts;
use super::image::{FinalImage, Kind};

/// Where a `go run` start command's binary is built.
const GO_RUN_DIR: &str = "/usr/local/bin";

/// Healthcheck programs Alpine's busybox provides.
const BUSYBOX: &[&str] = &["wget", "nc", "sh", "pgrep", "pidof", "test", "cat", "grep"];

/// The start command: the binary it runs, or the `go run` it does.
pub(super) fn read_start(facts: &Facts) -> Result<Start, String> {
    let analysis = facts.input.analysis;
    let (entrypoint, cmd) = facts.start();
    let words_of = |id: ItemId| -> Vec<String> {
        match analysis.instruction(id).command() {
            Some(Command::Cmd(Form::Exec(words)) | Command::Entrypoint(Form::Exec(words))) => words,
            Some(Command::Cmd(Form::Shell(line)) | Command::Entrypoint(Form::Shell(line))) => {
                shell::words(&line)
            }
            _ => Vec::new(),
        }
    };
    let (id, words) = [entrypoint, cmd]
        .into_iter()
        .flatten()
        .map(|id| (id, words_of(id)))
        .find(|(_, words)| !words.is_empty())
        .ok_or("nothing starts the app: there is no CMD or ENTRYPOINT")?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    if let Some(build) = command::go_command(&words, "run") {
        return go_run_start(facts, id, build, &words);
    }
    let program = words[0];
    if program_name(program) == "go" {
        return Err(format!(
            "the container starts the go tool (`{}`), not a built binary",
            words.join(" ")
        ));
    }
    if facts.binaries.is_empty() {
        return Err(match &facts.no_binary {
            Some(why) => format!("nothing to copy: {why}"),
            None => "nothing to build: no `go build`, `go install` or `go run` in the file".into(),
        });
    }
    match facts.binary_for(program, id) {
        Some(binary) => Ok(Start::Binary {
            id,
            binary: binary.clone(),
            by_name: !program.contains('/'),
        }),
        None => Err(format!(
            "the container starts `{program}`, which no `go build` or `go install` in this file writes"
        )),
    }
}

/// A `go run` start command, which the builder turns into a binary named after its
/// package (`app` when the package gives no name); an error when the command needs a
/// shell or an argument cannot go into the `go build` line.
fn go_run_start(
    facts: &Facts,
    id: ItemId,
    build: GoBuild,
    words: &[&str],
) -> Result<Start, String> {
    let analysis = facts.input.analysis;
    if let Some(Command::Cmd(Form::Shell(line)) | Command::Entrypoint(Form::Shell(line))) =
        analysis.instruction(id).command()
        && line.contains(|c: char| "$|&;<>()`\\".contains(c))
    {
        return Err(format!(
            "`{}` needs a shell to run",
            one_line(analysis.text(id))
        ));
    }
    if let Some(word) = words.iter().find(|word| word.contains(['\n', '\r'])) {
        return Err(format!(
            "`go run`'s argument {word:?} holds a line break, which the `go build` line it becomes cannot hold"
        ));
    }
    let cwd = facts.workdir(id)?;
    let package = match build.packages.first() {
        Some(file) if file.ends_with(".go") => parent(&join(&cwd, file)),
        Some(package) => package.clone(),
        None => ".".to_owned(),
    };
    let name = facts
        .package_name(&package, &cwd, "go run")
        .ok()
        .filter(|name| !name.is_empty() && name != "go")
        .unwrap_or_else(|| "app".to_owned());
    Ok(Start::GoRun {
        id,
        build,
        binary: format!("{GO_RUN_DIR}/{name}"),
    })
}

/// Edits of CMD/ENTRYPOINT: exec form where the final image has no shell, and the
/// binary in place of `go run`.
pub(super) fn start_edits(
    facts: &Facts,
    image: &FinalImage,
    start: &Start,
    decisions: &mut Vec<Decision>,
) -> Result<Vec<(ItemId, Step)>, String> {
    let analysis = facts.input.analysis;
    let (entrypoint, cmd) = facts.start();
    let mut edits = Vec::new();
    if let Start::GoRun { id, build, binary } = start {
        let words: Vec<String> = std::iter::once(binary.clone())
            .chain(build.arguments.iter().cloned())
            .collect();
        // The decision is the plan's, which writes the build.
        edits.push((*id, replace_arguments(facts, *id, &exec_form(&words))));
    }
    if image.has_shell() {
        return Ok(edits);
    }
    for id in [entrypoint, cmd].into_iter().flatten() {
        if edits.iter().any(|(edited, _)| *edited == id) {
            continue;
        }
        let Some(Command::Cmd(Form::Shell(line)) | Command::Entrypoint(Form::Shell(line))) =
            analysis.instruction(id).command()
        else {
            continue;
        };
        let written = one_line(analysis.text(id));
        if uses_shell(&line) {
            return Err(format!(
                "`{written}` needs a shell to run, and {} has none",
                image.describe()
            ));
        }
        if Some(id) == entrypoint && cmd.is_some() {
            return Err(format!(
                "`{written}` is in shell form, which ignores CMD; in exec form, as {} needs it, CMD would become its arguments",
                image.describe()
            ));
        }
        let arguments = analysis.instruction(id).keyword_span.end;
        let (edit, decision) = exec_form_edit(facts, image, id, arguments, &line);
        edits.push(edit);
        decisions.push(decision);
    }
    Ok(edits)
}

/// The shell-form command `line` of instruction `id`, written from byte `start` on in
/// exec form with the same words, and the decision that says why.
fn exec_form_edit(
    facts: &Facts,
    image: &FinalImage,
    id: ItemId,
    start: usize,
    line: &str,
) -> ((ItemId, Step), Decision) {
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let exec = exec_form(&words);
    let decision = Decision::new(
        format!(
            "`{}` in exec form (`{exec}`)",
            one_line(facts.input.analysis.text(id))
        ),
        format!(
            "{} has no /bin/sh to run the shell form; the words are the same",
            image.describe()
        ),
    );
    ((id, replace_from(facts, id, start, &exec)), decision)
}

/// The instruction `id` with its arguments replaced (keyword and comments kept).
pub(super) fn replace_arguments(facts: &Facts, id: ItemId, arguments: &str) -> Step {
    let keyword_end = facts.input.analysis.instruction(id).keyword_span.end;
    replace_from(facts, id, keyword_end, arguments)
}

/// The instruction `id` with its text from byte `start` to its end replaced; the
/// comment lines of its continuations there go above it.
pub(super) fn replace_from(facts: &Facts, id: ItemId, start: usize, arguments: &str) -> Step {
    let analysis = facts.input.analysis;
    let instruction = analysis.instruction(id);
    let end = instruction
        .lines
        .iter()
        .rev()
        .find_map(|line| match line.kind {
            LineKind::Text { text, .. } => Some(text.end),
            _ => None,
        })
        .unwrap_or(instruction.span.end);
    let replaced = Span::new(start, end);
    let text = edited(analysis, id, vec![(replaced, format!(" {arguments}"))]);
    Step::Edit(id, analysis.comments_within(id, replaced) + &text)
}

/// Checks HEALTHCHECKs against the final image, putting a shell-form one that runs a
/// built binary in exec form where there is no shell; true when Alpine needs curl.
pub(super) fn healthchecks(
    facts: &Facts,
    image: &FinalImage,
    edits: &mut Vec<(ItemId, Step)>,
    decisions: &mut Vec<Decision>,
) -> Result<bool, String> {
    let analysis = facts.input.analysis;
    let mut curl = false;
    for id in analysis.with_keyword(facts.input.stage, Keyword::Healthcheck) {
        let Some(Command::Healthcheck(Healthcheck::Cmd { command, .. })) =
            analysis.instruction(id).command()
        else {
            continue;
        };
        let written = one_line(analysis.text(id));
        let program = command
            .words()
            .first()
            .map(|w| (*w).to_owned())
            .unwrap_or_default();
        let built = facts.binary_for(&program, id).is_some();
        match (image.kind, &command) {
            (Kind::Other, _) => {}
            (Kind::Distroless | Kind::Scratch, _) if !built => {
                return Err(format!(
                    "`{written}` runs `{program}`, which {} does not have (with `--go-final alpine` the final stage installs curl; busybox has wget)",
                    image.describe()
                ));
            }
            (Kind::Distroless | Kind::Scratch, Form::Shell(line)) => {
                let Some(after_cmd) = healthcheck_cmd_end(facts, id).filter(|_| !uses_shell(line))
                else {
                    return Err(format!(
                        "`{written}` needs a shell, and {} has none",
                        image.describe()
                    ));
                };
                let (edit, decision) = exec_form_edit(facts, image, id, after_cmd, line);
                edits.push(edit);
                decisions.push(decision);
            }
            (Kind::Alpine, _) if program == "curl" => curl = true,
            (Kind::Alpine, _) if !built && !BUSYBOX.contains(&program.as_str()) => {
                return Err(format!(
                    "`{written}` runs `{program}`, which Alpine does not have"
                ));
            }
            _ => {}
        }
    }
    Ok(curl)
}

/// Where the `CMD` word of a HEALTHCHECK ends (after its options).
pub(super) fn healthcheck_cmd_end(facts: &Facts, id: ItemId) -> Option<usize> {
    let instruction = facts.input.analysis.instruction(id);
    let start = instruction.keyword_span.end;
    let text = &facts.input.analysis.dockerfile.text()[start..instruction.head().end];
    let bytes = text.as_bytes();
    (0..text.len().saturating_sub(3)).find_map(|at| {
        let before = at == 0 || bytes[at - 1].is_ascii_whitespace();
        let word = text[at..]
            .get(..3)
            .is_some_and(|w| w.eq_ignore_ascii_case("cmd"));
        let after = bytes.get(at + 3).is_some_and(u8::is_ascii_whitespace);
        (before && word && after).then_some(start + at + 3)
    })
}

/// The builder's `go build` for a `go run` start command.
pub(super) fn go_run_build(build: &GoBuild, binary: &str, cgo_off: bool) -> String {
    let mut words = vec![format!(
        "{}go build -o {binary}",
        if cgo_off { "CGO_ENABLED=0 " } else { "" }
    )];
    if let Some(dir) = &build.chdir {
        words.push(format!("-C {}", quote(dir)));
    }
    if build.race {
        words.push("-race".into());
    }
    words.extend(build.flags.iter().map(|flag| quote(flag)));
    words.extend(build.packages.iter().map(|package| quote(package)));
    format!("RUN {}", words.join(" "))
}

pub(super) fn quote(word: &str) -> String {
    if word.is_empty()
        || word.contains(|c: char| c.is_whitespace() || "'\"$\\|&;<>()*?".contains(c))
    {
        format!("'{}'", word.replace('\'', r"'\''"))
    } else {
        word.to_owned()
    }
}
