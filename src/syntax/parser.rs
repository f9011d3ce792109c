//! The driver over the grammar: it walks the file one top-level item at a time, keeps
//! the state BuildKit keeps between lines (are we still in the directive prelude, which
//! escape character is in force), asks BuildKit's line reading for each instruction's
//! command, and takes the heredoc bodies that follow an instruction.

use std::collections::HashSet;

use pest::Parser;
use pest::iterators::Pair;

use super::buildkit::{self, HeredocMarker};
use super::error::ParseError;
use super::grammar::{DockerfileGrammar, Rule};
use super::instruction::{Heredoc, Instruction, Line, LineKind};
use super::span::Span;
use super::tree::{Directive, Dockerfile, Item, ItemKind};
use super::validate::validate;

/// [`parse`] for bytes: invalid UTF-8 is an error at its first bad byte.
pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(error) => Err(
            ParseError::new("the file is not valid UTF-8 text", error.valid_up_to())
                .with_hint("restage reads Dockerfiles as UTF-8; is this a binary file?"),
        ),
    }
}

/// Parses a Dockerfile and rejects what BuildKit's builder rejects: everything
/// [`parse_lossless`] rejects, and what [`validate`] finds.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let dockerfile = parse_lossless(text)?;
    validate(&dockerfile)?;
    Ok(dockerfile)
}

/// Parses a Dockerfile the way BuildKit's parser does, keeping every byte. Like that
/// parser it keeps instructions it does not know and accepts a file without any.
pub fn parse_lossless(text: &str) -> Result<Dockerfile, ParseError> {
    let mut driver = Driver {
        text,
        pos: 0,
        line: 1,
        // About one item per line: one allocation instead of a doubling series.
        items: Vec::with_capacity(newlines(text) + 1),
        escape: '\\',
    };
    driver.prelude()?;
    while driver.pos < text.len() {
        driver.items()?;
    }
    Ok(Dockerfile {
        text: text.to_owned(),
        items: driver.items,
        escape: driver.escape,
    })
}

struct Driver<'a> {
    text: &'a str,
    pos: usize,
    /// The 1-based line `pos` is on.
    line: usize,
    items: Vec<Item>,
    escape: char,
}

impl<'a> Driver<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// Records an item that ends at `end` and moves past it.
    fn push(&mut self, end: usize, kind: ItemKind) {
        let span = Span::new(self.pos, end);
        // Every item but an instruction is one line; an instruction knows its lines.
        let spanned = match &kind {
            ItemKind::Instruction(instruction) => instruction.end_line - instruction.start_line,
            _ => 0,
        };
        self.line += spanned + usize::from(self.text[..end].ends_with('\n'));
        self.items.push(Item { span, kind });
        self.pos = end;
    }

    /// The byte order mark and the directives that lead the file; the first line that
    /// is not a directive ends them.
    fn prelude(&mut self) -> Result<(), ParseError> {
        if !may_open_a_prelude(self.text) {
            return Ok(());
        }
        let prelude = DockerfileGrammar::parse(Rule::prelude, self.text)
            .ok()
            .and_then(|mut pairs| pairs.next())
            .expect("the prelude matches, if only the empty string");
        let mut seen = HashSet::new();
        for pair in prelude.into_inner() {
            let end = pair.as_span().end();
            if pair.as_rule() == Rule::bom {
                self.push(end, ItemKind::Bom);
            } else {
                let directive = self.directive(pair, &mut seen)?;
                self.push(end, ItemKind::Directive(directive));
            }
        }
        Ok(())
    }

    /// One directive, which may set the escape character.
    fn directive(
        &mut self,
        pair: Pair<'a, Rule>,
        seen: &mut HashSet<String>,
    ) -> Result<Directive, ParseError> {
        let mut name = String::new();
        let mut value = (String::new(), 0);
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::directive_name => name = part.as_str().to_ascii_lowercase(),
                Rule::directive_value => value = (part.as_str().to_owned(), part.as_span().start()),
                _ => {}
            }
        }
        if !seen.insert(name.clone()) {
            return Err(ParseError::new(
                format!("only one {name} parser directive can be used"),
                self.pos,
            )
            .with_hint("remove the repeated directive"));
        }
        if name == "escape" {
            self.escape = match value.0.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(ParseError::new(
                        format!("invalid escape token '{other}' does not match ` or \\"),
                        value.1,
                    )
                    .with_hint("the escape character is either \\ or `"));
                }
            };
        }
        Ok(Directive {
            name,
            value: value.0,
        })
    }

    /// The items from `pos` on, read in one pass of the grammar up to the line with
    /// the next `<<`. A heredoc's body follows its instruction, and the grammar would
    /// read it as items: so the last item of the pass (the one that reached that line)
    /// is read again on its own, its heredoc bodies taken, and the caller asks for the
    /// items after it. Each byte is read by at most two passes.
    fn items(&mut self) -> Result<(), ParseError> {
        let (run, single) = match self.escape {
            '`' => (Rule::items_backtick, Rule::item_backtick),
            _ => (Rule::items_backslash, Rule::item_backslash),
        };
        let rest = self.rest();
        let Some(arrows) = memchr::memmem::find(rest.as_bytes(), b"<<") else {
            return self.read(run, rest.len(), true);
        };
        let cut = rest[arrows..]
            .find('\n')
            .map_or(rest.len(), |i| arrows + i + 1);
        self.read(run, cut, cut == rest.len())?;
        if self.pos < self.text.len() {
            self.read(single, self.text.len() - self.pos, true)?;
        }
        Ok(())
    }

    /// Reads the items of the next `len` bytes with `rule`, all of them when `all`, or
    /// all but the last (which may go on past `len`).
    fn read(&mut self, rule: Rule, len: usize, all: bool) -> Result<(), ParseError> {
        let base = self.pos;
        let input = &self.text[base..base + len];
        let mut pairs = DockerfileGrammar::parse(rule, input)
            .ok()
            .and_then(|mut pairs| pairs.next())
            .expect("the grammar reads every line as an item")
            .into_inner()
            .peekable();
        while let Some(pair) = pairs.next() {
            if !all && pairs.peek().is_none() {
                break;
            }
            let end = base + pair.as_span().end();
            match pair.as_rule() {
                Rule::blank | Rule::end_blank => self.push(end, ItemKind::Blank),
                Rule::comment => self.push(end, ItemKind::Comment),
                _ => {
                    let instruction = self.instruction(pair, base)?;
                    let took_bodies = !instruction.heredocs.is_empty();
                    self.push(
                        instruction.span.end,
                        ItemKind::Instruction(Box::new(instruction)),
                    );
                    if took_bodies {
                        // Its `<<` was split by a continuation (`<\` then `<EOF`), so the
                        // pass did not stop before it and read its bodies as items:
                        // the caller goes on after them.
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }

    /// The instruction `pair` of a grammar pass over the text from `base` on. The
    /// instruction starts where the last item ended: its indentation is not in `pair`.
    fn instruction(&self, pair: Pair<'a, Rule>, base: usize) -> Result<Instruction, ParseError> {
        let start = self.pos;
        let head_end = base + pair.as_span().end();
        let (lines, logical) = physical_lines(pair, self.text, base, start, head_end);
        let text_start = match lines.first().map(|line| &line.kind) {
            Some(LineKind::Text { text, .. }) => text.start,
            _ => start,
        };
        let node = buildkit::node_from_line(&logical, self.escape).map_err(|error| {
            let parse_error = ParseError::new(error.message, text_start);
            match error.hint {
                Some(hint) => parse_error.with_hint(hint),
                None => parse_error,
            }
        })?;
        let keyword = node.cmd.parse().ok();
        let keyword_span = keyword_span(&lines, text_start, &node.cmd);

        let mut end = head_end;
        let mut heredocs = Vec::new();
        for marker in &node.heredocs {
            let heredoc = take_heredoc(self.text, end, marker).ok_or_else(|| {
                ParseError::new("unterminated heredoc", text_start).with_hint(format!(
                    "end the here-document with a line that says `{}`",
                    marker.name
                ))
            })?;
            end = heredoc.terminator.end;
            heredocs.push(heredoc);
        }

        let span = Span::new(start, end);
        let text = &self.text[start..end];
        let physical = newlines(text) + usize::from(!text.ends_with('\n'));
        Ok(Instruction {
            span,
            keyword,
            keyword_span,
            lines,
            heredocs,
            node,
            start_line: self.line,
            end_line: self.line + physical.saturating_sub(1),
        })
    }
}

/// Splits an instruction's match (its `instruction_lines`) into its physical lines and
/// joins its logical line as BuildKit does: the texts of its lines, continuations
/// removed. The pair's positions count from `base`; the instruction's bytes are
/// `start..end` of `source`.
///
/// The grammar's `line_text` runs to the line feed; the carriage returns before it
/// belong to the line end (BuildKit trims them off each line), so they are cut here.
fn physical_lines(
    pair: Pair<'_, Rule>,
    source: &str,
    base: usize,
    start: usize,
    end: usize,
) -> (Vec<Line>, String) {
    let mut lines = Vec::new();
    // The logical line is at most the instruction's text: one allocation.
    let mut logical = String::with_capacity(end - start);
    let mut line_start = start;
    // The text of the line being read, until the next token shows where it ended.
    let mut text: Option<Span> = None;
    let parts = pair
        .into_inner()
        .next()
        .expect("an instruction has its lines");
    for part in parts.into_inner() {
        let span = Span::new(base + part.as_span().start(), base + part.as_span().end());
        if let Some(text) = text.take() {
            // A token after a line's text starts the next line: a continuation ended
            // the text's line, from the text's end up to this token.
            logical.push_str(&source[text.start..text.end]);
            lines.push(Line {
                span: Span::new(line_start, span.start),
                kind: LineKind::Text {
                    text,
                    continuation: Some(Span::new(text.end, span.start)),
                },
            });
            line_start = span.start;
        }
        match part.as_rule() {
            Rule::line_text => text = Some(span),
            Rule::inner_comment | Rule::inner_blank => {
                let kind = match part.as_rule() {
                    Rule::inner_comment => LineKind::Comment,
                    _ => LineKind::Blank,
                };
                lines.push(Line { span, kind });
                line_start = span.end;
            }
            _ => {}
        }
    }
    if line_start < end || lines.is_empty() {
        let text = text.map_or(Span::new(line_start, line_start), |text| {
            let kept = source[text.start..text.end].trim_end_matches('\r');
            Span::new(text.start, text.start + kept.len())
        });
        logical.push_str(&source[text.start..text.end]);
        lines.push(Line {
            span: Span::new(line_start, end),
            kind: LineKind::Text {
                text,
                continuation: None,
            },
        });
    }
    (lines, logical)
}

/// Whether `text` may start with a byte order mark or a directive (the grammar's
/// `space* ~ "#"`); most Dockerfiles start with an instruction, and are spared the
/// grammar's pass over the prelude.
fn may_open_a_prelude(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c == '#' || c == '\u{FEFF}' || (c != '\n' && c.is_whitespace()))
}

/// How many line feeds `text` holds.
fn newlines(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count()
}

/// The instruction name as written: the logical line's first `cmd.len()` bytes, on its
/// first line or, where a continuation splits the name (`C\` then `MD …`, which
/// BuildKit joins), on to the line that ends it.
fn keyword_span(lines: &[Line], text_start: usize, cmd: &str) -> Span {
    let mut left = cmd.len();
    for line in lines {
        if let LineKind::Text { text, .. } = line.kind {
            if left <= text.len() {
                return Span::new(text_start, text.start + left);
            }
            left -= text.len();
        }
    }
    Span::new(text_start, text_start)
}

/// The body of one heredoc starting at `start`: lines up to the terminator line.
fn take_heredoc(text: &str, start: usize, marker: &HeredocMarker) -> Option<Heredoc> {
    let mut pos = start;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = text[pos..end].trim_end_matches(['\r', '\n']);
        let candidate = if marker.chomp {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if candidate == marker.name {
            return Some(Heredoc {
                marker: marker.clone(),
                body: Span::new(start, pos),
                terminator: Span::new(pos, end),
            });
        }
        pos = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut agrees with the grammar: where it says no prelude can start, the
    /// grammar's prelude is empty.
    #[test]
    fn a_prelude_is_read_wherever_the_grammar_may_find_one() {
        let starts = [
            "FROM a\n",
            "#x\n",
            "# escape=`\n",
            " # escape=`\n",
            "\t# syntax=x\n",
            "\u{a0}# escape=`\n",
            "\u{2003}# escape=`\n",
            "\u{feff}FROM a\n",
            "\n# escape=`\n",
            "\r# escape=`\n",
            "\u{b}# escape=`\n",
            "",
            "ARG a\n",
            "é\n",
        ];
        for text in starts {
            let prelude = DockerfileGrammar::parse(Rule::prelude, text)
                .ok()
                .and_then(|mut pairs| pairs.next())
                .map_or(0, |pair| pair.as_span().end());
            assert!(
                may_open_a_prelude(text) || prelude == 0,
                "{text:?}: a prelude of {prelude} bytes"
            );
        }
        for text in [
            "#x\n",
            " # escape=`\n",
            "\u{a0}# escape=`\n",
            "\u{feff}FROM a\n",
        ] {
            assert!(may_open_a_prelude(text), "{text:?}");
        }
    }
}
