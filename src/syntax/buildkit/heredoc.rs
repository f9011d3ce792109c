//! Which lines open heredocs, and the markers they open (BuildKit's `canContainHeredoc`,
//! `heredocsFromLine` and `ParseHeredoc`).
//!
//! Owns the marker word rules: the line is split into shell words with quotes and escapes kept,
//! and each word matching `^(\d*)<<(-?)([^<]*)$` with a non-empty, single-word delimiter is a
//! heredoc. Quoting any part of the delimiter turns expansion off. Only RUN, COPY and ADD in
//! shell form (also as an ONBUILD trigger) can open heredocs. Reading the bodies is the
//! grammar's job, not this module's.

use super::LineError;
use super::go_text::{quote, to_lower};
use super::line_parsers::ParsedLine;
use super::shell_words::Lex;

/// A heredoc opened by an instruction line (`<<EOF`, `<<-EOF`, `<<'EOF'`, `3<<EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeredocMarker {
    /// The delimiter with quotes and escapes removed; the body ends at a line equal to it.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body lines and the terminator.
    pub chomp: bool,
    /// No part of the delimiter was quoted, so the body's variables are expanded.
    pub expand: bool,
    /// The file descriptor written before `<<` (`3<<EOF`), as Go's `ParseUint` reads it
    /// (`u64::MAX` when it overflows).
    pub fd: Option<u64>,
}

pub(super) fn can_contain_heredoc(line: &ParsedLine) -> bool {
    let node = match &line.args.trigger {
        Some(trigger) if to_lower(&line.cmd) == "onbuild" => trigger,
        _ => line,
    };
    matches!(to_lower(&node.cmd).as_str(), "add" | "copy" | "run") && !node.args.json
}

/// The heredoc markers among the words of the whole logical line.
pub(super) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocMarker>, LineError> {
    // A marker starts with `<<`, and every character of a word comes from the line
    // (the environment is empty, quotes and escapes stay): a line without `<<` opens no
    // heredoc, and most lines need no lexing.
    if !line.contains("<<") {
        return Ok(Vec::new());
    }
    let lex = Lex {
        raw_quotes: true,
        raw_escapes: true,
        escape: '\\',
    };
    // BuildKit ignores a lexing error here: a line that does not lex opens no heredoc.
    let words = lex.process_words(line).unwrap_or_default();
    let mut markers = Vec::new();
    for word in words {
        if let Some(marker) = parse_heredoc(&word)? {
            markers.push(marker);
        }
    }
    Ok(markers)
}

/// The marker one word opens, if it is one.
fn parse_heredoc(word: &str) -> Result<Option<HeredocMarker>, LineError> {
    let digits_end = word.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, after_digits) = word.split_at(digits_end);
    let Some(after_arrows) = after_digits.strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match after_arrows.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after_arrows),
    };
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = (!digits.is_empty()).then(|| digits.parse().unwrap_or(u64::MAX));

    let process = |raw_quotes| {
        let lex = Lex {
            raw_quotes,
            raw_escapes: false,
            escape: '\\',
        };
        lex.process_words(rest)
            .map_err(|e| LineError::new(format!("failed to process {}: {e}", quote(rest))))
    };
    let mut words = process(false)?;
    if words.len() != 1 {
        return Ok(None);
    }
    let mut raw_words = process(true)?;
    if raw_words.len() != 1 {
        return Err(LineError::new(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        )));
    }
    let (name, raw_name) = (words.remove(0), raw_words.remove(0));
    let quote_count = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Ok(Some(HeredocMarker {
        expand: quote_count(&name) == quote_count(&raw_name),
        name,
        chomp,
        fd,
    }))
}
