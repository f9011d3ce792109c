//! One instruction as it sits in the file: its physical lines (text, continuations,
//! the comments and blank lines a continuation pulls in), its heredoc bodies, and
//! BuildKit's reading of its logical line.

use super::buildkit::{HeredocMarker, Node};
use super::command::Command;
use super::keyword::Keyword;
use super::span::Span;

#[derive(Clone, Debug)]
pub struct Instruction {
    /// Everything the instruction owns, heredoc bodies included.
    pub span: Span,
    /// `None` for an instruction BuildKit does not know (its parser keeps those).
    pub keyword: Option<Keyword>,
    /// Where the instruction name is written: on its first line, and on to the next
    /// where a continuation splits it (`C\` then `MD …`).
    pub keyword_span: Span,
    pub lines: Vec<Line>,
    pub heredocs: Vec<Heredoc>,
    /// BuildKit's reading of the logical line: command, flags, arguments.
    pub node: Node,
    /// 1-based, as BuildKit counts them (heredoc lines included).
    pub start_line: usize,
    pub end_line: usize,
}

/// A physical line of an instruction, line break included.
#[derive(Clone, Debug)]
pub struct Line {
    pub span: Span,
    pub kind: LineKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A line of the instruction's text. `text` excludes the first line's indentation
    /// and the continuation; `continuation` is the escape, its trailing blanks and the
    /// line break.
    Text {
        text: Span,
        continuation: Option<Span>,
    },
    /// A comment inside a continuation.
    Comment,
    /// A blank line inside a continuation.
    Blank,
}

/// A here-document: the lines after the instruction up to its terminator line.
#[derive(Clone, Debug)]
pub struct Heredoc {
    pub marker: HeredocMarker,
    pub body: Span,
    pub terminator: Span,
}

impl Instruction {
    /// The typed view of the instruction's arguments (none for an unknown one).
    pub fn command(&self) -> Option<Command> {
        self.keyword
            .map(|keyword| Command::from_node(keyword, &self.node))
    }

    /// The continuation of the last text line, when nothing follows for it to continue:
    /// the file's last instruction may end `… \\` (then comments or blank lines).
    pub fn dangling_continuation(&self) -> Option<Span> {
        if !self.heredocs.is_empty() {
            return None;
        }
        self.lines.iter().rev().find_map(|line| match line.kind {
            LineKind::Text { continuation, .. } => Some(continuation),
            _ => None,
        })?
    }

    pub fn is(&self, keyword: Keyword) -> bool {
        self.keyword == Some(keyword)
    }

    /// The span of the instruction's lines, without heredoc bodies.
    pub fn head(&self) -> Span {
        let end = self
            .lines
            .last()
            .map_or(self.span.start, |line| line.span.end);
        Span::new(self.span.start, end)
    }

    pub(crate) fn leaves(&self) -> Vec<Span> {
        let lines = self.lines.iter().map(|line| line.span);
        let heredocs = self
            .heredocs
            .iter()
            .flat_map(|heredoc| [heredoc.body, heredoc.terminator]);
        lines.chain(heredocs).collect()
    }
}
