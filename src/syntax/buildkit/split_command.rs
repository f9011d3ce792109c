//! Splitting a logical line into the instruction name, its `--flags`, and the rest
//! (BuildKit's `splitCommand` and `extractBuilderFlags`).
//!
//! Flags end at the first word that does not start with `--`, or at a lone `--`. A flag keeps
//! its `=value` attached; a space-separated value is not a flag value (`--network none` gives the
//! flag `--network` and the arguments `none ...`). Like BuildKit, the flag scanner walks bytes,
//! not characters, so a multi-byte character is read as Latin-1 and a 0x85 or 0xA0 byte inside
//! one counts as a space; the per-instruction parsers (`line_parsers`) own what follows.

use std::borrow::Cow;

use super::go_text::{is_space, latin1, split_token_whitespace, trim_space};

/// `(name as written, flags, arguments)`.
pub(super) fn split_command(line: &str) -> (String, Vec<String>, String) {
    let mut parts = split_token_whitespace(trim_space(line), 2).into_iter();
    let cmd = parts.next().unwrap_or_default().to_owned();
    let (args, flags) = match parts.next() {
        Some(rest) => extract_builder_flags(rest),
        None => (Cow::Borrowed(""), Vec::new()),
    };
    (cmd, flags, trim_space(&args).to_owned())
}

#[derive(PartialEq)]
enum Phase {
    Spaces,
    Word,
    Quote,
}

/// Returns the text after the flags and the flags themselves, quotes and escapes removed.
fn extract_builder_flags(line: &str) -> (Cow<'_, str>, Vec<String>) {
    let bytes = line.as_bytes();
    // `pos` can stop inside a multi-byte character (see above): only then is the rest
    // not a slice of `line`.
    let rest_from = |pos: usize| {
        line.get(pos..)
            .map_or_else(|| String::from_utf8_lossy(&bytes[pos..]), Cow::Borrowed)
    };
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut ch = '\0';
    let mut pos = 0;
    while pos <= bytes.len() {
        let at_end = pos == bytes.len();
        if !at_end {
            ch = latin1(bytes[pos]);
        }
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                pos += 1;
                continue;
            }
            if ch != '-' || pos + 1 == bytes.len() || bytes[pos + 1] != b'-' {
                return (rest_from(pos), words);
            }
            phase = Phase::Word;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (rest_from(pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == '\\' {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = latin1(bytes[pos]);
            }
            word.push(ch);
            pos += 1;
            continue;
        }
        // In a quote.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == '\\' {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = latin1(bytes[pos]);
        }
        word.push(ch);
        pos += 1;
    }
    (Cow::Borrowed(""), words)
}
