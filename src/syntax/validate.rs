//! What BuildKit's builder rejects in a file its parser reads: an unknown instruction,
//! a file with no instructions, an instruction before the first FROM other than ARG,
//! and the argument counts and forms each instruction demands (BuildKit's
//! `instructions` package, with its messages), and the names of the flags each takes.
//! Flag values are not checked.

use super::buildkit;
use super::error::ParseError;
use super::instruction::Instruction;
use super::keyword::Keyword;
use super::span::Span;
use super::tree::Dockerfile;

/// The first instruction of `dockerfile` that BuildKit's builder would refuse.
pub(crate) fn validate(dockerfile: &Dockerfile) -> Result<(), ParseError> {
    let mut in_stage = false;
    for instruction in dockerfile.instructions() {
        let Some(keyword) = instruction.keyword else {
            return Err(unknown_instruction(dockerfile, instruction));
        };
        if keyword == Keyword::From {
            in_stage = true;
        } else if !in_stage && keyword != Keyword::Arg {
            return Err(at_keyword(instruction, "no build stage in current context")
                .with_hint("only ARG may come before the first FROM"));
        }
        flags(instruction, keyword)?;
        arguments(dockerfile, instruction, keyword)?;
    }
    if !in_stage {
        let end = dockerfile.text().len();
        return Err(match dockerfile.instructions().next() {
            None => ParseError::new("file with no instructions", end),
            Some(_) => ParseError::new("no FROM instruction", end),
        }
        .with_hint("a Dockerfile needs at least a FROM instruction"));
    }
    Ok(())
}

/// How much of an unknown instruction's name its error shows: a line of a generated or
/// binary file may be one word of megabytes.
const SHOWN_NAME: usize = 60;

fn unknown_instruction(dockerfile: &Dockerfile, instruction: &Instruction) -> ParseError {
    let written = dockerfile.slice(instruction.keyword_span);
    let shown = match written.char_indices().nth(SHOWN_NAME) {
        Some((cut, _)) => format!("{}…", &written[..cut]),
        None => written.to_owned(),
    };
    let error = at_keyword(instruction, format!("unknown instruction: {shown}"));
    match buildkit::instruction_hint(written) {
        Some(hint) => error.with_hint(hint),
        None => error.with_hint("instructions are FROM, RUN, COPY, CMD, ENV, …"),
    }
}

/// The flags each instruction takes (BuildKit's, its labs channel's among them);
/// ONBUILD's are its trigger's, which the builder reads when the trigger runs.
fn known_flags(keyword: Keyword) -> Option<&'static [&'static str]> {
    Some(match keyword {
        Keyword::From => &["platform"],
        Keyword::Run => &["mount", "network", "security", "device"],
        Keyword::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
        Keyword::Add => &[
            "chown",
            "chmod",
            "link",
            "keep-git-dir",
            "checksum",
            "exclude",
        ],
        Keyword::Healthcheck => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        Keyword::Onbuild => return None,
        _ => &[],
    })
}

/// `unknown flag: …` for a flag the instruction does not take (`CMD --l ./server`).
fn flags(instruction: &Instruction, keyword: Keyword) -> Result<(), ParseError> {
    let Some(known) = known_flags(keyword) else {
        return Ok(());
    };
    for flag in &instruction.node.flags {
        let name = flag.trim_start_matches('-');
        let name = name.split_once('=').map_or(name, |(name, _)| name);
        if !known.contains(&name) {
            let name_upper = keyword.as_str().to_ascii_uppercase();
            let hint = match known {
                [] => format!("{name_upper} takes no flags"),
                _ => format!("{name_upper} takes --{}", known.join(", --")),
            };
            let name = buildkit::flag_as_written(name);
            return Err(at_keyword(instruction, format!("unknown flag: {name}")).with_hint(hint));
        }
    }
    Ok(())
}

/// The argument rules of one instruction.
fn arguments(
    dockerfile: &Dockerfile,
    instruction: &Instruction,
    keyword: Keyword,
) -> Result<(), ParseError> {
    let node = &instruction.node;
    let args = &node.value;
    let name = keyword.as_str().to_ascii_uppercase();
    let fail = |message: String, usage: &str| {
        Err(at_keyword(instruction, message).with_hint(format!("the form is `{usage}`")))
    };
    match keyword {
        Keyword::From => from(dockerfile, instruction),
        Keyword::Copy | Keyword::Add if args.len() < 2 => fail(
            format!(
                "{name} requires at least two arguments, but only one was provided. \
                 Destination could not be determined"
            ),
            &format!("{name} <source>... <destination>"),
        ),
        Keyword::Workdir | Keyword::User | Keyword::Stopsignal | Keyword::Maintainer
            if args.len() != 1 =>
        {
            fail(
                format!("{name} requires exactly one argument"),
                &format!("{name} <value>"),
            )
        }
        Keyword::Env | Keyword::Label | Keyword::Arg | Keyword::Expose | Keyword::Volume
            if args.is_empty() =>
        {
            fail(
                format!("{name} requires at least one argument"),
                &format!("{name} <value>..."),
            )
        }
        Keyword::Env | Keyword::Label if args.iter().step_by(2).any(String::is_empty) => {
            fail(format!("{name} names can not be blank"), "KEY=value")
        }
        Keyword::Arg if args.iter().any(|arg| arg.starts_with('=')) => fail(
            format!("{name} names can not be blank"),
            "ARG NAME[=default]",
        ),
        Keyword::Volume if args.iter().any(|volume| volume.trim().is_empty()) => fail(
            "VOLUME specified can not be an empty string".to_owned(),
            "VOLUME /path...",
        ),
        Keyword::Shell if args.is_empty() => fail(
            "SHELL requires at least one argument".to_owned(),
            r#"SHELL ["executable", "parameters"]"#,
        ),
        Keyword::Shell if !node.json => fail(
            "SHELL requires the arguments to be in JSON form".to_owned(),
            r#"SHELL ["executable", "parameters"]"#,
        ),
        Keyword::Healthcheck => healthcheck(instruction),
        Keyword::Onbuild => onbuild(instruction),
        _ => Ok(()),
    }
}

/// `FROM [--platform=…] image [AS name]`, the name in BuildKit's alphabet.
fn from(dockerfile: &Dockerfile, instruction: &Instruction) -> Result<(), ParseError> {
    let usage = "the form is `FROM [--platform=<platform>] <image> [AS <name>]`";
    match instruction.node.value.as_slice() {
        [_] => Ok(()),
        [_, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => {
            if valid_stage_name(&name.to_ascii_lowercase()) {
                return Ok(());
            }
            let offset = word_offset(dockerfile, instruction, name);
            Err(ParseError::new(
                format!(
                    "invalid name for build stage: {name:?}, name can't start with a number \
                     or contain symbols"
                ),
                offset,
            )
            .with_hint("a stage name starts with a letter; then letters, digits, `-`, `_`, `.`"))
        }
        [_, second, ..] => {
            let offset = word_offset(dockerfile, instruction, second);
            Err(
                ParseError::new("FROM requires either one or three arguments", offset)
                    .with_hint(format!("{usage}; is a space in the image name?")),
            )
        }
        [] => Err(
            at_keyword(instruction, "FROM requires either one or three arguments").with_hint(usage),
        ),
    }
}

/// BuildKit's `^[a-z][a-z0-9-_.]*$`.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD command`.
fn healthcheck(instruction: &Instruction) -> Result<(), ParseError> {
    let usage = "the form is `HEALTHCHECK [--interval=…] CMD <command>` or `HEALTHCHECK NONE`";
    let args = &instruction.node.value;
    let message = match args.first().map(|kind| kind.to_ascii_uppercase()) {
        None => "HEALTHCHECK requires at least one argument".to_owned(),
        Some(kind) if kind == "NONE" && args.len() > 1 => {
            "HEALTHCHECK NONE takes no arguments".to_owned()
        }
        Some(kind) if kind == "CMD" && args.len() == 1 => {
            "Missing command after HEALTHCHECK CMD".to_owned()
        }
        Some(kind) if kind == "NONE" || kind == "CMD" => return Ok(()),
        Some(kind) => format!("Unknown type {kind:?} in HEALTHCHECK (try CMD)"),
    };
    Err(at_keyword(instruction, message).with_hint(usage))
}

/// `ONBUILD <instruction>`, where the trigger is neither ONBUILD, FROM nor MAINTAINER.
fn onbuild(instruction: &Instruction) -> Result<(), ParseError> {
    let trigger = instruction
        .node
        .sub_cmd
        .as_deref()
        .map(str::to_ascii_uppercase);
    let message = match trigger.as_deref() {
        None | Some("") => "ONBUILD requires at least one argument".to_owned(),
        Some("ONBUILD") => "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_owned(),
        Some(trigger @ ("FROM" | "MAINTAINER")) => {
            format!("{trigger} isn't allowed as an ONBUILD trigger")
        }
        Some(_) => return Ok(()),
    };
    Err(at_keyword(instruction, message).with_hint(
        "the form is `ONBUILD <instruction>`, run when another image builds FROM this one",
    ))
}

fn at_keyword(instruction: &Instruction, message: impl Into<String>) -> ParseError {
    ParseError::new(message, instruction.keyword_span.start)
}

/// Where FROM's argument `word` is written after the flags and the image, or the
/// keyword when quoting or escapes reshaped it.
fn word_offset(dockerfile: &Dockerfile, instruction: &Instruction, word: &str) -> usize {
    let start = instruction.keyword_span.end;
    let text = dockerfile.slice(Span::new(start, instruction.head().end));
    let mut words = text
        .split_whitespace()
        .map(|found| (found, found.as_ptr() as usize - text.as_ptr() as usize))
        .skip_while(|(found, _)| found.starts_with("--"))
        .skip(1);
    words
        .find(|(found, _)| *found == word)
        .map_or(instruction.keyword_span.start, |(_, at)| start + at)
}
