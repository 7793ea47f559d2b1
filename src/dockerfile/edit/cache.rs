//! The cache-mounts toggle: `RUN --mount=type=cache` for Go's module and build
//! caches, so BuildKit keeps them between builds.

use std::collections::HashMap;

use super::runtime::remove_word;
use super::{Context, NotApplicable, no_build_reason};
use crate::dockerfile::diagnostic::TextEdit;
use crate::dockerfile::graph::mount_options;
use crate::dockerfile::syntax::{Instruction, ItemKind};

pub const MOD_CACHE: &str = "/go/pkg/mod";
pub const BUILD_CACHE: &str = "/root/.cache/go-build";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cache {
    Modules,
    Build,
}

fn cache_kind(flag_value: &str) -> Option<Cache> {
    let options = mount_options(flag_value);
    let is_cache = options.iter().any(|(k, v)| k == "type" && v == "cache");
    let target = options
        .iter()
        .find(|(k, _)| matches!(k.as_str(), "target" | "dst" | "destination"))
        .map(|(_, v)| v.trim_end_matches('/'))?;
    if !is_cache {
        return None;
    }
    if target.contains("go-build") || target.contains("GOCACHE") {
        Some(Cache::Build)
    } else if target.ends_with("/pkg/mod") || target.contains("GOMODCACHE") {
        Some(Cache::Modules)
    } else {
        None
    }
}

/// Each RUN that runs the go tool, with the caches it wants.
fn runs<'c>(ctx: &'c Context<'_>) -> Vec<(usize, &'c Instruction, Vec<Cache>)> {
    let mut out: Vec<(usize, &Instruction, Vec<Cache>)> = Vec::new();
    // Where each RUN's entry is in `out`.
    let mut at: HashMap<usize, usize> = HashMap::new();
    for cmd in &ctx.go.commands {
        let Some(ItemKind::Instruction(ins)) = ctx.df.items.get(cmd.item).map(|i| &i.kind) else {
            continue;
        };
        let wants = if cmd.verb.starts_with("mod") {
            vec![Cache::Modules]
        } else {
            vec![Cache::Modules, Cache::Build]
        };
        match at.get(&cmd.item).and_then(|&k| out.get_mut(k)) {
            Some((_, _, w)) => {
                for c in wants {
                    if !w.contains(&c) {
                        w.push(c);
                    }
                }
            }
            None => {
                at.insert(cmd.item, out.len());
                out.push((cmd.item, ins.as_ref(), wants));
            }
        }
    }
    out
}

fn present(ins: &Instruction) -> Vec<Cache> {
    ins.flags
        .iter()
        .filter(|f| f.name == "mount")
        .filter_map(|f| cache_kind(f.value.as_deref().unwrap_or("")))
        .collect()
}

pub fn state(ctx: &Context<'_>) -> Result<bool, NotApplicable> {
    if !ctx.go.has_build() {
        return Err(no_build_reason(ctx));
    }
    // A RUN that mounts any Go cache counts as on: the user chose cache mounts,
    // and turning on must not rewrite their choice of which.
    Ok(runs(ctx).iter().all(|(_, ins, _)| !present(ins).is_empty()))
}

pub fn set(ctx: &Context<'_>, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
    if !ctx.go.has_build() {
        return Err(no_build_reason(ctx));
    }
    let mut edits = Vec::new();
    for (_, ins, wants) in runs(ctx) {
        if on {
            let have = present(ins);
            let mut add = String::new();
            for want in [Cache::Modules, Cache::Build] {
                if wants.contains(&want) && !have.contains(&want) {
                    let target = if want == Cache::Modules {
                        MOD_CACHE
                    } else {
                        BUILD_CACHE
                    };
                    add.push_str(&format!(" --mount=type=cache,target={target}"));
                }
            }
            if !add.is_empty() {
                edits.push(TextEdit::insert(ins.keyword_word.span.end, add));
            }
        } else {
            for flag in ins.flags.iter().filter(|f| f.name == "mount") {
                if cache_kind(flag.value.as_deref().unwrap_or("")).is_some() {
                    edits.push(remove_word(ctx, flag.span));
                }
            }
        }
    }
    Ok(edits)
}
