//! BuildKit's dispatch table and per-instruction line parsers (`line_parsers.go`).
//!
//! Owns how the arguments after the flags become values: ENV and LABEL pairs (including the
//! legacy `ENV KEY value words` form), ARG names, whitespace-separated lists (FROM, EXPOSE),
//! single strings (USER, WORKDIR, ...), exec-form JSON with its fallback to shell form
//! (`CMD ['a']` is shell form), HEALTHCHECK's type word, and ONBUILD's trigger, parsed as a line
//! of its own. Quotes are kept in the values, as BuildKit keeps them for the later expansion
//! step. An unknown instruction parses as BuildKit's `parseIgnore`; rejecting it is the caller's
//! choice.

use super::LineError;
use super::go_text::{is_space, latin1, quote, split_token_whitespace, to_lower};
use super::json_array::{JsonArrayError, decode_string_array};
use super::split_command::split_command;

/// A line split into name, flags and parsed arguments.
#[derive(Debug)]
pub(super) struct ParsedLine {
    /// The instruction name as written.
    pub cmd: String,
    pub flags: Vec<String>,
    pub args: Args,
}

/// The parsed arguments: BuildKit's chain of `Next` nodes, flattened.
#[derive(Debug, Default)]
pub(super) struct Args {
    pub values: Vec<String>,
    pub json: bool,
    /// ONBUILD's trigger; the ONBUILD's own `values` are then `[""]`, as BuildKit's node chain
    /// reads.
    pub trigger: Option<Box<ParsedLine>>,
}

impl Args {
    fn shell(values: Vec<String>) -> Self {
        Args {
            values,
            ..Args::default()
        }
    }
}

/// The line parser an instruction name dispatches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parser {
    MaybeJsonToList,
    NameOrNameVal,
    MaybeJson,
    Env,
    Label,
    StringsWhitespaceDelimited,
    HealthConfig,
    String,
    SubCommand,
    Ignore,
}

/// The names BuildKit knows, upper-cased as its error messages show them.
pub(super) const INSTRUCTIONS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

fn dispatch(cmd: &str) -> Parser {
    match to_lower(cmd).as_str() {
        "add" | "copy" | "volume" => Parser::MaybeJsonToList,
        "arg" => Parser::NameOrNameVal,
        "cmd" | "entrypoint" | "run" | "shell" => Parser::MaybeJson,
        "env" => Parser::Env,
        "expose" | "from" => Parser::StringsWhitespaceDelimited,
        "healthcheck" => Parser::HealthConfig,
        "label" => Parser::Label,
        "maintainer" | "stopsignal" | "user" | "workdir" => Parser::String,
        "onbuild" => Parser::SubCommand,
        _ => Parser::Ignore,
    }
}

/// BuildKit's `newNodeFromLine` without the heredocs.
pub(super) fn parse_line(line: &str, escape: char) -> Result<ParsedLine, LineError> {
    let (cmd, flags, rest) = split_command(line);
    let parser = dispatch(&cmd);
    let args = match parser {
        Parser::MaybeJsonToList => parse_maybe_json_to_list(&rest)?,
        Parser::NameOrNameVal => Args::shell(parse_words(&rest, escape)),
        Parser::MaybeJson => parse_maybe_json(&rest)?,
        Parser::Env => Args::shell(parse_name_val(&rest, "ENV", escape)?),
        Parser::Label => Args::shell(parse_name_val(&rest, "LABEL", escape)?),
        Parser::StringsWhitespaceDelimited => {
            Args::shell(parse_strings_whitespace_delimited(&rest))
        }
        Parser::HealthConfig => parse_health_config(&rest)?,
        Parser::String => Args::shell(parse_string(&rest)),
        Parser::SubCommand => parse_sub_command(&rest, escape)?,
        Parser::Ignore => Args::shell(vec![String::new()]),
    };
    Ok(ParsedLine { cmd, flags, args })
}

fn parse_sub_command(rest: &str, escape: char) -> Result<Args, LineError> {
    if rest.is_empty() {
        return Ok(Args::default());
    }
    let trigger = parse_line(rest, escape)?;
    Ok(Args {
        values: vec![String::new()],
        json: false,
        trigger: Some(Box::new(trigger)),
    })
}

#[derive(PartialEq)]
enum Phase {
    Spaces,
    Word,
    Quote,
}

/// BuildKit's `parseWords`: whitespace-separated words, quotes and escapes kept.
fn parse_words(rest: &str, escape: char) -> Vec<String> {
    let mut chars = rest.chars();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    while let Some(mut c) = chars.next() {
        if phase == Phase::Spaces {
            if is_space(c) {
                continue;
            }
            phase = Phase::Word;
        }
        if phase == Phase::Word {
            if is_space(c) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                blank_ok = false;
                continue;
            }
            if c == '\'' || c == '"' {
                quote = c;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if c == escape {
                // An escape that ends the text is dropped.
                let Some(escaped) = chars.next() else {
                    continue;
                };
                word.push(c);
                c = escaped;
            }
            word.push(c);
            continue;
        }
        // In a quote.
        if c == quote {
            phase = Phase::Word;
        }
        if c == escape && quote != '\'' {
            let Some(escaped) = chars.next() else {
                phase = Phase::Word;
                continue;
            };
            word.push(c);
            c = escaped;
        }
        word.push(c);
    }
    if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

/// ENV and LABEL: `KEY=value ...` pairs, or the legacy `KEY value words`.
fn parse_name_val(rest: &str, key: &str, escape: char) -> Result<Vec<String>, LineError> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        let parts = split_token_whitespace(rest, 2);
        if parts.len() < 2 {
            return Err(LineError::new(format!("{key} must have two arguments")));
        }
        return Ok(parts.into_iter().map(str::to_owned).collect());
    }
    let mut values = Vec::new();
    for word in &words {
        let Some((name, value)) = word.split_once('=') else {
            return Err(LineError::new(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                quote(word)
            )));
        };
        values.push(name.to_string());
        values.push(value.to_string());
    }
    Ok(values)
}

fn parse_strings_whitespace_delimited(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    split_token_whitespace(rest, -1)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn parse_string(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        Vec::new()
    } else {
        vec![rest.to_string()]
    }
}

fn parse_json(rest: &str) -> Result<Args, JsonArrayError> {
    let rest = rest.trim_start_matches(is_space);
    if !rest.starts_with('[') {
        return Err(JsonArrayError::Invalid);
    }
    Ok(Args {
        values: decode_string_array(rest)?,
        json: true,
        trigger: None,
    })
}

fn not_string_array() -> LineError {
    LineError::new("when using JSON array syntax, arrays must be comprised of strings only")
}

/// Exec form when the arguments are a JSON array of strings, else one shell-form string.
fn parse_maybe_json(rest: &str) -> Result<Args, LineError> {
    if rest.is_empty() {
        return Ok(Args::default());
    }
    match parse_json(rest) {
        Ok(args) => Ok(args),
        Err(JsonArrayError::NotStringArray) => Err(not_string_array()),
        Err(JsonArrayError::Invalid) => Ok(Args::shell(vec![rest.to_string()])),
    }
}

/// Exec form when the arguments are a JSON array of strings, else whitespace-separated words.
fn parse_maybe_json_to_list(rest: &str) -> Result<Args, LineError> {
    match parse_json(rest) {
        Ok(args) => Ok(args),
        Err(JsonArrayError::NotStringArray) => Err(not_string_array()),
        Err(JsonArrayError::Invalid) => Ok(Args::shell(parse_strings_whitespace_delimited(rest))),
    }
}

/// HEALTHCHECK: the type word (`CMD`, `NONE`), then the command as in CMD. Like BuildKit, this
/// looks for the end of the type word byte by byte.
fn parse_health_config(rest: &str) -> Result<Args, LineError> {
    let bytes = rest.as_bytes();
    let is_space_byte = |b: &u8| is_space(latin1(*b));
    let sep = bytes.iter().position(is_space_byte).unwrap_or(bytes.len());
    if sep == 0 {
        return Ok(Args::default());
    }
    let next = sep
        + bytes[sep..]
            .iter()
            .position(|b| !is_space_byte(b))
            .unwrap_or(bytes.len() - sep);
    let kind = String::from_utf8_lossy(&bytes[..sep]).into_owned();
    let command = parse_maybe_json(&String::from_utf8_lossy(&bytes[next..]))?;
    let mut values = vec![kind];
    values.extend(command.values);
    Ok(Args {
        values,
        json: command.json,
        trigger: None,
    })
}
