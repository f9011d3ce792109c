//! BuildKit's reading of one logical Dockerfile line, ported exactly.
//!
//! This module owns the step BuildKit's `parser.newNodeFromLine` performs after `Parse()` has
//! assembled a logical line (continuations joined, comments dropped): splitting off the
//! instruction name and its `--flags`, dispatching to the per-instruction line parser, and
//! finding the heredoc markers the line opens. It is the reference the typed instruction views
//! agree with; it does not see physical lines, spans, or heredoc bodies (the grammar owns those).
//! The behaviour matches BuildKit v0.12.5, the version inside the `dockerfile` Python package that
//! the tests compare against, quirks included. Like BuildKit's parser it keeps an unknown
//! instruction (as `parseIgnore` does); rejecting it, with [`instruction_hint`], is the caller's.

mod go_text;
mod heredoc;
mod json_array;
mod line_parsers;
mod shell_words;
mod split_command;
mod suggest;

#[cfg(test)]
mod tests;

pub use heredoc::HeredocMarker;
pub use shell_words::REFERENCE;
pub use suggest::instruction_hint;

/// One instruction as BuildKit's parser reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The instruction name as written (`RUN`, `run`, `Run`).
    pub cmd: String,
    /// ONBUILD's trigger instruction name, as written.
    pub sub_cmd: Option<String>,
    /// The arguments were a JSON array (exec form).
    pub json: bool,
    /// The leading `--flag[=value]` words, quotes and escapes removed, read byte by byte
    /// as BuildKit reads them (a byte outside ASCII is the character of that number; see
    /// [`flag_as_written`]).
    pub flags: Vec<String>,
    /// ONBUILD's trigger's own flags (`ONBUILD RUN --mount=...`).
    pub sub_flags: Vec<String>,
    /// The arguments, as BuildKit's line parser for this instruction splits them.
    pub value: Vec<String>,
    /// The heredocs the line opens, in order; their bodies follow the line.
    pub heredocs: Vec<HeredocMarker>,
    /// The Dockerfile's escape character, with which BuildKit later evaluates the
    /// arguments (see [`Node::evaluated_word`]).
    pub escape: char,
}

impl Node {
    /// A single-word argument (WORKDIR's path) as BuildKit evaluates it when it runs the
    /// instruction (`ProcessWordWithMatches`): quotes removed, escapes applied, blanks
    /// kept, variable references left as written; BuildKit's message where it fails.
    pub fn evaluated_word(&self, word: &str) -> Result<String, String> {
        // Without quotes, escapes, variables or a byte order mark (which the scanner
        // drops at the start), the word evaluates to itself: most paths.
        if !word.contains(['\'', '"', '$', '\u{feff}', self.escape]) {
            return Ok(word.to_owned());
        }
        shell_words::Lex {
            raw_quotes: false,
            raw_escapes: false,
            escape: self.escape,
        }
        .process_word(word)
    }
}

/// `word` as BuildKit's lexer reads one word (quotes removed, escapes applied in the
/// file's `escape`), with one [`REFERENCE`] for each `$` reference, whatever its form
/// (`$a`, `${a}`, `${a:-b}`): where a builder that expands the word puts a value the
/// file does not fix. BuildKit's message where the lexer rejects the word.
pub fn word_marking_references(word: &str, escape: char) -> Result<String, String> {
    shell_words::Lex {
        raw_quotes: false,
        raw_escapes: false,
        escape,
    }
    .process_word_marking_references(word)
}

/// A flag word of [`Node::flags`] as the Dockerfile has it: BuildKit reads flags a byte
/// at a time (Go's `rune(b)`), so `--日本=1` is a word of Latin-1 characters; its bytes are
/// those characters' numbers.
pub fn flag_as_written(flag: &str) -> String {
    let bytes: Vec<u8> = flag
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Why a logical line is not a valid instruction, worded as BuildKit words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LineError {
    pub message: String,
    /// A suggested fix, e.g. `did you mean FROM?`.
    pub hint: Option<String>,
}

impl LineError {
    fn new(message: impl Into<String>) -> Self {
        LineError {
            message: message.into(),
            hint: None,
        }
    }
}

/// Parses one logical line as BuildKit's `newNodeFromLine` (plus its heredoc detection) does.
///
/// `escape` is the Dockerfile's escape character (`\` or `` ` ``); it matters only where BuildKit
/// uses it, in the word splitting of ENV, LABEL and ARG.
pub fn node_from_line(line: &str, escape: char) -> Result<Node, LineError> {
    let parsed = line_parsers::parse_line(line, escape)?;
    let heredocs = if heredoc::can_contain_heredoc(&parsed) {
        heredoc::heredocs_from_line(line)?
    } else {
        Vec::new()
    };
    let (sub_cmd, sub_flags, json, value) = match parsed.args.trigger {
        Some(trigger) => (
            Some(trigger.cmd),
            trigger.flags,
            trigger.args.json,
            trigger.args.values,
        ),
        None => (None, Vec::new(), parsed.args.json, parsed.args.values),
    };
    Ok(Node {
        cmd: parsed.cmd,
        sub_cmd,
        json,
        flags: parsed.flags,
        sub_flags,
        value,
        heredocs,
        escape,
    })
}
