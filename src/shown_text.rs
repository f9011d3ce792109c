//! Text from a Dockerfile or a file name as restage shows it to people on a terminal:
//! the characters that would act rather than show are escaped, as Rust escapes them
//! (`\u{1b}`, `\r`, `\u{202e}`). They are the control characters (C0, DEL, C1: an
//! `ESC` sequence can move the cursor, rewrite or clear the screen) and the bidi
//! embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, rustc's
//! `text_direction_codepoint_in_literal` list: they reorder the text after them, so
//! that a shown line reads otherwise than it is).
//!
//! Machine outputs (the diff, `--stdout`, JSON) carry the text as it is; where it is
//! escaped is up to each output for people (`diagnostic.rs`, the binary's `render.rs`
//! and `shown_path.rs`, `verify/report.rs`).

use std::borrow::Cow;
use std::char::EscapeDefault;

/// The escape `c` is shown as, or `None` where it shows as itself.
pub fn escape(c: char) -> Option<EscapeDefault> {
    let acts = c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    acts.then(|| c.escape_default())
}

/// `text` with each character that [`escape`] escapes written as its escape.
pub fn escaped(text: &str) -> Cow<'_, str> {
    // Printable ASCII, most text, is told at a byte's test.
    let printable = |byte: &u8| (b' '..=b'~').contains(byte);
    if text.as_bytes().iter().all(printable) || !text.chars().any(|c| escape(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escape(c) {
            Some(escape) => shown.extend(escape),
            None => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_controls_are_escaped_the_rest_kept() {
        assert_eq!(
            escaped("a\x1b[2Jb\x07\x08\r\x7f\u{9b}\tc\n"),
            "a\\u{1b}[2Jb\\u{7}\\u{8}\\r\\u{7f}\\u{9b}\\tc\\n"
        );
        assert_eq!(
            escaped("x\u{202a}\u{202e}\u{2066}\u{2069}y"),
            "x\\u{202a}\\u{202e}\\u{2066}\\u{2069}y"
        );
        // Text that acts on nothing, quotes and backslashes among it, is borrowed as is.
        let plain = "café 'x' \"y\" \\z … \u{200b}";
        assert!(matches!(escaped(plain), Cow::Borrowed(text) if text == plain));
    }

    #[test]
    fn the_bidi_ranges_end_where_they_should() {
        for c in ['\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}'] {
            assert!(escape(c).is_none(), "{c:?}");
        }
    }
}
