//! Toggles that edit the runtime stage: its base, its user and its CA certificates.

use super::go_flags::output_path;
use super::text::removal_span;
use super::{Context, NotApplicable};
use crate::catalog::RuntimeBase;
use crate::dockerfile::diagnostic::{TextEdit, apply_edits};
use crate::dockerfile::graph::Stage;
use crate::dockerfile::parse::parse;
use crate::dockerfile::rules::RuleId;
use crate::dockerfile::span::Span;
use crate::dockerfile::syntax::{Instruction, ItemKind, Keyword};

pub const NONROOT_USER: &str = "65532:65532";
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn target<'c>(ctx: &'c Context<'_>) -> Result<&'c Stage, NotApplicable> {
    ctx.graph
        .target_stage()
        .ok_or_else(|| NotApplicable("the file has no FROM, so there is no runtime stage".into()))
}

/// Lines added at the end of the file would become part of its last
/// instruction when that ends in an unterminated heredoc or a continuation.
fn open_end(ctx: &Context<'_>) -> Result<(), NotApplicable> {
    let open = ctx.df.diagnostics.iter().find_map(|d| match d.rule {
        RuleId::UnterminatedHeredoc => Some((d.line, "an unterminated heredoc")),
        RuleId::ContinuationAtEnd => Some((d.line, "a line continuation")),
        _ => None,
    });
    match open {
        Some((line, what)) => Err(NotApplicable(format!(
            "the file ends inside {what} (line {line}), so a line added to it would join that instruction"
        ))),
        None => Ok(()),
    }
}

/// The instructions of `stage` after its FROM, with their item indices.
fn stage_instructions<'c>(
    ctx: &'c Context<'_>,
    stage: &Stage,
) -> impl Iterator<Item = (usize, &'c Instruction)> + 'c {
    let start = stage.from_item + 1;
    ctx.df
        .items
        .get(start..stage.end_item)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(move |(i, item)| match &item.kind {
            ItemKind::Instruction(ins) => Some((start + i, ins.as_ref())),
            _ => None,
        })
}

/// Removes whole instruction lines, given in file order. Adjacent items go
/// in one edit, so the newline taken from before the last line of a file
/// with no final newline is never also part of another edit.
fn remove_items(ctx: &Context<'_>, items: impl IntoIterator<Item = usize>) -> Vec<TextEdit> {
    let mut spans: Vec<Span> = Vec::new();
    for item in items {
        let Some(span) = ctx.df.items.get(item).map(|i| i.span) else {
            continue;
        };
        match spans.last_mut() {
            Some(last) if last.end == span.start => last.end = span.end,
            _ => spans.push(span),
        }
    }
    spans
        .into_iter()
        .map(|span| remove_lines(ctx, span))
        .collect()
}

/// The edit that removes whole lines; at the end of a file with no final
/// newline, the newline before them goes too.
fn remove_lines(ctx: &Context<'_>, span: Span) -> TextEdit {
    let text = span.slice(&ctx.df.source);
    if !text.ends_with('\n') && span.start > 0 {
        let before = ctx.df.source.get(..span.start).unwrap_or("");
        let nl = if before.ends_with("\r\n") {
            2
        } else {
            usize::from(before.ends_with('\n'))
        };
        return TextEdit::delete(Span::new(span.start - nl, span.end));
    }
    TextEdit::delete(span)
}

/// Inserts a whole line after item `item`.
fn insert_line_after(ctx: &Context<'_>, item: usize, line: &str) -> TextEdit {
    let nl = ctx.df.newline();
    let span = ctx.df.items.get(item).map_or(Span::default(), |i| i.span);
    if span.slice(&ctx.df.source).ends_with('\n') {
        TextEdit::insert(span.end, format!("{line}{nl}"))
    } else {
        TextEdit::insert(span.end, format!("{nl}{line}"))
    }
}

fn insert_line_before(ctx: &Context<'_>, item: usize, line: &str) -> TextEdit {
    let start = ctx.df.items.get(item).map_or(0, |i| i.span.start);
    TextEdit::insert(start, format!("{line}{}", ctx.df.newline()))
}

// ---- base ----

pub fn set_base(ctx: &Context<'_>, base: &RuntimeBase) -> Result<Vec<TextEdit>, NotApplicable> {
    let stage = target(ctx)?;
    if stage.base_written.is_empty() {
        return Err(NotApplicable(
            "the runtime stage's FROM names no image".into(),
        ));
    }
    if let Some(parent) = stage.base_stage.and_then(|i| ctx.graph.stage(i)) {
        // Replacing `FROM runtime` with an image would drop everything the
        // parent stage adds: its base is the one to change.
        return Err(NotApplicable(format!(
            "the runtime stage starts FROM stage `{}` (line {}); change that stage's base",
            parent.display_name(),
            parent.line
        )));
    }
    let builds_here: Vec<_> = ctx.go.builds().filter(|b| b.stage == stage.index).collect();
    if let Some(build) = builds_here.last() {
        return split_single_stage(ctx, stage, build, base);
    }
    if stage.base_stage.is_none() && stage.base == base.image {
        return Ok(Vec::new());
    }
    let mut edits = vec![TextEdit::replace(stage.base_span, base.image.clone())];
    // distroless' `:nonroot` images run as uid 65532 with no USER line;
    // the catalog's bases run as root, so the user has to move into the file.
    let has_user = stage_instructions(ctx, stage).any(|(_, ins)| ins.keyword == Keyword::User);
    if runs_as_nonroot(&stage.base) && !runs_as_nonroot(&base.image) && !has_user {
        edits.extend(set_nonroot(ctx, true)?);
    }
    Ok(edits)
}

/// Images whose tag says they run as a non-root user by default, as
/// distroless' `nonroot`, `latest-nonroot` and `debug-nonroot` do.
fn runs_as_nonroot(image: &str) -> bool {
    let name = image.rsplit('/').next().unwrap_or(image);
    name.split_once(':')
        .is_some_and(|(_, tag)| tag.split('@').next().unwrap_or(tag).contains("nonroot"))
}

/// A single-stage file builds and runs in one stage: name it `builder` and add
/// a runtime stage on `base` that copies the binary out of it.
fn split_single_stage(
    ctx: &Context<'_>,
    stage: &Stage,
    build: &super::site::GoCommand,
    base: &RuntimeBase,
) -> Result<Vec<TextEdit>, NotApplicable> {
    open_end(ctx)?;
    let out = output_path(ctx.df, &ctx.graph, build).ok_or_else(|| {
        NotApplicable(
            "go build has no -o, so dockstage cannot tell which file to copy into a runtime stage"
                .into(),
        )
    })?;
    let mut edits = Vec::new();
    let builder = match &stage.name {
        Some(name) => name.clone(),
        None => {
            let as_word = ctx.df.keyword("AS");
            edits.push(TextEdit::insert(
                stage.base_span.end,
                format!(" {as_word} builder"),
            ));
            "builder".to_string()
        }
    };
    let start_cmd: Vec<String> = stage_instructions(ctx, stage)
        .filter(|(_, ins)| matches!(ins.keyword, Keyword::Entrypoint | Keyword::Cmd))
        .map(|(_, ins)| ins.logical_text().trim().to_string())
        .collect();
    let nl = ctx.df.newline();
    let mut text = String::new();
    if !ctx.df.source.is_empty() && !ctx.df.source.ends_with('\n') {
        text.push_str(nl);
    }
    text.push_str(nl);
    text.push_str(&format!(
        "# Runtime stage: only the compiled binary, on {}.{nl}",
        base.key
    ));
    let kw = |word: &str| ctx.df.keyword(word);
    text.push_str(&format!("{} {}{nl}", kw("FROM"), base.image));
    text.push_str(&format!("{} --from={builder} {out} {out}{nl}", kw("COPY")));
    if start_cmd.is_empty() {
        text.push_str(&format!("{} [\"{out}\"]{nl}", kw("ENTRYPOINT")));
    } else {
        for cmd in start_cmd {
            text.push_str(&cmd);
            text.push_str(nl);
        }
    }
    edits.push(TextEdit::insert(ctx.df.source.len(), text));
    Ok(edits)
}

// ---- nonroot ----

fn is_root(user: &str) -> bool {
    let name = user_name(user);
    name == "root" || name == "0"
}

/// The user part of `USER name[:group]`, without quotes.
fn user_name(user: &str) -> &str {
    user.split(':')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\''])
}

/// A user given by name needs /etc/passwd in the image to be found at run
/// time; a numeric uid does not. `$VAR` stays unknown and counts as numeric
/// here, since only the build can say.
fn is_by_name(user: &str) -> bool {
    let name = user_name(user);
    !name.is_empty() && !name.starts_with('$') && !name.bytes().all(|b| b.is_ascii_digit())
}

/// The last `USER` of the runtime stage: the one the program runs as.
fn last_user<'c>(ctx: &'c Context<'_>) -> Result<Option<(usize, &'c Instruction)>, NotApplicable> {
    let stage = target(ctx)?;
    Ok(stage_instructions(ctx, stage)
        .filter(|(_, ins)| ins.keyword == Keyword::User)
        .last())
}

/// On when the runtime stage ends as a numeric non-root user, which runs on
/// any base. A user given by name is its own state (see `named_user`): on a
/// base without /etc/passwd it fails at run time, and turning the toggle on
/// rewrites it to the numeric uid.
pub fn nonroot_state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    open_end(ctx)?;
    Ok(last_user(ctx)?.is_some_and(|(_, ins)| {
        let user = ins.args_text();
        !is_root(user) && !is_by_name(user)
    }))
}

/// The runtime stage's user when it is given by name (`USER nonroot`).
pub fn named_user(ctx: &Context<'_>) -> Option<String> {
    let (_, ins) = last_user(ctx).ok().flatten()?;
    let user = ins.args_text().trim();
    (!is_root(user) && is_by_name(user)).then(|| user.to_string())
}

pub fn set_nonroot(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    let stage = target(ctx)?;
    let users: Vec<usize> = stage_instructions(ctx, stage)
        .filter(|(_, ins)| ins.keyword == Keyword::User)
        .map(|(i, _)| i)
        .collect();
    if !on {
        return Ok(remove_items(ctx, users));
    }
    if named_user(ctx).is_some()
        && let Some(args) = last_user(ctx)?.and_then(|(_, ins)| ins.args.as_ref())
    {
        // The same place, the uid instead of the name.
        return Ok(vec![TextEdit::replace(args.span(), NONROOT_USER)]);
    }
    let line = format!("{} {NONROOT_USER}", ctx.df.keyword("USER"));
    let start = stage_instructions(ctx, stage)
        .find(|(_, ins)| matches!(ins.keyword, Keyword::Entrypoint | Keyword::Cmd))
        .map(|(i, _)| i);
    let edit = match start {
        Some(i) => insert_line_before(ctx, i, &line),
        None => {
            let last = stage_instructions(ctx, stage)
                .last()
                .map_or(stage.from_item, |(i, _)| i);
            insert_line_after(ctx, last, &line)
        }
    };
    Ok(vec![edit])
}

// ---- certs ----

fn copies_certs(ins: &Instruction) -> bool {
    ins.keyword == Keyword::Copy
        && ins
            .words()
            .iter()
            .any(|w| w.text.contains("ca-certificates") || w.text.starts_with("/etc/ssl/certs"))
}

/// Whether the runtime stage copies a CA bundle in, from anywhere.
pub fn has_certs(ctx: &Context<'_>) -> bool {
    ctx.graph
        .target_stage()
        .is_some_and(|stage| stage_instructions(ctx, stage).any(|(_, ins)| copies_certs(ins)))
}

/// On when the runtime stage copies a CA bundle in. The toggle applies only
/// when the file with certs off has a builder stage to copy the bundle from,
/// so turning it off can always be undone: the certs COPY may itself be what
/// makes that stage needed.
pub fn certs_state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    let stage = target(ctx)?;
    open_end(ctx)?;
    if !has_certs(ctx) {
        return certs_source(ctx, stage).map(|_| false);
    }
    let off = apply_edits(&ctx.df.source, &remove_certs(ctx, stage));
    let off_df = parse(&off);
    let off_ctx = Context::new(&off_df, ctx.catalog);
    let off_stage = target(&off_ctx)?;
    certs_source(&off_ctx, off_stage).map(|_| true)
}

fn remove_certs(ctx: &Context<'_>, stage: &Stage) -> Vec<TextEdit> {
    let copies = stage_instructions(ctx, stage)
        .filter(|(_, ins)| copies_certs(ins))
        .map(|(i, _)| i);
    remove_items(ctx, copies)
}

/// The stage to copy the CA bundle from: the one that runs `go build`.
fn certs_source<'c>(ctx: &'c Context<'_>, stage: &Stage) -> Result<&'c Stage, NotApplicable> {
    if ctx.go.builds().any(|b| b.stage == stage.index) {
        return Err(NotApplicable(
            "the runtime stage is the builder stage, which has its own certificates".into(),
        ));
    }
    ctx.go
        .builds()
        .map(|b| b.stage)
        .find(|&s| s != stage.index)
        .or_else(|| ctx.graph.dependencies(stage.index).next())
        .and_then(|s| ctx.graph.stage(s))
        .ok_or_else(|| {
            NotApplicable("there is no builder stage to copy the CA certificates from".to_string())
        })
}

pub fn set_certs(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    let stage = target(ctx)?;
    if !on {
        return Ok(remove_certs(ctx, stage));
    }
    let source = certs_source(ctx, stage)?;
    let from = source
        .name
        .clone()
        .unwrap_or_else(|| source.index.0.to_string());
    let line = format!(
        "{} --from={from} {CA_BUNDLE} /etc/ssl/certs/",
        ctx.df.keyword("COPY")
    );
    Ok(vec![insert_line_after(ctx, stage.from_item, &line)])
}

/// The removal span of a word in an instruction, shared with the cache toggle.
pub fn remove_word(ctx: &Context<'_>, span: Span) -> TextEdit {
    TextEdit::delete(removal_span(&ctx.df.source, span, ctx.df.escape))
}
