//! A logical line: one instruction with its continuations joined, remembering
//! where every byte came from so spans found in the joined text point back
//! into the file the user is editing.

use super::span::Span;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalLine {
    text: String,
    /// `(logical_start, source_start)` of each joined piece, in order.
    pieces: Vec<(usize, usize)>,
}

impl LogicalLine {
    pub fn push(&mut self, source_start: usize, piece: &str) {
        if piece.is_empty() {
            return;
        }
        self.pieces.push((self.text.len(), source_start));
        self.text.push_str(piece);
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The source offset of the byte at logical `offset`.
    pub fn source_offset(&self, offset: usize) -> usize {
        let idx = match self.pieces.binary_search_by_key(&offset, |&(l, _)| l) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        match self.pieces.get(idx) {
            Some(&(l, s)) => s + offset.saturating_sub(l),
            None => 0,
        }
    }

    /// The source span of the logical range `[start, end)`. An end that falls
    /// on a joint maps to the end of the earlier piece, so a word never swallows
    /// the continuation that follows it.
    pub fn source_span(&self, start: usize, end: usize) -> Span {
        let s = self.source_offset(start);
        if end <= start {
            return Span::at(s);
        }
        Span::new(s, self.source_offset(end - 1) + 1)
    }
}

/// An instruction's text with whitespace collapsed and the keyword
/// upper-cased, so a re-spaced or re-wrapped instruction compares equal to
/// itself: how a build's steps are matched to the file's lines and to the
/// previous build's.
pub fn normalize(text: &str) -> String {
    let mut words = text.split_whitespace();
    let mut out = words
        .next()
        .map(str::to_ascii_uppercase)
        .unwrap_or_default();
    for w in words {
        out.push(' ');
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_back_across_a_continuation() {
        // "RUN a \\\n    b" joined as "RUN a     b"
        let src = "RUN a \\\n    b";
        let mut line = LogicalLine::default();
        line.push(0, "RUN a ");
        line.push(8, "    b");
        assert_eq!(line.text(), "RUN a     b");
        let b = line.text().find('b').unwrap_or_default();
        assert_eq!(line.source_span(b, b + 1).slice(src), "b");
        assert_eq!(line.source_span(4, 5).slice(src), "a");
    }
}
