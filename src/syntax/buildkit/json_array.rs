//! Reading an exec-form JSON array the way BuildKit v0.12.5 does (`json.NewDecoder(..).Decode`).
//!
//! Owns Go's JSON rules where they differ from serde_json: only the first value is read and
//! anything after its closing `]` is ignored (`CMD ["a"] x` is exec form); a lone surrogate
//! escape decodes to U+FFFD; a number too large for a float64 is a decoding error (so the line
//! falls back to shell form) while any other non-string element is BuildKit's "strings only"
//! error; nesting deeper than 10000 is a syntax error. The scanner is iterative, so no input
//! can exhaust the stack.

/// Why the text is not a usable JSON array of strings.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum JsonArrayError {
    /// Not JSON, or JSON that Go cannot decode: BuildKit falls back to shell form.
    Invalid,
    /// Valid JSON with an element that is not a string: BuildKit rejects the line.
    NotStringArray,
}

const MAX_DEPTH: usize = 10_000;

#[derive(Clone, Copy, PartialEq)]
enum Container {
    Array,
    Object,
}

/// Decodes the JSON array at the start of `text` (which starts with `[`).
pub(super) fn decode_string_array(text: &str) -> Result<Vec<String>, JsonArrayError> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        number_out_of_range: false,
    };
    let elements = scanner.top_level_array().ok_or(JsonArrayError::Invalid)?;
    if scanner.number_out_of_range {
        return Err(JsonArrayError::Invalid);
    }
    elements
        .into_iter()
        .map(|element| element.ok_or(JsonArrayError::NotStringArray))
        .collect()
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    number_out_of_range: bool,
}

impl Scanner<'_> {
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The top-level array's elements: `Some(string)` or `None` for a non-string.
    fn top_level_array(&mut self) -> Option<Vec<Option<String>>> {
        self.skip_whitespace();
        if !self.eat(b'[') {
            return None;
        }
        let mut elements = Vec::new();
        let mut stack = vec![Container::Array];
        // Whether the innermost container has just opened (so `]`/`}` may close it at once).
        let mut just_opened = true;
        loop {
            self.skip_whitespace();
            let top = *stack.last()?;
            if just_opened && self.eat(if top == Container::Array { b']' } else { b'}' }) {
                stack.pop();
                if stack.is_empty() {
                    return Some(elements);
                }
                just_opened = false;
                if self.after_value(&mut stack)? {
                    return Some(elements);
                }
                continue;
            }
            if top == Container::Object {
                self.string()?;
                self.skip_whitespace();
                if !self.eat(b':') {
                    return None;
                }
                self.skip_whitespace();
            }
            just_opened = false;
            let at_top_level = stack.len() == 1;
            match self.peek()? {
                b'[' | b'{' => {
                    let container = if self.peek() == Some(b'[') {
                        Container::Array
                    } else {
                        Container::Object
                    };
                    self.pos += 1;
                    stack.push(container);
                    if stack.len() > MAX_DEPTH {
                        return None;
                    }
                    if at_top_level {
                        elements.push(None);
                    }
                    just_opened = true;
                    continue;
                }
                b'"' => {
                    let s = self.string()?;
                    if at_top_level {
                        elements.push(Some(s));
                    }
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                    if at_top_level {
                        elements.push(None);
                    }
                }
                b't' | b'f' | b'n' => {
                    self.literal()?;
                    if at_top_level {
                        elements.push(None);
                    }
                }
                _ => return None,
            }
            if self.after_value(&mut stack)? {
                return Some(elements);
            }
        }
    }

    /// After a value: `,` continues the container, a closer ends it. Returns whether the top-level
    /// array ended.
    fn after_value(&mut self, stack: &mut Vec<Container>) -> Option<bool> {
        loop {
            self.skip_whitespace();
            let top = *stack.last()?;
            if self.eat(b',') {
                return Some(false);
            }
            let closer = if top == Container::Array { b']' } else { b'}' };
            if !self.eat(closer) {
                return None;
            }
            stack.pop();
            if stack.is_empty() {
                return Some(true);
            }
        }
    }

    /// `true`, `false` or `null`.
    fn literal(&mut self) -> Option<()> {
        let rest = &self.bytes[self.pos..];
        let word: &[u8] = [&b"true"[..], b"false", b"null"]
            .into_iter()
            .find(|word| rest.starts_with(word))?;
        self.pos += word.len();
        Some(())
    }

    fn number(&mut self) -> Option<()> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.') {
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        let value: f64 = self.text[start..self.pos].parse().ok()?;
        if value.is_infinite() {
            self.number_out_of_range = true;
        }
        Some(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// A string starting at `"`, decoded.
    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = String::new();
        loop {
            // The characters up to a quote, an escape or a control character are taken
            // as they are, in one piece (all three are ASCII: the run ends on a character
            // boundary).
            let run = self.bytes[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            out.push_str(&self.text[self.pos..self.pos + run]);
            self.pos += run;
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'"' => return Some(out),
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            out.push(self.utf16(unit));
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = self.text.get(self.pos..self.pos + 4)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(hex, 16).ok()
    }

    /// Go's `unquote` for `\uXXXX`: a surrogate pairs with a following `\uXXXX` or becomes U+FFFD.
    fn utf16(&mut self, unit: u32) -> char {
        if !(0xD800..0xE000).contains(&unit) {
            return char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
        if (0xD800..0xDC00).contains(&unit) && self.bytes[self.pos..].starts_with(b"\\u") {
            let low = self
                .text
                .get(self.pos + 2..self.pos + 6)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            if let Some(low @ 0xDC00..=0xDFFF) = low {
                self.pos += 6;
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
            }
        }
        char::REPLACEMENT_CHARACTER
    }
}
