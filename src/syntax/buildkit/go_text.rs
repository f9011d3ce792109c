//! Go's string helpers as BuildKit's parser calls them, so the port splits and trims alike.
//!
//! Owns the small differences that matter between Go and Rust text handling: Go's simple
//! per-rune case mapping, the `[\t\v\f\r ]+` separator BuildKit splits on (which, unlike
//! `unicode.IsSpace`, excludes `\n`, U+0085 and U+00A0), `regexp.Split`'s edge cases, and
//! `strconv.Quote` for error messages. Nothing here knows about Dockerfiles.

/// Go's `unicode.IsSpace`; for every rune it agrees with Unicode's White_Space property.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `strings.ToLower`: simple case mapping, rune by rune (`İ` lowers to `i`).
pub(super) fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ if c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`: simple case mapping, rune by rune (`ß` stays `ß`).
pub(super) fn to_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.TrimSpace`.
pub(super) fn trim_space(s: &str) -> &str {
    s.trim_matches(is_space)
}

fn is_token_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// `regexp.MustCompile("[\t\v\f\r ]+").Split(s, n)`, `n < 0` meaning no limit.
pub(super) fn split_token_whitespace(s: &str, n: isize) -> Vec<&str> {
    if n == 0 {
        return Vec::new();
    }
    if s.is_empty() {
        return vec![""];
    }
    // Go finds up to `n` separator runs and splits at all but the last: one pass that
    // stops after `n - 1` runs gives the same parts. The separators are ASCII, and no
    // byte of a multi-byte character is: scanning bytes finds the same runs as
    // scanning characters.
    let limit = usize::try_from(n - 1).unwrap_or(usize::MAX);
    let bytes = s.as_bytes();
    let mut parts = Vec::with_capacity(limit.saturating_add(1).min(8));
    let (mut begin, mut end) = (0, 0);
    let mut pos = 0;
    while pos < bytes.len() && parts.len() < limit {
        if !is_token_whitespace(char::from(bytes[pos])) {
            pos += 1;
            continue;
        }
        end = pos;
        while pos < bytes.len() && is_token_whitespace(char::from(bytes[pos])) {
            pos += 1;
        }
        parts.push(&s[begin..end]);
        begin = pos;
    }
    if end != s.len() {
        parts.push(&s[begin..]);
    }
    parts
}

/// Go's `strconv.Quote`, near enough for error messages: printable runes stay as they are.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && (c.is_control()) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

/// A byte as Go's `rune(b)` sees it: Latin-1.
pub(super) fn latin1(b: u8) -> char {
    char::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_go_regexp() {
        assert_eq!(split_token_whitespace("a  b\tc", -1), ["a", "b", "c"]);
        assert_eq!(split_token_whitespace("a  b\tc", 2), ["a", "b\tc"]);
        assert_eq!(split_token_whitespace("a", 2), ["a"]);
        assert_eq!(split_token_whitespace("", 2), [""]);
        assert_eq!(split_token_whitespace(" a", -1), ["", "a"]);
        assert_eq!(split_token_whitespace("a ", -1), ["a", ""]);
        assert_eq!(split_token_whitespace("a\nb\u{a0}c", -1), ["a\nb\u{a0}c"]);
        assert_eq!(split_token_whitespace("a b c", 2), ["a", "b c"]);
        assert_eq!(split_token_whitespace(" a b", 2), ["", "a b"]);
        assert_eq!(split_token_whitespace("a b", 1), ["a b"]);
        assert_eq!(split_token_whitespace("  ", -1), ["", ""]);
        assert_eq!(split_token_whitespace("a b  ", 3), ["a", "b", ""]);
    }

    #[test]
    fn lowers_rune_by_rune() {
        assert_eq!(to_lower("MAİNTAINER"), "maintainer");
        assert_eq!(to_lower("WOR\u{212a}DIR"), "workdir");
        assert_eq!(to_upper("straße"), "STRAßE");
    }

    #[test]
    fn quotes_like_strconv() {
        assert_eq!(quote("a\"b\\c\td\u{1}é"), "\"a\\\"b\\\\c\\td\\x01é\"");
        assert_eq!(quote("\u{a0}"), "\"\\u00a0\"");
    }
}
