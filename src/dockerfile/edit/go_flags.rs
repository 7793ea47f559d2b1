//! Toggles that edit the `go build` command: cgo, strip, trimpath and tags.

use std::collections::HashSet;

use super::site::{GoCommand, flag_name};
use super::text::{removal_span, remove_list_items};
use super::{Context, NotApplicable, no_build_reason};
use crate::dockerfile::diagnostic::TextEdit;
use crate::dockerfile::graph::{StageGraph, StageIndex};
use crate::dockerfile::span::Span;
use crate::dockerfile::syntax::{Dockerfile, Instruction, ItemKind, Keyword};

pub const STATIC_TAGS: &[&str] = &["netgo", "osusergo"];
pub const TZDATA_TAGS: &[&str] = &["timetzdata"];
const STRIP_FLAGS: &[&str] = &["-s", "-w"];

fn builds<'c>(ctx: &'c Context<'_>) -> Result<Vec<&'c super::site::GoCommand>, NotApplicable> {
    let builds: Vec<_> = ctx.go.builds().collect();
    if builds.is_empty() {
        Err(no_build_reason(ctx))
    } else {
        Ok(builds)
    }
}

/// A go flag's value (`-ldflags="-s -w"`, `-tags netgo`): where its content
/// is, without quotes, and the span of the whole flag for removal.
struct FlagValue {
    content: String,
    content_span: Span,
    quoted: bool,
    /// False when quotes do not simply wrap the whole value (`"-s -w`,
    /// `-X "a b"c`): an edit could not keep the shell's reading of it.
    plain: bool,
    whole: Span,
}

fn flag_value(cmd: &GoCommand, name: &str) -> Option<FlagValue> {
    let (i, word) = cmd.flag(name)?;
    let (raw, raw_span, whole) = match word.text.split_once('=') {
        Some((head, value)) => {
            let start = word.span.start + head.len() + 1;
            (
                value.to_string(),
                Span::new(start, word.span.end),
                word.span,
            )
        }
        None => {
            let next = cmd.args.get(i + 1)?;
            (next.text.clone(), next.span, word.span.cover(next.span))
        }
    };
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    match quote {
        Some(q) if raw.len() >= 2 && raw.ends_with(q) => {
            let content = raw.get(1..raw.len() - 1).unwrap_or("").to_string();
            Some(FlagValue {
                plain: !content.contains(q),
                content,
                content_span: Span::new(raw_span.start + 1, raw_span.end - 1),
                quoted: true,
                whole,
            })
        }
        _ => Some(FlagValue {
            plain: !raw.contains(['"', '\'']),
            content: raw,
            content_span: raw_span,
            quoted: false,
            whole,
        }),
    }
}

/// The toggles that edit `-name` do not apply when a build gives it more
/// than once (the go command takes the last, the toggles would edit one), or
/// when its value is missing or quoted in a way they cannot follow.
fn check_editable(ctx: &Context<'_>, name: &str, takes_value: bool) -> Result<(), NotApplicable> {
    for cmd in builds(ctx)? {
        let count = cmd
            .args
            .iter()
            .filter(|w| flag_name(&w.text) == Some(name))
            .count();
        let why = match (count, takes_value) {
            (0, _) => None,
            (1, true) => match flag_value(cmd, name) {
                None => Some("has no value"),
                Some(v) if !v.plain => Some("has quotes dockstage cannot edit safely"),
                Some(_) => None,
            },
            (1, false) => cmd
                .flag(name)
                .is_some_and(|(_, w)| w.text.contains('='))
                .then_some("has an explicit value"),
            _ => Some("is given more than once"),
        };
        if let Some(why) = why {
            return Err(NotApplicable(format!(
                "`-{name}` of `go build` on line {} {why}; dockstage leaves it to you",
                ctx.df.position(cmd.go.span.start).line
            )));
        }
    }
    Ok(())
}

fn remove_flag(ctx: &Context<'_>, value: &FlagValue) -> TextEdit {
    TextEdit::delete(removal_span(&ctx.df.source, value.whole, ctx.df.escape))
}

// ---- trimpath ----

fn has_trimpath(cmd: &GoCommand) -> bool {
    cmd.flag("trimpath")
        .is_some_and(|(_, w)| !w.text.ends_with("=false"))
}

pub fn trimpath_state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    check_editable(ctx, "trimpath", false)?;
    Ok(builds(ctx)?.iter().all(|b| has_trimpath(b)))
}

pub fn set_trimpath(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    let mut edits = Vec::new();
    for cmd in builds(ctx)? {
        match (on, cmd.flag("trimpath")) {
            (true, None) => edits.push(TextEdit::insert(cmd.verb_word.span.end, " -trimpath")),
            (false, Some((_, w))) => edits.push(TextEdit::delete(removal_span(
                &ctx.df.source,
                w.span,
                ctx.df.escape,
            ))),
            _ => {}
        }
    }
    Ok(edits)
}

// ---- strip: -ldflags="-s -w" ----

fn has_strip(cmd: &GoCommand) -> bool {
    flag_value(cmd, "ldflags").is_some_and(|v| {
        let tokens: Vec<&str> = v.content.split_whitespace().collect();
        STRIP_FLAGS.iter().all(|f| tokens.contains(f))
    })
}

pub fn strip_state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    check_editable(ctx, "ldflags", true)?;
    Ok(builds(ctx)?.iter().all(|b| has_strip(b)))
}

pub fn set_strip(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    let mut edits = Vec::new();
    for cmd in builds(ctx)? {
        let value = flag_value(cmd, "ldflags");
        match (on, value) {
            (true, None) => edits.push(TextEdit::insert(
                cmd.verb_word.span.end,
                " -ldflags=\"-s -w\"",
            )),
            (true, Some(v)) => {
                let tokens: Vec<&str> = v.content.split_whitespace().collect();
                let missing: Vec<&str> = STRIP_FLAGS
                    .iter()
                    .copied()
                    .filter(|f| !tokens.contains(f))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let mut add = missing.join(" ");
                if v.quoted {
                    if !v.content.is_empty() {
                        add.push(' ');
                    }
                    edits.push(TextEdit::insert(v.content_span.start, add));
                } else {
                    let joined = if v.content.is_empty() {
                        add
                    } else {
                        format!("{add} {}", v.content)
                    };
                    edits.push(TextEdit::replace(v.content_span, format!("\"{joined}\"")));
                }
            }
            (false, Some(v)) => {
                let rest = remove_list_items(&v.content, ' ', STRIP_FLAGS);
                if rest.trim().is_empty() {
                    edits.push(remove_flag(ctx, &v));
                } else if v.quoted && is_plain_word(&rest) {
                    // The inverse of quoting a bare value when adding `-s -w`.
                    let quoted = Span::new(v.content_span.start - 1, v.content_span.end + 1);
                    edits.push(TextEdit::replace(quoted, rest));
                } else if rest != v.content {
                    edits.push(TextEdit::replace(v.content_span, rest));
                }
            }
            (false, None) => {}
        }
    }
    Ok(edits)
}

/// A value the shell passes as one word without quotes.
fn is_plain_word(s: &str) -> bool {
    !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "\"'`;&|<>(){}*?#~".contains(c))
}

// ---- build tags ----

fn tag_separator(content: &str) -> char {
    if content.contains(',') || !content.trim().contains(' ') {
        ','
    } else {
        ' '
    }
}

fn tags_of(v: &FlagValue) -> Vec<String> {
    v.content
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_tags(cmd: &GoCommand, wanted: &[&str]) -> bool {
    flag_value(cmd, "tags").is_some_and(|v| {
        let tags = tags_of(&v);
        wanted.iter().all(|w| tags.iter().any(|t| t == w))
    })
}

pub fn tags_state(ctx: &Context<'_>, wanted: &[&str]) -> Result<bool, NotApplicable> {
    check_editable(ctx, "tags", true)?;
    Ok(builds(ctx)?.iter().all(|b| has_tags(b, wanted)))
}

pub fn set_tags(
    ctx: &Context<'_>,
    wanted: &[&str],
    on: bool,
) -> Result<Vec<TextEdit>, NotApplicable> {
    let mut edits = Vec::new();
    for cmd in builds(ctx)? {
        let value = flag_value(cmd, "tags");
        match (on, value) {
            (true, None) => edits.push(TextEdit::insert(
                cmd.verb_word.span.end,
                format!(" -tags {}", wanted.join(",")),
            )),
            (true, Some(v)) => {
                let tags = tags_of(&v);
                let missing: Vec<&str> = wanted
                    .iter()
                    .copied()
                    .filter(|w| !tags.iter().any(|t| t == w))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let sep = tag_separator(&v.content);
                let mut add = String::new();
                for tag in missing {
                    if !(v.content.is_empty() && add.is_empty()) {
                        add.push(sep);
                    }
                    add.push_str(tag);
                }
                edits.push(TextEdit::insert(v.content_span.end, add));
            }
            (false, Some(v)) => {
                let rest = remove_list_items(&v.content, tag_separator(&v.content), wanted);
                if rest.trim().is_empty() {
                    edits.push(remove_flag(ctx, &v));
                } else if rest != v.content {
                    edits.push(TextEdit::replace(v.content_span, rest));
                }
            }
            (false, None) => {}
        }
    }
    Ok(edits)
}

// ---- cgo ----

/// A `CGO_ENABLED` setting: its value and where the value is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    value: String,
    value_span: Span,
}

/// The `CGO_ENABLED` settings an `ENV` or `ARG` makes, in order.
fn settings_in(ins: &Instruction) -> Vec<Setting> {
    if !matches!(ins.keyword, Keyword::Env | Keyword::Arg) {
        return Vec::new();
    }
    let words = ins.words();
    if let [name, value] = words.as_slice()
        && ins.keyword == Keyword::Env
        && name.text == "CGO_ENABLED"
        && !value.text.contains('=')
    {
        return vec![Setting {
            value: value.text.clone(),
            value_span: value.span,
        }];
    }
    words
        .iter()
        .filter_map(|w| {
            let v = w.text.strip_prefix("CGO_ENABLED=")?;
            Some(Setting {
                value: v.trim_matches(['"', '\'']).to_string(),
                value_span: Span::new(w.span.end - v.len(), w.span.end),
            })
        })
        .collect()
}

/// The `ENV`/`ARG CGO_ENABLED` settings of every stage, read once for all
/// the builds rather than once per build.
struct StageSettings {
    /// Per stage, its settings with their item indices, in file order.
    own: Vec<Vec<(usize, Setting)>>,
    /// Per stage, the last setting in force at its end, from it or from the
    /// stages it is built on.
    at_end: Vec<Option<Setting>>,
}

impl StageSettings {
    fn new(df: &Dockerfile, graph: &StageGraph) -> Self {
        let mut own: Vec<Vec<(usize, Setting)>> = Vec::with_capacity(graph.stages.len());
        let mut at_end: Vec<Option<Setting>> = Vec::with_capacity(graph.stages.len());
        for stage in &graph.stages {
            let items = df.items.get(stage.from_item..stage.end_item).unwrap_or(&[]);
            let mut found = Vec::new();
            for (offset, it) in items.iter().enumerate() {
                if let ItemKind::Instruction(ins) = &it.kind {
                    let item = stage.from_item + offset;
                    found.extend(settings_in(ins).into_iter().map(|s| (item, s)));
                }
            }
            // A FROM names only earlier stages, whose settings are known.
            let inherited = stage
                .base_stage
                .and_then(|b| at_end.get(b.0).cloned().flatten());
            at_end.push(found.last().map(|(_, s)| s.clone()).or(inherited));
            own.push(found);
        }
        Self { own, at_end }
    }

    /// The last setting before `item` in the build's stage and the stages it
    /// is built on.
    fn before(&self, graph: &StageGraph, stage: StageIndex, item: usize) -> Option<Setting> {
        let own = self.own.get(stage.0)?;
        let n = own.partition_point(|&(i, _)| i < item);
        if let Some((_, s)) = n.checked_sub(1).and_then(|k| own.get(k)) {
            return Some(s.clone());
        }
        let parent = graph.stage(stage)?.base_stage?;
        self.at_end.get(parent.0).cloned().flatten()
    }
}

fn inline_setting(cmd: &GoCommand) -> Option<(Setting, Span)> {
    cmd.env.iter().rev().find_map(|w| {
        let v = w.text.strip_prefix("CGO_ENABLED=")?;
        Some((
            Setting {
                value: v.trim_matches(['"', '\'']).to_string(),
                value_span: Span::new(w.span.end - v.len(), w.span.end),
            },
            w.span,
        ))
    })
}

fn inline_settings(cmd: &GoCommand) -> usize {
    cmd.env
        .iter()
        .filter(|w| w.text.starts_with("CGO_ENABLED="))
        .count()
}

fn is_off(value: &str) -> bool {
    value.trim() == "0"
}

pub fn cgo_state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    let builds = builds(ctx)?;
    let settings = StageSettings::new(ctx.df, &ctx.graph);
    let all_off = builds.iter().all(|b| {
        let effective = inline_setting(b)
            .map(|(s, _)| s)
            .or_else(|| settings.before(&ctx.graph, b.stage, b.item));
        effective.is_some_and(|s| is_off(&s.value))
    });
    Ok(!all_off)
}

pub fn set_cgo(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    let mut edits: Vec<TextEdit> = Vec::new();
    // Builds that share a setting share its edit; make it once.
    let mut seen: HashSet<TextEdit> = HashSet::new();
    let mut push = |e: TextEdit| {
        if seen.insert(e.clone()) {
            edits.push(e);
        }
    };
    let builds = builds(ctx)?;
    let settings = StageSettings::new(ctx.df, &ctx.graph);
    for cmd in builds {
        let inline = inline_setting(cmd);
        let stage = settings.before(&ctx.graph, cmd.stage, cmd.item);
        let effective_off = inline
            .as_ref()
            .map(|(s, _)| s)
            .or(stage.as_ref())
            .is_some_and(|s| is_off(&s.value));
        if on != effective_off {
            continue; // already as wanted
        }
        let value = if on { "1" } else { "0" };
        match (&inline, &stage) {
            // Remove only the exact shape `cgo=off` inserts, so off/on round-trips
            // both ways; any other inline setting is flipped in place, and so
            // is the last of several, which the shell takes.
            (Some((_, word)), s)
                if on
                    && !s.as_ref().is_some_and(|s| is_off(&s.value))
                    && inline_settings(cmd) == 1
                    && word.end + 1 == cmd.go.span.start
                    && ctx.df.source.get(word.end..cmd.go.span.start) == Some(" ") =>
            {
                push(TextEdit::delete(removal_span(
                    &ctx.df.source,
                    *word,
                    ctx.df.escape,
                )));
            }
            (Some((s, _)), _) => push(TextEdit::replace(s.value_span, value)),
            (None, Some(s)) => push(TextEdit::replace(s.value_span, value)),
            (None, None) => push(TextEdit::insert(cmd.go.span.start, "CGO_ENABLED=0 ")),
        }
    }
    Ok(edits)
}

/// The output path of a build (`-o PATH`), made absolute against WORKDIR.
pub fn output_path(df: &Dockerfile, graph: &StageGraph, cmd: &GoCommand) -> Option<String> {
    let mut out = None;
    for (i, w) in cmd.args.iter().enumerate() {
        if flag_name(&w.text) == Some("o") {
            out = match w.text.split_once('=') {
                Some((_, v)) => Some(v.to_string()),
                None => cmd.args.get(i + 1).map(|n| n.text.clone()),
            };
        }
    }
    let out = out?.trim_matches(['"', '\'']).to_string();
    if out.starts_with('/') {
        return Some(out);
    }
    let stage = graph.stage(cmd.stage)?;
    // The official golang images start in /go; a relative WORKDIR lands below it.
    let mut root = stage;
    for _ in 0..graph.stages.len() {
        match root.base_stage.and_then(|s| graph.stage(s)) {
            Some(parent) => root = parent,
            None => break,
        }
    }
    let golang = crate::catalog::split_tag(&root.base)
        .0
        .to_ascii_lowercase()
        .ends_with("golang");
    let mut workdir = String::from(if golang { "/go" } else { "/" });
    for it in df.items.get(stage.from_item..cmd.item).unwrap_or(&[]) {
        if let ItemKind::Instruction(ins) = &it.kind
            && ins.keyword == Keyword::Workdir
        {
            let dir = ins.args_text().trim_matches(['"', '\'']).to_string();
            workdir = if dir.starts_with('/') {
                dir
            } else {
                format!("{}/{dir}", workdir.trim_end_matches('/'))
            };
        }
    }
    let rel = out.trim_start_matches("./");
    Some(format!("{}/{rel}", workdir.trim_end_matches('/')))
}
