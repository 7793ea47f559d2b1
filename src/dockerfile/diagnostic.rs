//! Problems found in a Dockerfile, shared by the parser, the graph and lint.

use serde::Serialize;

use super::rules::RuleId;
use super::span::{Position, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replace the bytes of `span` with `text`; an empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TextEdit {
    pub span: Span,
    pub text: String,
}

impl TextEdit {
    pub fn replace(span: Span, text: impl Into<String>) -> Self {
        Self {
            span,
            text: text.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self::replace(Span::at(at), text)
    }

    pub fn delete(span: Span) -> Self {
        Self::replace(span, "")
    }
}

/// Applies non-overlapping edits; later edits in the text are applied first so
/// earlier offsets stay valid. Overlapping or out-of-range edits are skipped
/// rather than corrupting the text.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0;
    for edit in sorted {
        if edit.span.start < cursor
            || edit.span.end > text.len()
            || !text.is_char_boundary(edit.span.start)
            || !text.is_char_boundary(edit.span.end)
        {
            continue;
        }
        out.push_str(&text[cursor..edit.span.start]);
        out.push_str(&edit.text);
        cursor = edit.span.end;
    }
    out.push_str(text.get(cursor..).unwrap_or(""));
    out
}

/// A mechanical repair the user can accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<TextEdit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: RuleId,
    pub severity: Severity,
    #[serde(skip)]
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(
        rule: RuleId,
        severity: Severity,
        span: Span,
        at: Position,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            span,
            line: at.line,
            column: at.column,
            message: message.into(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_text_order_whatever_their_list_order() {
        let text = "go build -o /app .";
        let edits = [
            TextEdit::insert(9, "-trimpath "),
            TextEdit::replace(Span::new(0, 2), "GO"),
        ];
        assert_eq!(apply_edits(text, &edits), "GO build -trimpath -o /app .");
    }

    #[test]
    fn overlapping_edits_are_skipped_not_merged() {
        let text = "abcdef";
        let edits = [
            TextEdit::replace(Span::new(1, 4), "X"),
            TextEdit::replace(Span::new(2, 5), "Y"),
        ];
        assert_eq!(apply_edits(text, &edits), "aXef");
    }
}
