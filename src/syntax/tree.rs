//! The lossless syntax tree: a Dockerfile as a list of top-level items, each with its
//! byte span. The items tile the source, so printing the tree gives the input back.

use std::fmt;

use super::instruction::{Instruction, LineKind};
use super::span::Span;

/// A parsed Dockerfile: its text and the items that cover it, in file order.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    pub(crate) text: String,
    pub(crate) items: Vec<Item>,
    pub(crate) escape: char,
}

/// One top-level piece of the file.
#[derive(Clone, Debug)]
pub struct Item {
    pub span: Span,
    pub kind: ItemKind,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    /// The UTF-8 byte-order mark at the start of the file.
    Bom,
    /// A parser directive (`# syntax=…`, `# escape=…`, `# check=…`).
    Directive(Directive),
    /// A line of white space only.
    Blank,
    /// A comment line outside any instruction.
    Comment,
    Instruction(Box<Instruction>),
}

#[derive(Clone, Debug)]
pub struct Directive {
    /// The name, lower-cased: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
}

impl Dockerfile {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The escape character (`\` unless an `escape` directive says `` ` ``).
    pub fn escape(&self) -> char {
        self.escape
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }

    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Instruction(instruction) => Some(&**instruction),
            _ => None,
        })
    }

    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Directive(directive) => Some(directive),
            _ => None,
        })
    }

    /// The line break the file uses: CRLF when its first line ends in one.
    pub fn line_break(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if self.text[..i].ends_with('\r') => "\r\n",
            _ => "\n",
        }
    }

    /// How the file indents the lines an instruction continues on: as its first such
    /// line, or by four blanks.
    pub fn continuation_indent(&self) -> &str {
        self.instructions()
            .find_map(|instruction| self.continued_indents(instruction).next())
            .map_or("    ", |(_, indent)| indent)
    }

    /// How `instruction` indents the line it continues on that holds byte `at`: as that
    /// line, else (`at` on its first line) as its first continued line, else as the file.
    pub fn continuation_indent_at<'a>(
        &'a self,
        instruction: &'a Instruction,
        at: usize,
    ) -> &'a str {
        let mut indents = self.continued_indents(instruction).peekable();
        let first = indents.peek().map(|&(_, indent)| indent);
        indents
            .find(|(text, _)| text.start <= at && at <= text.end)
            .map(|(_, indent)| indent)
            .or(first)
            .unwrap_or_else(|| self.continuation_indent())
    }

    /// The text of each line `instruction` continues on, with the blanks that indent it.
    fn continued_indents<'a>(
        &'a self,
        instruction: &'a Instruction,
    ) -> impl Iterator<Item = (Span, &'a str)> + 'a {
        instruction
            .lines
            .iter()
            .skip(1)
            .filter_map(move |line| match line.kind {
                LineKind::Text { text, .. } => {
                    let written = self.slice(text);
                    let blanks = written.len() - written.trim_start_matches([' ', '\t']).len();
                    Some((text, &written[..blanks]))
                }
                _ => None,
            })
    }

    /// The pieces that make up an item, in order. They tile the item's span.
    fn leaves(&self, item: &Item) -> Vec<Span> {
        match &item.kind {
            ItemKind::Instruction(instruction) => instruction.leaves(),
            _ => vec![item.span],
        }
    }
}

/// Prints the tree from its leaves: the input, byte for byte.
impl fmt::Display for Dockerfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            for leaf in self.leaves(item) {
                f.write_str(self.slice(leaf))?;
            }
        }
        Ok(())
    }
}
