//! `dockstage edit`: switch the base and toggles through the core's edits.

use std::path::Path;

use serde::Serialize;

use super::{Failure, Format, status};
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use crate::dockerfile::parse;
use crate::ondisk::{self, Seen};

#[derive(Serialize)]
struct ToggleJson {
    name: &'static str,
    on: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_applicable: Option<String>,
    /// What the on/off state leaves out, e.g. a user given by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize)]
struct StateJson {
    base: Option<String>,
    toggles: Vec<ToggleJson>,
}

pub fn run(
    file: &Path,
    base: Option<String>,
    set: &[String],
    write: bool,
    format: Format,
) -> Result<u8, Failure> {
    let text = crate::input::read_dockerfile(file)?;
    let catalog = Catalog::bundled();
    let mut changes = Vec::new();
    if let Some(key) = base {
        changes.push(Change::Base(key));
    }
    for s in set {
        changes.push(s.parse::<Change>().map_err(Failure::usage)?);
    }
    if changes.is_empty() {
        return show_state(&text, catalog, format);
    }
    let edited = apply_changes(&text, &changes, catalog).map_err(Failure::usage)?;
    let summary: Vec<String> = changes.iter().map(ToString::to_string).collect();
    if write {
        if edited != text {
            ondisk::write_if_unchanged(file, &Seen::Text(text.clone()), &edited).map_err(|e| {
                super::refused_write(e, "run the edit again on the file as it is now")
            })?;
            eprintln!("{}: applied {}", file.display(), summary.join(", "));
        } else {
            eprintln!(
                "{}: already {}; nothing to write",
                file.display(),
                summary.join(", ")
            );
        }
    } else {
        print!("{edited}");
    }
    Ok(status::OK)
}

fn show_state(text: &str, catalog: &Catalog, format: Format) -> Result<u8, Failure> {
    let df = parse(text);
    let ctx = Context::new(&df, catalog);
    let base = ctx.base().map(|b| b.key.clone());
    let toggles: Vec<ToggleJson> = Toggle::ALL
        .iter()
        .map(|&t| match ctx.state(t) {
            Ok(on) => ToggleJson {
                name: t.name(),
                on: Some(on),
                not_applicable: None,
                note: ctx.note(t),
            },
            Err(why) => ToggleJson {
                name: t.name(),
                on: None,
                not_applicable: Some(why.0),
                note: None,
            },
        })
        .collect();
    match format {
        Format::Json => {
            let json = StateJson { base, toggles };
            println!(
                "{}",
                serde_json::to_string_pretty(&json).map_err(Failure::usage)?
            );
        }
        Format::Text => {
            let runtime = ctx
                .graph
                .target_stage()
                .map(|s| s.base.clone())
                .unwrap_or_default();
            match base {
                Some(key) => println!("{:<13} {key} ({runtime})", "base"),
                None => println!("{:<13} {runtime} (not in the catalog)", "base"),
            }
            for t in toggles {
                let state = match (t.on, t.not_applicable) {
                    (Some(true), _) => "on".to_string(),
                    (Some(false), _) => "off".to_string(),
                    (None, Some(why)) => format!("n/a: {why}"),
                    (None, None) => "n/a".to_string(),
                };
                let teaches = catalog
                    .toggle(t.name)
                    .map(|i| i.edits.as_str())
                    .unwrap_or("");
                match t.note {
                    Some(note) => println!("{:<13} {state:<5} {note}; on: {teaches}", t.name),
                    None => println!("{:<13} {state:<5} {teaches}", t.name),
                }
            }
        }
    }
    Ok(status::OK)
}
