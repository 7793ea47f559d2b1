//! The user's own words, kept in a comment while a toggle is away.
//!
//! A toggle writes its own text: `USER 65532:65532`, `-ldflags="-s -w"`
//! right after `go build`, cache mounts in one order. Turning off what the
//! user wrote and on again would then put our words where theirs were
//! (`USER nonroot`, `-ldflags='-w -s -X main.version=…'`). So when the
//! opposite change could not give the text back, the change keeps the
//! instruction as it was in a marked comment, the way a person would
//! comment a line out:
//!
//! ```text
//! # dockstage nonroot=off: USER nonroot
//! # dockstage strip=off, was: RUN go build -ldflags='-w -s' -o /app .
//! RUN go build -o /app .
//! ```
//!
//! The opposite change puts those words back, but only when the file still
//! reads exactly as the change left it (checked by making the change again
//! and comparing); otherwise it makes its own edit and the comment stays, so
//! nothing the user wrote is lost. The comment is plain Dockerfile syntax, so
//! `edit` on the command line and the workbench read and write the same file.

use super::{Context, Toggle};
use crate::dockerfile::diagnostic::{TextEdit, apply_edits};
use crate::dockerfile::parse::parse;
use crate::dockerfile::span::Span;
use crate::dockerfile::syntax::{Item, ItemKind};

/// The prefixes that mark the lines a change set `toggle` to `on` kept:
/// a line commented out, and an instruction as it was before an edit.
fn prefixes(toggle: Toggle, on: bool) -> (String, String) {
    let state = if on { "on" } else { "off" };
    (
        format!("# dockstage {toggle}={state}: "),
        format!("# dockstage {toggle}={state}, was: "),
    )
}

/// `edits` (which set `toggle` to `on`), with the words they replace kept in
/// comments when setting `toggle` back would not restore them.
pub(super) fn keeping_words(
    ctx: &Context<'_>,
    toggle: Toggle,
    on: bool,
    edits: Vec<TextEdit>,
) -> Vec<TextEdit> {
    let Some(kept) = words_to_keep(ctx, toggle, on, &edits) else {
        return edits;
    };
    // Only when the words come back from the comment: anything else would
    // leave a comment no change reads.
    let source = &ctx.df.source;
    let kept_text = apply_edits(source, &kept);
    let kept_df = parse(&kept_text);
    let restored = restore(&Context::new(&kept_df, ctx.catalog), toggle, !on)
        .map(|e| apply_edits(&kept_text, &e));
    if restored.as_deref() == Some(source.as_str()) {
        kept
    } else {
        edits
    }
}

/// The edits with the user's words kept, when setting `toggle` back after
/// `edits` would not give the text back; `None` when it would.
fn words_to_keep(
    ctx: &Context<'_>,
    toggle: Toggle,
    on: bool,
    edits: &[TextEdit],
) -> Option<Vec<TextEdit>> {
    let source = &ctx.df.source;
    let changed = apply_edits(source, edits);
    let changed_df = parse(&changed);
    let back = Context::new(&changed_df, ctx.catalog)
        .toggle_edits(toggle, !on)
        .map(|e| apply_edits(&changed, &e));
    (back.as_deref() != Ok(source.as_str())).then(|| with_kept_words(ctx, toggle, on, edits))
}

/// The edits that put back the words a change to `!on` kept, when the file
/// still reads as that change left it.
pub(super) fn restore(ctx: &Context<'_>, toggle: Toggle, on: bool) -> Option<Vec<TextEdit>> {
    let (commented, was) = prefixes(toggle, !on);
    let source = &ctx.df.source;
    let mut edits = Vec::new();
    let mut lines = line_spans(source).peekable();
    while let Some(line) = lines.next() {
        let text = line.slice(source);
        let prefix = if text.starts_with(&commented) {
            &commented
        } else if text.starts_with(&was) {
            &was
        } else {
            continue;
        };
        let mut run = vec![line];
        while let Some(next) = lines.peek() {
            if !next.slice(source).starts_with(prefix.as_str()) {
                break;
            }
            run.push(*next);
            lines.next();
        }
        let mut words: String = run
            .iter()
            .map(|l| &l.slice(source)[prefix.len()..])
            .collect();
        let end = run.last().map_or(line.end, |l| l.end);
        let span = if prefix == &was {
            // The instruction the words were edited into follows them.
            let item = instruction_at(&ctx.df.items, end)?;
            if !item.span.slice(source).ends_with('\n') {
                let trimmed = words.trim_end_matches('\n').trim_end_matches('\r').len();
                words.truncate(trimmed);
            }
            Span::new(line.start, item.span.end)
        } else {
            Span::new(line.start, end)
        };
        edits.push(TextEdit::replace(span, words));
    }
    if edits.is_empty() {
        return None;
    }
    let restored = apply_edits(source, &edits);
    let restored_df = parse(&restored);
    let restored_ctx = Context::new(&restored_df, ctx.catalog);
    if restored_ctx.state(toggle) != Ok(on) {
        return None;
    }
    // The same change made again must give exactly this file: then nothing
    // was edited by hand since, and putting the words back loses nothing.
    let again = restored_ctx.toggle_edits(toggle, !on).ok().map(|e| {
        let e = words_to_keep(&restored_ctx, toggle, !on, &e).unwrap_or(e);
        apply_edits(&restored, &e)
    });
    (again.as_deref() == Some(source.as_str())).then_some(edits)
}

/// `edits` with every instruction they touch replaced whole: a removed
/// instruction becomes its lines commented out, an edited one gets its old
/// lines above it.
fn with_kept_words(
    ctx: &Context<'_>,
    toggle: Toggle,
    on: bool,
    edits: &[TextEdit],
) -> Vec<TextEdit> {
    let (commented, was) = prefixes(toggle, on);
    let source = &ctx.df.source;
    let mut used = vec![false; edits.len()];
    let mut out = Vec::new();
    for item in &ctx.df.items {
        if !matches!(item.kind, ItemKind::Instruction(_)) {
            continue;
        }
        let original = item.span.slice(source);
        let touching: Vec<usize> = (0..edits.len())
            .filter(|&i| touches(&edits[i], item.span, original))
            .collect();
        if touching.is_empty() {
            continue;
        }
        let relative: Vec<TextEdit> = touching
            .iter()
            .map(|&i| {
                used[i] = true;
                let e = &edits[i];
                let start = e.span.start.clamp(item.span.start, item.span.end) - item.span.start;
                let end = e.span.end.clamp(item.span.start, item.span.end) - item.span.start;
                TextEdit::replace(Span::new(start, end), e.text.clone())
            })
            .collect();
        let edited = apply_edits(original, &relative);
        let mut text = String::new();
        if edited.trim().is_empty() {
            for line in original.split_inclusive('\n') {
                text.push_str(&commented);
                text.push_str(line);
            }
        } else {
            for line in original.split_inclusive('\n') {
                text.push_str(&was);
                text.push_str(line);
            }
            if !original.ends_with('\n') {
                text.push_str(ctx.df.newline());
            }
            text.push_str(&edited);
        }
        out.push(TextEdit::replace(item.span, text));
    }
    out.extend(
        edits
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(e, _)| e.clone()),
    );
    out
}

/// Whether `edit` changes the instruction at `span` (whose text is `text`),
/// rather than adding a line before or after it.
fn touches(edit: &TextEdit, span: Span, text: &str) -> bool {
    let newline = if text.ends_with("\r\n") {
        2
    } else {
        usize::from(text.ends_with('\n'))
    };
    let core_end = span.end - newline;
    if edit.span.start == edit.span.end {
        let at = edit.span.start;
        let adds_a_line = edit.text.starts_with(['\n', '\r']);
        (span.start < at && at < core_end) || (at == core_end && !(newline == 0 && adds_a_line))
    } else {
        edit.span.start < core_end && edit.span.end > span.start
    }
}

/// Each line of `source` with its line ending.
fn line_spans(source: &str) -> impl Iterator<Item = Span> + '_ {
    let mut at = 0;
    source.split_inclusive('\n').map(move |line| {
        let span = Span::new(at, at + line.len());
        at = span.end;
        span
    })
}

fn instruction_at(items: &[Item], start: usize) -> Option<&Item> {
    items
        .iter()
        .find(|i| i.span.start == start && matches!(i.kind, ItemKind::Instruction(_)))
}
