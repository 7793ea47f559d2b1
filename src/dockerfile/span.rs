//! Byte spans and line/column positions.
//!
//! Every node of a parse points back into the source text by byte span, so
//! edits can replace exactly the bytes they mean and diagnostics can name a
//! line and a column the user can jump to.

use serde::Serialize;

/// A half-open byte range `[start, end)` into the Dockerfile source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// An empty span at `at`: where an insertion goes.
    pub const fn at(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    pub const fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The text this span covers, or "" when it is out of range.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// A 1-based line and column (in characters), as editors and compilers show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets to line/column without rescanning the text each time.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Each non-ASCII character's offset, with the running total of bytes
    /// that characters up to and including it take beyond their columns, so
    /// a column is found without counting the characters of a long line.
    wide: Vec<(usize, usize)>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut wide = Vec::new();
        let mut extra = 0;
        for (i, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
            // A byte order mark takes no column at all.
            extra += if c == '\u{feff}' {
                c.len_utf8()
            } else {
                c.len_utf8() - 1
            };
            wide.push((i, extra));
        }
        Self { starts, wide }
    }

    /// Bytes beyond their columns taken by the characters before `offset`.
    fn extra_before(&self, offset: usize) -> usize {
        let n = self.wide.partition_point(|&(at, _)| at < offset);
        n.checked_sub(1)
            .and_then(|k| self.wide.get(k))
            .map_or(0, |&(_, extra)| extra)
    }

    /// Number of lines; a final newline does not start a new line of text.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where 1-based `line` starts, clamped to the last line.
    pub fn line_start(&self, line: usize) -> usize {
        let idx = line
            .saturating_sub(1)
            .min(self.starts.len().saturating_sub(1));
        self.starts.get(idx).copied().unwrap_or(0)
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line_idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line_idx).copied().unwrap_or(0);
        // Characters in `start..offset`, byte order marks not counted.
        let column = match text.get(start..offset) {
            Some(s) => s.len().saturating_sub(
                self.extra_before(offset)
                    .saturating_sub(self.extra_before(start)),
            ),
            None => 0,
        } + 1;
        Position {
            line: line_idx + 1,
            column,
        }
    }

    /// The text of 1-based `line` without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.line_start(line);
        let end = self
            .starts
            .get(line)
            .copied()
            .unwrap_or(text.len())
            .max(start);
        let s = text.get(start..end).unwrap_or("");
        let s = s.strip_suffix('\n').unwrap_or(s);
        let s = s.strip_suffix('\r').unwrap_or(s);
        s.strip_prefix('\u{feff}').unwrap_or(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "FROM a\nRUN é x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap_or_default();
        assert_eq!(idx.position(text, x), Position { line: 2, column: 7 });
        assert_eq!(idx.line_text(text, 2), "RUN é x");
    }

    #[test]
    fn columns_skip_byte_order_marks_and_count_wide_characters_once() {
        let text = "\u{feff}FROM a\nRUN \u{1f600}é\u{feff}x y\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 3), Position { line: 1, column: 1 });
        for (needle, column) in [("x", 7), ("y", 9), ("é", 6)] {
            let at = text.find(needle).unwrap_or_default();
            assert_eq!(
                idx.position(text, at),
                Position { line: 2, column },
                "{needle}"
            );
        }
    }

    #[test]
    fn line_text_drops_crlf() {
        let text = "FROM a\r\nRUN b";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_text(text, 1), "FROM a");
        assert_eq!(idx.line_text(text, 2), "RUN b");
        assert_eq!(idx.line_count(), 2);
    }
}
