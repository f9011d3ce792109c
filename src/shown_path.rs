//! A file's name as restage shows it: as given or found, `./` dropped, `<stdin>` for
//! stdin. A name is bytes, and may hold a newline, a terminal's escape sequence or bytes
//! that are not UTF-8; each output writes it so that nothing a reader needs is lost:
//! - for people (`Display`: the text lines, notes and errors): control and bidi
//!   characters escaped as all text for people is (`restage::shown_text`: `\n`,
//!   `\u{1b}`, `\u{202e}`) and bytes that are not UTF-8 as `\xff`, so that a name can
//!   neither colour the terminal, nor pass for two lines, nor read backwards;
//! - in a diff's headers: quoted as git quotes names, so that `git apply` takes the diff;
//! - in JSON: as text, with its bytes besides where it is not UTF-8.
//!
//! Where names come from is `walk.rs`'s; the outputs around them are `render.rs`'s.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt::{self, Write};
use std::path::Path;

use restage::shown_text::escaped;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownPath(OsString);

impl ShownPath {
    /// `path` without a leading `./`.
    pub fn new(path: &Path) -> ShownPath {
        let shown = path.strip_prefix(".").unwrap_or(path);
        let shown = if shown.as_os_str().is_empty() {
            path
        } else {
            shown
        };
        ShownPath(shown.as_os_str().to_owned())
    }

    pub fn stdin() -> ShownPath {
        ShownPath("<stdin>".into())
    }

    /// The name's bytes (on Windows, WTF-8).
    pub fn bytes(&self) -> &[u8] {
        self.0.as_encoded_bytes()
    }

    /// The name as text: exact where it is UTF-8, else with U+FFFD for the other bytes.
    pub fn lossy(&self) -> Cow<'_, str> {
        self.0.to_string_lossy()
    }

    pub fn is_utf8(&self) -> bool {
        self.0.to_str().is_some()
    }

    /// The name in a diff header, after `side` (`a/` or `b/`), as `git diff` writes it:
    /// an absolute path loses its leading `/` (`a//tmp/x` is a path `git apply`
    /// rejects), and a name with a control character, `"`, `\` or a byte outside ASCII
    /// is quoted in C style, other bytes in octal (git's `quote_c_style`, with
    /// `core.quotePath` on, its default): `"a/bad\377name/Dockerfile"`.
    pub fn in_diff(&self, side: &str) -> String {
        let mut name = side.as_bytes().to_vec();
        let bytes = self.bytes();
        name.extend_from_slice(&bytes[bytes.iter().take_while(|&&b| b == b'/').count()..]);
        let quoted = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\' || byte >= 0x7f;
        if !name.iter().any(|&byte| quoted(byte)) {
            // All ASCII here.
            return String::from_utf8_lossy(&name).into_owned();
        }
        let mut out = String::from("\"");
        for byte in name {
            let _ = match byte {
                0x07 => out.write_str("\\a"),
                0x08 => out.write_str("\\b"),
                b'\t' => out.write_str("\\t"),
                b'\n' => out.write_str("\\n"),
                0x0b => out.write_str("\\v"),
                0x0c => out.write_str("\\f"),
                b'\r' => out.write_str("\\r"),
                b'"' | b'\\' => write!(out, "\\{}", byte as char),
                byte if quoted(byte) => write!(out, "\\{byte:03o}"),
                byte => out.write_char(byte as char),
            };
        }
        out.push('"');
        out
    }
}

/// The name for people, control and bidi characters and bytes that are not UTF-8 escaped.
impl fmt::Display for ShownPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.bytes().utf8_chunks() {
            f.write_str(&escaped(chunk.valid()))?;
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn shown(bytes: &[u8]) -> ShownPath {
        ShownPath::new(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }

    #[test]
    fn diff_names_are_quoted_as_git_quotes_them() {
        assert_eq!(shown(b"./app/Dockerfile").in_diff("a/"), "a/app/Dockerfile");
        assert_eq!(
            shown(b"/tmp/x/Dockerfile").in_diff("b/"),
            "b/tmp/x/Dockerfile"
        );
        assert_eq!(shown(b"with space/D").in_diff("a/"), "a/with space/D");
        assert_eq!(
            shown(b"bad\xffname/D").in_diff("a/"),
            "\"a/bad\\377name/D\""
        );
        assert_eq!(
            shown(b"new\nline\ttab\x1b[31m\x7f\"q\"\\/D").in_diff("b/"),
            "\"b/new\\nline\\ttab\\033[31m\\177\\\"q\\\"\\\\/D\""
        );
        assert_eq!(
            shown("café/D".as_bytes()).in_diff("a/"),
            "\"a/caf\\303\\251/D\""
        );
    }

    #[test]
    fn names_for_people_escape_control_characters_and_stray_bytes() {
        assert_eq!(shown(b"./app/Dockerfile").to_string(), "app/Dockerfile");
        assert_eq!(
            shown(b"new\nline\x1b[31m\xff\\/D").to_string(),
            "new\\nline\\u{1b}[31m\\xff\\/D"
        );
        assert_eq!(
            shown("evil\u{202e}txt.exe/D".as_bytes()).to_string(),
            "evil\\u{202e}txt.exe/D"
        );
        assert_eq!(shown("café/D".as_bytes()).to_string(), "café/D");
    }
}
