//! `dockstage bases`: which catalog images are here, and moving them between
//! machines without a registry.

use std::path::Path;

use serde::Serialize;

use super::{Failure, Format, status};
use crate::catalog::Catalog;
use crate::engine::Engine;
use crate::engine::bundle::{BundleError, bundle_tags, check_target};
use crate::human::human_bytes;
use crate::workbench::readiness::needs;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BasesCommand {
    /// Show every catalog base and whether it is present locally
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Pull catalog images from their registries (all, or the keys given)
    Pull { keys: Vec<String> },
    /// Write the images `dockstage doctor` requires, those present here, into one tar bundle
    #[command(
        long_about = "Write into FILE every image `dockstage doctor` requires that is present \
            here (the builder and the catalog's bases, stand-ins included), or only the catalog \
            keys and image names given. Images missing here are named on standard error. An \
            existing FILE is never replaced without --force, and the bundle is written to a \
            temporary file first: a failed or cancelled save leaves nothing behind.",
        after_help = "Examples:\n  dockstage bases save bases.tar\n  dockstage bases save go.tar builder --force\n  dockstage bases save extra.tar alpine postgres:16"
    )]
    Save {
        /// The bundle to write
        file: std::path::PathBuf,
        /// Catalog keys (builder, alpine, ...) or image names to save instead of all
        images: Vec<String>,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Load a bundle made by `bases save` or `docker save`
    #[command(
        long_about = "Load a bundle made by `dockstage bases save` (or `docker save`) into the \
            daemon, then name each image loaded and the images `dockstage doctor` requires \
            that are still missing. A file that is not a bundle is refused before the daemon \
            sees it.",
        after_help = "Examples:\n  dockstage bases load bases.tar && dockstage doctor"
    )]
    Load {
        /// The bundle to load
        file: std::path::PathBuf,
    },
}

#[derive(Serialize)]
struct BaseRow {
    key: String,
    image: String,
    present: bool,
    standin: bool,
    size_bytes: Option<u64>,
    typical_size_bytes: u64,
    summary: String,
}

/// Every catalog image with its key, the builder first.
fn catalog_images(catalog: &Catalog) -> Vec<(String, String, u64, String)> {
    let mut out = vec![(
        "builder".to_string(),
        catalog.builder.image.clone(),
        catalog.builder.typical_size_bytes,
        catalog.builder.summary.clone(),
    )];
    for b in &catalog.bases {
        if b.key != "scratch" {
            out.push((
                b.key.clone(),
                b.image.clone(),
                b.typical_size_bytes,
                b.summary.clone(),
            ));
        }
    }
    out
}

pub fn run(command: BasesCommand) -> Result<u8, Failure> {
    // What is wrong with FILE is said before the daemon is asked, so it is
    // said even when no daemon answers.
    match &command {
        BasesCommand::Save { file, force, .. } => {
            check_target(file, *force).map_err(Failure::usage)?;
        }
        BasesCommand::Load { file } => {
            bundle_tags(file).map_err(Failure::usage)?;
        }
        BasesCommand::List { .. } | BasesCommand::Pull { .. } => {}
    }
    super::runtime()?.block_on(async move {
        let engine = Engine::connect().await.map_err(Failure::usage)?;
        let catalog = Catalog::bundled();
        match command {
            BasesCommand::List { format } => list(&engine, catalog, format).await,
            BasesCommand::Pull { keys } => pull(&engine, catalog, &keys).await,
            BasesCommand::Save {
                file,
                images,
                force,
            } => save(&engine, catalog, &file, &images, force).await,
            BasesCommand::Load { file } => load(&engine, catalog, &file).await,
        }
    })
}

async fn list(engine: &Engine, catalog: &Catalog, format: Format) -> Result<u8, Failure> {
    let mut rows = Vec::new();
    for (key, image, typical, summary) in catalog_images(catalog) {
        let local = engine.local_image(&image).await.map_err(Failure::usage)?;
        rows.push(BaseRow {
            key,
            image,
            present: local.is_some(),
            standin: local.as_ref().is_some_and(|l| l.standin),
            size_bytes: local.map(|l| l.size_bytes),
            typical_size_bytes: typical,
            summary,
        });
    }
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(Failure::usage)?
        ),
        Format::Text => {
            for r in &rows {
                let state = match (r.present, r.standin) {
                    (true, true) => "here (offline stand-in)",
                    (true, false) => "here",
                    (false, _) => "missing",
                };
                let size = r.size_bytes.map_or_else(
                    || format!("~{}", human_bytes(r.typical_size_bytes)),
                    human_bytes,
                );
                println!("{:<18} {:<36} {:<24} {:>9}", r.key, r.image, state, size);
            }
            println!(
                "{:<18} {:<36} {:<24} {:>9}",
                "scratch", "scratch", "built in", "0 B"
            );
            if rows.iter().any(|r| !r.present) {
                println!(
                    "\nMissing images: `dockstage bases pull` with a registry, `dockstage bases load FILE` \
                     from a bundle, or `scripts/offline-bases.sh` for local stand-ins."
                );
            }
        }
    }
    Ok(status::OK)
}

async fn pull(engine: &Engine, catalog: &Catalog, keys: &[String]) -> Result<u8, Failure> {
    let all = catalog_images(catalog);
    let wanted: Vec<_> = if keys.is_empty() {
        all
    } else {
        let mut out = Vec::new();
        for key in keys {
            match all.iter().find(|(k, image, ..)| k == key || image == key) {
                Some(found) => out.push(found.clone()),
                None => {
                    return Err(Failure::usage(format!(
                        "`{key}` is not a catalog base; see `dockstage bases list`"
                    )));
                }
            }
        }
        out
    };
    for (_, image, ..) in wanted {
        if !crate::engine::images::registry_reachable(&image).await {
            return Err(Failure::usage(format!(
                "cannot reach the registry for {image}; offline, use `dockstage bases load FILE` or \
                 `scripts/offline-bases.sh`"
            )));
        }
        let mut last = String::new();
        engine
            .pull(&image, &mut |p| {
                let line = format!("{} {} {}", p.image, p.layer.unwrap_or_default(), p.status);
                if line != last {
                    eprintln!("{line}");
                    last = line;
                }
            })
            .await
            .map_err(Failure::usage)?;
        println!("pulled {image}");
    }
    Ok(status::OK)
}

/// The images a save bundles: what the doctor requires, or the catalog
/// keys and image names given.
fn wanted_images(catalog: &Catalog, asked: &[String]) -> Vec<String> {
    if asked.is_empty() {
        return needs(catalog).into_iter().map(|n| n.image).collect();
    }
    let mut out: Vec<String> = Vec::new();
    for name in asked {
        let image = if name == "builder" {
            catalog.builder.image.clone()
        } else {
            catalog
                .base(name)
                .map_or_else(|| name.clone(), |b| b.image.clone())
        };
        if image != "scratch" && !out.contains(&image) {
            out.push(image);
        }
    }
    out
}

async fn save(
    engine: &Engine,
    catalog: &Catalog,
    file: &Path,
    asked: &[String],
    force: bool,
) -> Result<u8, Failure> {
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for image in wanted_images(catalog, asked) {
        match engine.local_image(&image).await.map_err(Failure::usage)? {
            Some(local) => present.push((image, local)),
            None => missing.push(image),
        }
    }
    if present.is_empty() {
        return Err(Failure::usage(format!(
            "none of the images to save is here ({}); nothing was written. `dockstage doctor` \
             says how to get them",
            missing.join(", ")
        )));
    }
    if !missing.is_empty() {
        eprintln!(
            "not here, so not in the bundle: {} (`dockstage doctor` says how to get them)",
            missing.join(", ")
        );
    }
    let count = match present.len() {
        1 => "1 image".to_string(),
        n => format!("{n} images"),
    };
    eprintln!("saving {count} to {}…", file.display());
    let names: Vec<&str> = present.iter().map(|(image, _)| image.as_str()).collect();
    let cancel = super::cancel_on_ctrl_c();
    let bytes = match engine.save_images(&names, file, force, &cancel).await {
        Ok(bytes) => bytes,
        Err(e @ BundleError::Cancelled) => {
            return Err(Failure {
                status: 130,
                message: e.to_string(),
            });
        }
        Err(e) => return Err(Failure::usage(e)),
    };
    println!("saved {} ({}):", file.display(), human_bytes(bytes));
    for (image, local) in &present {
        println!("  {image}{}", standin_note(local.standin));
    }
    if !missing.is_empty() {
        println!("missing here, not saved:");
        for image in &missing {
            println!("  {image}");
        }
    }
    Ok(status::OK)
}

fn standin_note(standin: bool) -> &'static str {
    if standin { " (offline stand-in)" } else { "" }
}

async fn load(engine: &Engine, catalog: &Catalog, file: &Path) -> Result<u8, Failure> {
    let lines = engine.load_images(file).await.map_err(Failure::usage)?;
    let mut loaded = Vec::new();
    for line in &lines {
        match line.strip_prefix("Loaded image: ") {
            Some(image) => loaded.push(image.trim().to_string()),
            None => eprintln!("{line}"),
        }
    }
    println!("loaded from {}:", file.display());
    for image in &loaded {
        let local = engine.local_image(image).await.map_err(Failure::usage)?;
        match local {
            Some(l) => println!(
                "  {image}, {}{}",
                human_bytes(l.size_bytes),
                standin_note(l.standin)
            ),
            None => println!("  {image}"),
        }
    }
    if loaded.is_empty() {
        println!("  (no tagged image; the daemon said: {})", lines.join("; "));
    }
    let mut still_missing = Vec::new();
    for need in needs(catalog) {
        if engine
            .local_image(&need.image)
            .await
            .map_err(Failure::usage)?
            .is_none()
        {
            still_missing.push(need.image);
        }
    }
    if !still_missing.is_empty() {
        println!(
            "still missing for the lessons: {} (`dockstage doctor` says how to get them)",
            still_missing.join(", ")
        );
    }
    Ok(status::OK)
}
