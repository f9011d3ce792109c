//! The part of BuildKit's shell lexer (`shell.Lex.ProcessWords` and `ProcessWord`) that
//! heredoc detection, the reading of a WORKDIR and of a `--from` word need.
//!
//! Owns word splitting with quotes and escapes, optionally kept raw (`RawQuotes`,
//! `RawEscapes`), and `$` references as BuildKit v0.12.5 reads them with `SkipUnsetEnv` and no
//! variables: every reference stays as written (or, for a word whose variables may hold
//! anything, becomes one [`REFERENCE`] mark), and an unsupported form (`${a#b}`, `${a/b/c}`,
//! a missing `}`) is an error. The escape character is the caller's: always `\` in BuildKit's
//! heredoc code, the Dockerfile's own where it evaluates an instruction's word. It does no
//! expansion and is not the lexer for RUN commands.

use super::go_text::is_space;

/// How quotes and escapes are kept in the words.
#[derive(Clone, Copy)]
pub(super) struct Lex {
    pub raw_quotes: bool,
    pub raw_escapes: bool,
    pub escape: char,
}

/// What [`Lex::process_word_marking_references`] puts where a `$` reference stands.
pub const REFERENCE: char = '\0';

/// What a `$` reference becomes in the words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum References {
    AsWritten,
    Marked,
}

impl Lex {
    /// Splits `source` into words, or returns BuildKit's error message.
    pub(super) fn process_words(self, source: &str) -> Result<Vec<String>, String> {
        self.scanner(source, References::AsWritten)
            .process_stop_on(None)
            .map(|(_, words)| words)
    }

    /// `source` as one word, its blanks kept, or BuildKit's error message.
    pub(super) fn process_word(self, source: &str) -> Result<String, String> {
        self.scanner(source, References::AsWritten)
            .process_stop_on(None)
            .map(|(word, _)| word)
    }

    /// `source` as one word, as [`Lex::process_word`] reads it, but for each `$`
    /// reference (whatever its form: `$a`, `${a}`, `${a:-b}`…): one [`REFERENCE`], where a
    /// builder that expands the word puts a value the file does not fix.
    pub(super) fn process_word_marking_references(self, source: &str) -> Result<String, String> {
        self.scanner(source, References::Marked)
            .process_stop_on(None)
            .map(|(word, _)| word)
    }

    fn scanner(self, source: &str, references: References) -> Scanner {
        let mut chars: Vec<char> = source.chars().collect();
        // Go's text/scanner skips a byte-order mark at the very start.
        if chars.first() == Some(&'\u{feff}') {
            chars.remove(0);
        }
        Scanner {
            lex: self,
            references,
            chars,
            pos: 0,
        }
    }
}

struct Scanner {
    lex: Lex,
    references: References,
    chars: Vec<char>,
    pos: usize,
}

#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, c: char) {
        if is_space(c) && self.in_word {
            if !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else if !is_space(c) {
            self.add_raw_char(c);
        }
    }

    fn add_raw_char(&mut self, c: char) {
        self.word.push(c);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        s.chars().for_each(|c| self.add_char(c));
    }

    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(self.word);
        }
        self.words
    }
}

/// Go's rune for "end of input" where it ends up in text (`string(scanner.EOF)`).
fn rune_text(c: Option<char>) -> char {
    c.unwrap_or(char::REPLACEMENT_CHARACTER)
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn process_stop_on(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(c) = self.peek() {
            if stop == Some(c) {
                self.next();
                return Ok((result, words.finish()));
            }
            match c {
                '$' => {
                    let text = self.process_dollar()?;
                    result.push_str(&text);
                    words.add_string(&text);
                }
                '\'' | '"' => {
                    let text = if c == '\'' {
                        self.process_single_quote()?
                    } else {
                        self.process_double_quote()?
                    };
                    result.push_str(&text);
                    words.add_raw_string(&text);
                }
                _ => {
                    self.next();
                    if c == self.lex.escape {
                        if self.lex.raw_escapes {
                            words.add_raw_char(c);
                            result.push(c);
                        }
                        let Some(escaped) = self.next() else { break };
                        words.add_raw_char(escaped);
                        result.push(escaped);
                    } else {
                        words.add_char(c);
                        result.push(c);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next();
        if self.lex.raw_quotes {
            result.push(rune_text(open));
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    );
                }
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next();
        if self.lex.raw_quotes {
            result.push(rune_text(open));
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                }
                Some('"') => {
                    self.next();
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => result.push_str(&self.process_dollar()?),
                Some(_) => {
                    let mut c = rune_text(self.next());
                    if c == self.lex.escape {
                        if self.lex.raw_escapes {
                            result.push(c);
                        }
                        match self.peek() {
                            None => continue,
                            Some(next) if matches!(next, '"' | '$') || next == self.lex.escape => {
                                c = rune_text(self.next());
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(c);
                }
            }
        }
    }

    /// A `$` reference, kept as written since no variable is set, or marked; a `$` that
    /// starts no name is text.
    fn process_dollar(&mut self) -> Result<String, String> {
        let written = self.reference_as_written()?;
        Ok(match self.references {
            References::Marked if written != "$" => REFERENCE.to_string(),
            _ => written,
        })
    }

    fn reference_as_written(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.process_name();
        let c = self.next();
        let mut modifier = rune_text(c).to_string();
        match c {
            Some('}') => return Ok(format!("${{{name}}}")),
            Some(':') => modifier.push(rune_text(self.next())),
            Some('+' | '-' | '?') => {}
            _ => return Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
        let word = match self.process_stop_on(Some('}')) {
            Ok((word, _)) => word,
            Err(_) if self.peek().is_none() => return Err("syntax error: missing '}'".into()),
            Err(e) => return Err(e),
        };
        Ok(format!("${{{name}{modifier}{word}}}"))
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if name.is_empty() && is_digit(c) {
                while let Some(d) = self.peek().filter(|&d| is_digit(d)) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return c.to_string();
            }
            if !c.is_alphabetic() && !is_digit(c) && c != '_' {
                break;
            }
            self.next();
            name.push(c);
        }
        name
    }
}

/// Go's `unicode.IsDigit` (decimal digits), near enough: Rust has no Nd-only test.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}
