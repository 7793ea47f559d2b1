//! `dockstage bases`: which catalog images are here, and moving them between
//! machines without a registry.

use std::path::Path;

use serde::Serialize;

use super::{Failure, Format, status};
use crate::catalog::Catalog;
use crate::engine::Engine;
use crate::human::human_bytes;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BasesCommand {
    /// Show every catalog base and whether it is present locally
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Pull catalog images from their registries (all, or the keys given)
    Pull { keys: Vec<String> },
    /// Write the catalog images present here into one tar bundle
    Save { file: std::path::PathBuf },
    /// Load a bundle made by `bases save` or `docker save`
    Load { file: std::path::PathBuf },
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
    super::runtime()?.block_on(async move {
        let engine = Engine::connect().await.map_err(Failure::usage)?;
        let catalog = Catalog::bundled();
        match command {
            BasesCommand::List { format } => list(&engine, catalog, format).await,
            BasesCommand::Pull { keys } => pull(&engine, catalog, &keys).await,
            BasesCommand::Save { file } => save(&engine, catalog, &file).await,
            BasesCommand::Load { file } => {
                let lines = engine.load_images(&file).await.map_err(Failure::usage)?;
                for line in &lines {
                    println!("{line}");
                }
                Ok(status::OK)
            }
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

async fn save(engine: &Engine, catalog: &Catalog, file: &Path) -> Result<u8, Failure> {
    let mut present = Vec::new();
    for (_, image, ..) in catalog_images(catalog) {
        if engine
            .local_image(&image)
            .await
            .map_err(Failure::usage)?
            .is_some()
        {
            present.push(image);
        }
    }
    if present.is_empty() {
        return Err(Failure::usage("no catalog image is present to save"));
    }
    let names: Vec<&str> = present.iter().map(String::as_str).collect();
    let bytes = engine
        .save_images(&names, file)
        .await
        .map_err(Failure::usage)?;
    println!(
        "saved {} ({}) to {}",
        present.join(", "),
        human_bytes(bytes),
        file.display()
    );
    Ok(status::OK)
}
