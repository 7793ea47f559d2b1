//! The parser: physical lines → directives, comments, blanks and instructions.
//!
//! It follows BuildKit's reading of a Dockerfile (directives only at the top,
//! continuations with the active escape character, comment and blank lines
//! skipped inside continuations, heredoc bodies after the instruction line),
//! but never gives up: a half-typed line becomes a diagnostic and the rest of
//! the file still parses, which an editor needs and a builder does not.

use super::diagnostic::{Diagnostic, Severity};
use super::logical::LogicalLine;
use super::rules::RuleId;
use super::span::{LineIndex, Span};
use super::syntax::{
    Args, Directive, Dockerfile, Flag, Heredoc, Instruction, Item, ItemKind, Keyword, Word,
    split_words,
};

const BOM: &str = "\u{feff}";

/// One physical line: `[start, content_end)` is its text, `end` is past its line ending.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

fn split_lines(text: &str, from: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = from;
    let bytes = text.as_bytes();
    while start < text.len() {
        let end = match text.get(start..).and_then(|rest| rest.find('\n')) {
            Some(i) => start + i + 1,
            None => text.len(),
        };
        let mut content_end = end;
        if content_end > start && bytes.get(content_end - 1) == Some(&b'\n') {
            content_end -= 1;
        }
        if content_end > start && bytes.get(content_end - 1) == Some(&b'\r') {
            content_end -= 1;
        }
        lines.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

/// Parses any text. Never panics; every problem is a diagnostic.
pub fn parse(source: &str) -> Dockerfile {
    let mut parser = Parser {
        source,
        lines: Vec::new(),
        index: LineIndex::new(source),
        escape: '\\',
        directives: Vec::new(),
        items: Vec::new(),
        diagnostics: Vec::new(),
    };
    parser.run();
    Dockerfile {
        source: source.to_string(),
        escape: parser.escape,
        directives: parser.directives,
        items: parser.items,
        diagnostics: parser.diagnostics,
        lines: parser.index,
    }
}

struct Parser<'a> {
    source: &'a str,
    lines: Vec<Line>,
    index: LineIndex,
    escape: char,
    directives: Vec<Directive>,
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Parser<'a> {
    fn text(&self, start: usize, end: usize) -> &'a str {
        self.source.get(start..end).unwrap_or("")
    }

    fn content(&self, line: Line) -> &'a str {
        self.text(line.start, line.content_end)
    }

    fn diag(&mut self, rule: RuleId, severity: Severity, span: Span, message: String) {
        let at = self.index.position(self.source, span.start);
        self.diagnostics
            .push(Diagnostic::new(rule, severity, span, at, message));
    }

    fn run(&mut self) {
        let mut from = 0;
        if self.source.starts_with(BOM) {
            self.items.push(Item {
                span: Span::new(0, BOM.len()),
                kind: ItemKind::ByteOrderMark,
            });
            from = BOM.len();
        }
        self.lines = split_lines(self.source, from);
        let mut directives_open = true;
        let mut i = 0;
        while let Some(&line) = self.lines.get(i) {
            let content = self.content(line);
            let trimmed = content.trim_start();
            let span = Span::new(line.start, line.end);
            if trimmed.is_empty() {
                directives_open = false;
                self.items.push(Item {
                    span,
                    kind: ItemKind::Blank,
                });
                i += 1;
            } else if trimmed.starts_with('#') {
                let kind = if directives_open && self.directive(line) {
                    ItemKind::Directive
                } else {
                    directives_open = false;
                    ItemKind::Comment
                };
                self.items.push(Item { span, kind });
                i += 1;
            } else {
                directives_open = false;
                i = self.instruction(i);
            }
        }
    }

    /// Records `line` as a directive when it is one; false ends the directive block.
    fn directive(&mut self, line: Line) -> bool {
        let content = self.content(line);
        let Some(hash) = content.find('#') else {
            return false;
        };
        let body = content.get(hash + 1..).unwrap_or("");
        let Some(eq) = body.find('=') else {
            return false;
        };
        let key = body.get(..eq).unwrap_or("").trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
        let key = key.to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            return false;
        }
        let raw_value = body.get(eq + 1..).unwrap_or("");
        let value = raw_value.trim();
        let value_start =
            line.start + hash + 1 + eq + 1 + (raw_value.len() - raw_value.trim_start().len());
        let value_span = Span::new(value_start, value_start + value.len());
        let span = Span::new(line.start, line.content_end);
        if self.directives.iter().any(|d| d.key == key) {
            self.diag(
                RuleId::DuplicateDirective,
                Severity::Error,
                span,
                format!("the `{key}` directive appears twice; the builder rejects the file"),
            );
        }
        if key == "escape" {
            match value {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => self.diag(
                    RuleId::InvalidEscape,
                    Severity::Error,
                    value_span,
                    format!("escape must be `\\` or a backtick, not `{value}`"),
                ),
            }
        }
        let line_no = self.index.position(self.source, line.start).line;
        self.directives.push(Directive {
            key,
            value: value.to_string(),
            span,
            value_span,
            line: line_no,
        });
        true
    }

    /// Whether `content` ends with the escape character (then optional blanks).
    fn continues(&self, content: &str) -> Option<usize> {
        let trimmed = content.trim_end_matches([' ', '\t']);
        trimmed.strip_suffix(self.escape).map(|rest| rest.len())
    }

    /// Parses the instruction starting at line `first`; returns the next line index.
    fn instruction(&mut self, first: usize) -> usize {
        let mut logical = LogicalLine::default();
        let mut i = first;
        while let Some(&line) = self.lines.get(i) {
            let content = self.content(line);
            let last = i;
            i += 1;
            let Some(cut) = self.continues(content) else {
                logical.push(line.start, content);
                break;
            };
            logical.push(line.start, content.get(..cut).unwrap_or(""));
            // Comment and blank lines inside a continuation belong to this instruction.
            while let Some(&next) = self.lines.get(i) {
                let t = self.content(next).trim_start();
                if t.starts_with('#') {
                    i += 1;
                } else if t.is_empty() {
                    self.diag(
                        RuleId::NoEmptyContinuation,
                        Severity::Warning,
                        Span::new(next.start, next.content_end),
                        "empty line inside a continuation; the builder skips it, but it \
                         hides where the instruction ends"
                            .to_string(),
                    );
                    i += 1;
                } else {
                    break;
                }
            }
            if self.lines.get(i).is_none() {
                let at = self.lines.get(last).map_or(0, |l| l.start);
                self.diag(
                    RuleId::ContinuationAtEnd,
                    Severity::Warning,
                    Span::new(at, self.lines.get(last).map_or(at, |l| l.content_end)),
                    "the last instruction ends with a line continuation but the file ends"
                        .to_string(),
                );
            }
        }
        let start = self.lines.get(first).map_or(0, |l| l.start);
        // Up to the last line read: comment and blank lines skipped inside a
        // continuation at the end of the file belong to the instruction too.
        let mut end = i
            .checked_sub(1)
            .and_then(|k| self.lines.get(k))
            .map_or(start, |l| l.end);
        let mut ins = build_instruction(&logical, 0, self.escape);
        ins.line = self.index.position(self.source, start).line;
        if ins.keyword.takes_heredocs() {
            let (heredocs, next) = self.heredoc_bodies(&logical, &ins, i);
            if next > i
                && let Some(last_body) = next.checked_sub(1).and_then(|k| self.lines.get(k))
            {
                end = last_body.end;
            }
            ins.heredocs = heredocs;
            i = next;
        }
        ins.span = Span::new(start, end);
        ins.end_line = self
            .index
            .position(self.source, end.saturating_sub(1).max(start))
            .line;
        self.check_instruction(&ins);
        self.items.push(Item {
            span: ins.span,
            kind: ItemKind::Instruction(Box::new(ins)),
        });
        i
    }

    /// Reads the bodies of the heredocs opened on the instruction line.
    fn heredoc_bodies(
        &mut self,
        logical: &LogicalLine,
        ins: &Instruction,
        mut i: usize,
    ) -> (Vec<Heredoc>, usize) {
        let mut heredocs = Vec::new();
        for word in split_words(logical, ins.args_start, self.escape) {
            let Some(marker) = HeredocMarker::parse(&word.text) else {
                continue;
            };
            let body_start = self.lines.get(i).map_or(self.source.len(), |l| l.start);
            let mut terminator = None;
            while let Some(&line) = self.lines.get(i) {
                i += 1;
                let content = self.content(line);
                let compared = if marker.strip_tabs {
                    content.trim_start_matches('\t')
                } else {
                    content
                };
                if compared == marker.delimiter {
                    terminator = Some(Span::new(line.start, line.end));
                    break;
                }
            }
            let body_end = match terminator {
                Some(t) => t.start,
                None => self
                    .lines
                    .get(i.saturating_sub(1))
                    .map_or(body_start, |l| l.end),
            };
            if terminator.is_none() {
                self.diag(
                    RuleId::UnterminatedHeredoc,
                    Severity::Error,
                    word.span,
                    format!(
                        "heredoc `{}` is never closed: add a line with just `{}`",
                        word.text, marker.delimiter
                    ),
                );
            }
            heredocs.push(Heredoc {
                delimiter: marker.delimiter,
                strip_tabs: marker.strip_tabs,
                quoted: marker.quoted,
                marker: word.span,
                body: Span::new(body_start, body_end.max(body_start)),
                terminator,
            });
        }
        (heredocs, i)
    }

    fn check_instruction(&mut self, ins: &Instruction) {
        if ins.keyword == Keyword::Unknown {
            let word = &ins.keyword_word.text;
            let hint = suggest_keyword(word)
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            self.diag(
                RuleId::UnknownInstruction,
                Severity::Error,
                ins.keyword_word.span,
                format!("unknown instruction `{word}`{hint}"),
            );
        } else if ins.args.is_none()
            && ins.trigger.is_none()
            && ins.heredocs.is_empty()
            && ins.subcommand.is_none()
        {
            self.diag(
                RuleId::MissingArguments,
                Severity::Error,
                ins.keyword_word.span,
                format!("{} needs arguments", ins.keyword.name()),
            );
        }
        if let Some(trigger) = &ins.trigger {
            if matches!(
                trigger.keyword,
                Keyword::Onbuild | Keyword::From | Keyword::Maintainer
            ) {
                self.diag(
                    RuleId::InvalidOnbuild,
                    Severity::Error,
                    trigger.keyword_word.span,
                    format!("ONBUILD cannot defer {}", trigger.keyword.name()),
                );
            }
            let trigger = trigger.clone();
            if trigger.keyword == Keyword::Unknown {
                self.check_instruction(&trigger);
            }
        }
    }
}

struct HeredocMarker {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

impl HeredocMarker {
    /// `<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`; not `<<<` here-strings.
    fn parse(word: &str) -> Option<Self> {
        let rest = word.strip_prefix("<<")?;
        if rest.starts_with('<') {
            return None;
        }
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (quoted, delimiter) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = rest.get(1..)?;
                let close = inner.find(q)?;
                (true, inner.get(..close)?)
            }
            _ => (false, rest),
        };
        let delimiter: String = delimiter
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        if delimiter.is_empty() {
            return None;
        }
        Some(Self {
            delimiter,
            strip_tabs,
            quoted,
        })
    }
}

/// Builds an instruction from the logical line, starting at `from` (non-zero
/// for ONBUILD's trigger).
fn build_instruction(logical: &LogicalLine, from: usize, escape: char) -> Instruction {
    let text = logical.text();
    let len = text.len();
    let skip_ws = |mut i: usize| {
        while let Some(c) = text.get(i..).and_then(|s| s.chars().next()) {
            if !c.is_whitespace() {
                break;
            }
            i += c.len_utf8();
        }
        i
    };
    let kw_start = skip_ws(from);
    let kw_end = text
        .get(kw_start..)
        .and_then(|s| s.find(char::is_whitespace))
        .map_or(len, |i| kw_start + i);
    let kw_text = text.get(kw_start..kw_end).unwrap_or("");
    let keyword = Keyword::from_word(kw_text);
    let keyword_word = Word {
        text: kw_text.to_string(),
        span: logical.source_span(kw_start, kw_end),
    };
    let mut ins = Instruction {
        span: Span::default(),
        keyword,
        keyword_word,
        flags: Vec::new(),
        args: None,
        subcommand: None,
        heredocs: Vec::new(),
        trigger: None,
        line: 0,
        end_line: 0,
        logical: logical.clone(),
        args_start: len,
        escape,
    };
    let mut pos = skip_ws(kw_end);
    if keyword == Keyword::Onbuild {
        if pos < len {
            let mut trigger = build_instruction(logical, pos, escape);
            trigger.span = logical.source_span(pos, len);
            ins.trigger = Some(Box::new(trigger));
            ins.args = Some(Args::Shell {
                text: text.get(pos..).unwrap_or("").trim_end().to_string(),
                span: logical.source_span(pos, text.trim_end().len().max(pos)),
            });
        }
        ins.args_start = pos;
        return ins;
    }
    // Flags: leading words that start with `--`.
    for word in split_words(logical, pos, escape) {
        let Some(body) = word.text.strip_prefix("--") else {
            break;
        };
        let word_start = text
            .get(pos..)
            .and_then(|s| s.find(word.text.as_str()))
            .map_or(pos, |i| pos + i);
        let word_end = word_start + word.text.len();
        let (name, value, value_span) = match body.find('=') {
            Some(eq) => {
                let vstart = word_start + 2 + eq + 1;
                (
                    body.get(..eq).unwrap_or("").to_string(),
                    Some(body.get(eq + 1..).unwrap_or("").to_string()),
                    Some(logical.source_span(vstart, word_end)),
                )
            }
            None => (body.to_string(), None, None),
        };
        ins.flags.push(Flag {
            name,
            value,
            span: word.span,
            value_span,
        });
        pos = skip_ws(word_end);
    }
    if keyword == Keyword::Healthcheck {
        let sub_end = text
            .get(pos..)
            .and_then(|s| s.find(char::is_whitespace))
            .map_or(len, |i| pos + i);
        if sub_end > pos {
            ins.subcommand = Some(Word {
                text: text.get(pos..sub_end).unwrap_or("").to_string(),
                span: logical.source_span(pos, sub_end),
            });
            pos = skip_ws(sub_end);
        }
    }
    ins.args_start = pos;
    let rest = text.get(pos..).unwrap_or("").trim_end();
    if !rest.is_empty() {
        let span = logical.source_span(pos, pos + rest.len());
        let json = if keyword.takes_json() && rest.starts_with('[') {
            serde_json::from_str::<Vec<String>>(rest).ok()
        } else {
            None
        };
        ins.args = Some(match json {
            Some(values) => Args::Json { values, span },
            None => Args::Shell {
                text: rest.to_string(),
                span,
            },
        });
    }
    ins
}

/// The known instruction nearest to a misspelt one.
fn suggest_keyword(word: &str) -> Option<&'static str> {
    let upper = word.to_ascii_uppercase();
    Keyword::KNOWN
        .iter()
        .map(|&(name, _)| (super::similar::distance(&upper, name), name))
        .filter(|&(d, name)| d <= 2 && d < name.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, name)| name)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
