//! Errors as people read them: `error: what`, ` --> path:line:col`, the line, a caret
//! under the spot, and a `help:` line. The line, the message and the help are the
//! file's text, shown with its control characters escaped (`shown_text.rs`).

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::shown_text::{escape, escaped};
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
        let (line_text, caret_indent) = shown_line(&line_text, caret_at);
        let line_number = self.position.line.to_string();
        let gutter = " ".repeat(line_number.len());
        let mut out = String::new();
        let _ = writeln!(out, "error: {}", escaped(&self.message));
        let _ = writeln!(
            out,
            "{gutter}--> {}:{}:{}",
            self.path, self.position.line, self.position.column
        );
        let _ = writeln!(out, "{gutter} |");
        let _ = writeln!(out, "{line_number} | {line_text}");
        let _ = writeln!(out, "{gutter} | {caret_indent}^");
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{gutter} = help: {}", escaped(hint));
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

/// `line` as shown, its tabs kept and its other control characters escaped, and the
/// indent that puts a caret under its character `at`: a tab for a tab (the terminal
/// lines them up), as many blanks as any other character takes columns to show (an
/// escape one a character, a CJK character two, a combining mark none).
fn shown_line(line: &str, at: usize) -> (String, String) {
    let mut shown = String::with_capacity(line.len());
    let mut indent = String::new();
    for (index, c) in line.chars().enumerate() {
        let before = shown.len();
        match escape(c).filter(|_| c != '\t') {
            Some(escape) => shown.extend(escape),
            None => shown.push(c),
        }
        if index < at {
            let (blank, width) = match c {
                '\t' => ('\t', 1),
                _ => (' ', shown[before..].width()),
            };
            indent.extend(std::iter::repeat_n(blank, width));
        }
    }
    (shown, indent)
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

    #[test]
    fn control_characters_in_the_line_are_escaped_and_the_caret_stays_under_its_character() {
        // ESC, BEL, a lone CR and an RLO before the unknown word, a tab kept.
        let source = "FROM a\n\t\x1b[2J\x07\r\u{202e}FORM\x08 x\n";
        let error =
            ParseError::new("unknown instruction: FORM\x08", 17).with_hint("no \u{9b}such thing");
        let diagnostic = Diagnostic::from_parse_error("D", source.as_bytes(), &error);
        assert_eq!(diagnostic.position.column, 9);
        // The caret passes the tab, then `\u{1b}`, `[2J`, `\u{7}`, `\r` and `\u{202e}`.
        let indent = format!("\t{}", " ".repeat(6 + 3 + 5 + 2 + 8));
        let expected = [
            r"error: unknown instruction: FORM\u{8}",
            " --> D:2:9",
            "  |",
            concat!("2 | \t", r"\u{1b}[2J\u{7}\r\u{202e}FORM\u{8} x"),
            &format!("  | {indent}^"),
            r"  = help: no \u{9b}such thing",
            "",
        ];
        assert_eq!(diagnostic.render(), expected.join("\n"));
    }

    #[test]
    fn the_caret_indent_counts_each_escape_whole() {
        assert_eq!(
            shown_line("\x1b\tab", 3),
            ("\\u{1b}\tab".to_owned(), "      \t ".to_owned())
        );
    }

    #[test]
    fn the_caret_indent_takes_the_columns_a_character_shows_in() {
        // Two columns a CJK character, none a combining acute accent.
        assert_eq!(shown_line("FROM 日本 AS", 8).1, " ".repeat(10));
        assert_eq!(shown_line("FROM e\u{301}e\u{301} AS", 10).1, " ".repeat(8));
    }
}
