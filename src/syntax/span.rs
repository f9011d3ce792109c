//! Byte spans and the line/column arithmetic used only for display.

use serde::Serialize;

/// A half-open byte range `[start, end)` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// Where byte `offset` of `text` is. An offset inside a character points at it.
    pub fn locate(text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// The physical line (without its line break) that contains byte `offset`.
pub fn line_containing(text: &str, offset: usize) -> &str {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_character_columns() {
        let text = "FROM a\nRUN é x\n";
        assert_eq!(Position::locate(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::locate(text, 7), Position { line: 2, column: 1 });
        // "x" follows a two-byte character: byte 14, character column 7.
        assert_eq!(Position::locate(text, 14), Position { line: 2, column: 7 });
        assert_eq!(line_containing(text, 9), "RUN é x");
    }

    #[test]
    fn offset_inside_a_character_points_at_it() {
        let text = "é";
        assert_eq!(Position::locate(text, 1), Position { line: 1, column: 1 });
    }
}
