//! Errors as people read them: `error: what`, ` --> path:line:col`, the line, a caret
//! under the spot, and a `help:` line.

use std::fmt::Write;

use crate::syntax::{ParseError, Position, line_containing};

/// A parse error placed in its file, ready to show.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
    pub position: Position,
    /// The offending line, without its line break.
    pub line_text: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Places `error` in `source` (the file's bytes, possibly not UTF-8).
    pub fn from_parse_error(path: &str, source: &[u8], error: &ParseError) -> Diagnostic {
        let text = String::from_utf8_lossy(&source[..error.offset.min(source.len())]);
        let offset = text.len();
        let rest = String::from_utf8_lossy(&source[error.offset.min(source.len())..]);
        let whole = format!("{text}{rest}");
        Diagnostic {
            path: path.to_owned(),
            message: error.message.clone(),
            position: Position::locate(&whole, offset),
            line_text: line_containing(&whole, offset).to_owned(),
            hint: error.hint.clone(),
        }
    }

    pub fn render(&self) -> String {
        let (line_text, caret_at) = excerpt(&self.line_text, self.position.column - 1);
        let line_number = self.position.line.to_string();
        let gutter = " ".repeat(line_number.len());
        let mut out = String::new();
        let _ = writeln!(out, "error: {}", self.message);
        let _ = writeln!(
            out,
            "{gutter}--> {}:{}:{}",
            self.path, self.position.line, self.position.column
        );
        let _ = writeln!(out, "{gutter} |");
        let _ = writeln!(out, "{line_number} | {line_text}");
        let caret_indent: String = line_text
            .chars()
            .take(caret_at)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(out, "{gutter} | {caret_indent}^");
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{gutter} = help: {hint}");
        }
        out
    }
}

/// The most characters of a line an error shows: a generated or minified line can run to
/// megabytes, of which the part around the caret is what helps.
const SHOWN_CHARS: usize = 120;

/// The part of `line` shown around the character at `at`, cut with `…` where it is longer
/// than [`SHOWN_CHARS`], and the caret's character index in it.
fn excerpt(line: &str, at: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= SHOWN_CHARS {
        return (line.to_owned(), at);
    }
    let start = at.saturating_sub(SHOWN_CHARS / 2).min(count - SHOWN_CHARS);
    let mut shown: String = line.chars().skip(start).take(SHOWN_CHARS).collect();
    let mut caret_at = at - start;
    if start > 0 {
        shown.insert(0, '…');
        caret_at += 1;
    }
    if start + SHOWN_CHARS < count {
        shown.push('…');
    }
    (shown, caret_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_caret_and_hint() {
        let source = b"FROM alpine\n  FORM x\n";
        let error =
            ParseError::new("unknown instruction: FORM", 14).with_hint("did you mean FROM?");
        let shown = Diagnostic::from_parse_error("Dockerfile", source, &error).render();
        assert_eq!(
            shown,
            "error: unknown instruction: FORM\n --> Dockerfile:2:3\n  |\n2 |   FORM x\n  |   ^\n  = help: did you mean FROM?\n"
        );
    }

    #[test]
    fn points_into_invalid_utf8() {
        let source = b"FROM a\nRUN \xff\n";
        let error = ParseError::new("not UTF-8", 11);
        let diagnostic = Diagnostic::from_parse_error("D", source, &error);
        assert_eq!(
            (diagnostic.position.line, diagnostic.position.column),
            (2, 5)
        );
    }
}
