//! The lossless syntax tree: a Dockerfile as a list of top-level items, each with its
//! byte span. The items tile the source, so printing the tree gives the input back.

use std::fmt;

use super::instruction::Instruction;
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
