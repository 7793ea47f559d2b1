//! Toggles: structured changes that rewrite the Dockerfile through minimal
//! text edits, keeping the user's formatting and comments.
//!
//! Each toggle reads its current state from the text, so applying one twice
//! is the same as applying it once, and turning on then off gives the
//! original bytes back.

mod cache;
mod go_flags;
mod kept;
mod runtime;
pub mod site;
pub mod text;

pub use go_flags::output_path;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::catalog::{Catalog, RuntimeBase};
use crate::dockerfile::diagnostic::{TextEdit, apply_edits};
use crate::dockerfile::graph::StageGraph;
use crate::dockerfile::parse::parse;
use crate::dockerfile::similar;
use crate::dockerfile::syntax::{Dockerfile, ItemKind};

use site::GoCommands;

/// A Go build setting the user switches on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Toggle {
    Cgo,
    Strip,
    Trimpath,
    StaticTags,
    Tzdata,
    Nonroot,
    Certs,
    CacheMounts,
}

impl Toggle {
    pub const ALL: [Toggle; 8] = [
        Toggle::Cgo,
        Toggle::Strip,
        Toggle::Trimpath,
        Toggle::StaticTags,
        Toggle::Tzdata,
        Toggle::Nonroot,
        Toggle::Certs,
        Toggle::CacheMounts,
    ];

    /// The name used on the command line and in the UI.
    pub fn name(self) -> &'static str {
        match self {
            Toggle::Cgo => "cgo",
            Toggle::Strip => "strip",
            Toggle::Trimpath => "trimpath",
            Toggle::StaticTags => "static-tags",
            Toggle::Tzdata => "tzdata",
            Toggle::Nonroot => "nonroot",
            Toggle::Certs => "certs",
            Toggle::CacheMounts => "cache-mounts",
        }
    }

    pub fn from_name(name: &str) -> Option<Toggle> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for Toggle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One requested change: a runtime base, or a toggle set on or off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Base(String),
    Set(Toggle, bool),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Base(key) => write!(f, "base={key}"),
            Change::Set(t, on) => write!(f, "{t}={}", if *on { "on" } else { "off" }),
        }
    }
}

impl FromStr for Change {
    type Err = EditError;

    /// `NAME=on|off`, or `base=KEY`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = s.split_once('=').ok_or_else(|| EditError::BadSetting {
            setting: s.to_string(),
            why: "expected NAME=on or NAME=off".to_string(),
        })?;
        if name == "base" {
            return Ok(Change::Base(value.to_string()));
        }
        let toggle = Toggle::from_name(name).ok_or_else(|| {
            let names = Toggle::ALL.map(Toggle::name);
            EditError::UnknownToggle {
                name: name.to_string(),
                suggestion: similar::nearest(name, names).map(str::to_string),
            }
        })?;
        let on = match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => true,
            "off" | "false" | "0" | "no" => false,
            _ => {
                return Err(EditError::BadSetting {
                    setting: s.to_string(),
                    why: "the value must be on or off".to_string(),
                });
            }
        };
        Ok(Change::Set(toggle, on))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{change} cannot apply: {reason}")]
    NotApplicable { change: String, reason: String },
    #[error("unknown toggle `{name}`{}; toggles are: {}", hint(suggestion), Toggle::ALL.map(Toggle::name).join(", "))]
    UnknownToggle {
        name: String,
        suggestion: Option<String>,
    },
    #[error("unknown base `{key}`{}; bases are: {known}", hint(suggestion))]
    UnknownBase {
        key: String,
        suggestion: Option<String>,
        known: String,
    },
    #[error("`{setting}`: {why}")]
    BadSetting { setting: String, why: String },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Why a toggle does not fit this file, in words for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable(pub String);

/// Everything a toggle needs to know about one parse.
pub struct Context<'a> {
    pub df: &'a Dockerfile,
    pub graph: StageGraph,
    pub go: GoCommands,
    pub catalog: &'a Catalog,
}

impl<'a> Context<'a> {
    pub fn new(df: &'a Dockerfile, catalog: &'a Catalog) -> Self {
        let graph = StageGraph::new(df);
        let go = GoCommands::find(df, &graph);
        Self {
            df,
            graph,
            go,
            catalog,
        }
    }

    /// Whether `toggle` is on in this file, or why it cannot apply.
    pub fn state(&self, toggle: Toggle) -> Result<bool, NotApplicable> {
        match toggle {
            Toggle::Cgo => go_flags::cgo_state(self),
            Toggle::Strip => go_flags::strip_state(self),
            Toggle::Trimpath => go_flags::trimpath_state(self),
            Toggle::StaticTags => go_flags::tags_state(self, go_flags::STATIC_TAGS),
            Toggle::Tzdata => go_flags::tags_state(self, go_flags::TZDATA_TAGS),
            Toggle::Nonroot => runtime::nonroot_state(self),
            Toggle::Certs => runtime::certs_state(self),
            Toggle::CacheMounts => cache::state(self),
        }
    }

    /// Whether the runtime stage copies a CA bundle in, whether or not the
    /// certs toggle applies to this file.
    pub fn has_certs(&self) -> bool {
        runtime::has_certs(self)
    }

    /// The catalog base the runtime stage starts from, if it is one.
    pub fn base(&self) -> Option<&'a RuntimeBase> {
        let stage = self.graph.target_stage()?;
        if stage.base_stage.is_some() {
            return None;
        }
        self.catalog.base_for_image(&stage.base)
    }

    /// The text edits that make `change` true; empty when it already is.
    pub fn plan(&self, change: &Change) -> Result<Vec<TextEdit>, EditError> {
        let not_applicable = |NotApplicable(reason)| EditError::NotApplicable {
            change: change.to_string(),
            reason,
        };
        match change {
            Change::Base(key) => {
                let base = self
                    .catalog
                    .base(key)
                    .ok_or_else(|| EditError::UnknownBase {
                        key: key.clone(),
                        suggestion: similar::nearest(key, self.catalog.keys()).map(str::to_string),
                        known: self.catalog.keys().collect::<Vec<_>>().join(", "),
                    })?;
                runtime::set_base(self, base).map_err(not_applicable)
            }
            Change::Set(toggle, on) => {
                let current = self.state(*toggle).map_err(not_applicable)?;
                if current == *on {
                    return Ok(Vec::new());
                }
                if let Some(edits) = kept::restore(self, *toggle, *on) {
                    return Ok(edits);
                }
                let edits = self.toggle_edits(*toggle, *on).map_err(not_applicable)?;
                Ok(kept::keeping_words(self, *toggle, *on, edits))
            }
        }
    }

    /// The toggle's own edit, in dockstage's words, with nothing kept.
    fn toggle_edits(&self, toggle: Toggle, on: bool) -> Result<Vec<TextEdit>, NotApplicable> {
        match toggle {
            Toggle::Cgo => go_flags::set_cgo(self, on),
            Toggle::Strip => go_flags::set_strip(self, on),
            Toggle::Trimpath => go_flags::set_trimpath(self, on),
            Toggle::StaticTags => go_flags::set_tags(self, go_flags::STATIC_TAGS, on),
            Toggle::Tzdata => go_flags::set_tags(self, go_flags::TZDATA_TAGS, on),
            Toggle::Nonroot => runtime::set_nonroot(self, on),
            Toggle::Certs => runtime::set_certs(self, on),
            Toggle::CacheMounts => cache::set(self, on),
        }
    }

    /// What the state of `toggle` leaves out: a user given by name is not
    /// the toggle's numeric uid, and needs /etc/passwd in the image.
    pub fn note(&self, toggle: Toggle) -> Option<String> {
        match toggle {
            Toggle::Nonroot => runtime::named_user(self)
                .map(|user| format!("by name: USER {user} needs /etc/passwd in the image")),
            _ => None,
        }
    }
}

/// Applies `changes` in order, re-parsing between them, and returns the new text.
pub fn apply_changes(
    text: &str,
    changes: &[Change],
    catalog: &Catalog,
) -> Result<String, EditError> {
    let mut text = text.to_string();
    for change in changes {
        let df = parse(&text);
        let edits = Context::new(&df, catalog).plan(change)?;
        text = apply_edits(&text, &edits);
    }
    Ok(text)
}

/// The reason go-build toggles cannot apply, when there is no build to edit.
pub(crate) fn no_build_reason(ctx: &Context<'_>) -> NotApplicable {
    if !ctx.go.exec_form.is_empty() {
        return NotApplicable(
            "`go build` is in exec (JSON) form; toggles edit shell-form RUN lines only".to_string(),
        );
    }
    let Some((item, stage, tool)) = ctx.go.wrapped.first() else {
        return NotApplicable("no `go build` in the builder stage".to_string());
    };
    let line = match ctx.df.items.get(*item).map(|i| &i.kind) {
        Some(ItemKind::Instruction(ins)) => ins.line,
        _ => 0,
    };
    // Where the runtime stage expects the binary, so the line drops in.
    let out = ctx
        .graph
        .target_stage()
        .and_then(|runtime| copied_from(ctx, runtime, *stage))
        .unwrap_or_else(|| "/out/app".to_string());
    NotApplicable(format!(
        "the builder runs `{tool}` (line {line}), so its `go build` is inside a file the \
         toggles cannot see; replace that RUN with the line `dockstage init` writes, e.g. \
         RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o {out} ."
    ))
}

/// The first path the runtime stage copies from stage `from`.
fn copied_from(
    ctx: &Context<'_>,
    runtime: &crate::dockerfile::graph::Stage,
    from: crate::dockerfile::graph::StageIndex,
) -> Option<String> {
    let source = ctx.graph.stage(from)?;
    let names: Vec<String> = std::iter::once(from.0.to_string())
        .chain(source.name.clone())
        .collect();
    ctx.df
        .items
        .get(runtime.from_item..runtime.end_item)?
        .iter()
        .find_map(|item| {
            let ItemKind::Instruction(ins) = &item.kind else {
                return None;
            };
            let copy_from = ins.flag("from")?.value.as_deref()?;
            if ins.keyword != crate::dockerfile::syntax::Keyword::Copy
                || !names.iter().any(|n| n.eq_ignore_ascii_case(copy_from))
            {
                return None;
            }
            let words = ins.words();
            (words.len() >= 2).then(|| words[0].text.clone())
        })
}

#[cfg(test)]
mod tests;
