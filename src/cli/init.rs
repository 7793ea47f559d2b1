//! `dockstage init`: write a multi-stage Dockerfile and a .dockerignore for a
//! Go module, never over an existing file without --force, and both or
//! neither: a Dockerfile without its .dockerignore would send the whole
//! directory (secrets included) as the build context.

use std::path::{Path, PathBuf};

use super::{Failure, input, status};
use crate::engine::Engine;
use crate::engine::images::registry_reachable;
use crate::workbench::init::{
    Builder, DOCKERIGNORE, GolangOnHand, Module, builder_on_hand, choose_main, dockerfile, scan,
};

pub fn run(dir: &Path, main: Option<&str>, force: bool) -> Result<u8, Failure> {
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{}: not a directory; give the Go module's directory",
            dir.display()
        )));
    }
    let mut module = scan(dir).map_err(Failure::usage)?;
    let main = choose_main(&module, main, dir).map_err(Failure::usage)?;
    module.builder = super::runtime()?.block_on(builder_here(&module));
    let targets = [
        (dir.join("Dockerfile"), dockerfile(&module, &main)),
        (dir.join(".dockerignore"), DOCKERIGNORE.to_string()),
    ];
    if !force {
        let existing: Vec<String> = targets
            .iter()
            .filter(|(p, _)| p.exists())
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Failure::usage(format!(
                "{} already exist(s); nothing was written. Use --force to replace, or `dockstage {}` to tune what is there",
                existing.join(" and "),
                dir.display()
            )));
        }
    }
    write_all_or_nothing(&targets).map_err(Failure::usage)?;
    let f = &module.facts;
    let mut found = Vec::new();
    if f.uses_cgo {
        found.push("cgo (import \"C\"): glibc runtime base");
    }
    if f.uses_net || f.uses_os_user {
        found.push("net or os/user: netgo,osusergo tags");
    }
    if f.uses_tls_client {
        found.push("TLS client calls: CA certificates copied in");
    }
    if f.uses_timezones {
        found.push("time.LoadLocation: timetzdata tag");
    }
    if f.embeds_files {
        found.push("//go:embed: the embedded files come with COPY . .");
    }
    if module.vendor {
        found.push("vendor/: -mod=vendor, no download");
    }
    println!(
        "module {} (Go {}), main package {main}",
        module.path, module.go_version
    );
    let others: Vec<&str> = module
        .mains
        .iter()
        .map(String::as_str)
        .filter(|m| *m != main)
        .collect();
    if !others.is_empty() {
        println!(
            "  other main packages: {} (choose one with --main)",
            others.join(", ")
        );
    }
    match &module.builder.note {
        Some(note) => println!("  builder {}: {note}", module.builder.image),
        None => println!("  builder {}", module.builder.image),
    }
    for line in found {
        println!("  {line}");
    }
    println!(
        "wrote {} and {}",
        targets[0].0.display(),
        targets[1].0.display()
    );
    println!(
        "next: dockstage build {}   (or open it in the workbench: dockstage {})",
        dir.display(),
        dir.display()
    );
    Ok(status::OK)
}

/// go.mod's `golang:` pin when it is here, when a registry can serve it,
/// or when there is no daemon to ask; offline, the newest golang image on
/// hand that is new enough, so the Dockerfile builds with zero edits.
pub(super) async fn builder_here(module: &Module) -> Builder {
    let pinned = Builder::pinned(&module.go_version);
    let Ok(engine) = Engine::connect().await else {
        return pinned;
    };
    if matches!(engine.local_image(&pinned.image).await, Ok(Some(_)))
        || registry_reachable(&pinned.image).await
    {
        return pinned;
    }
    let on_hand: Vec<GolangOnHand> = engine
        .golang_on_hand()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(image, go_version)| GolangOnHand { image, go_version })
        .collect();
    builder_on_hand(module, &on_hand).unwrap_or(pinned)
}

/// Writes every file or none: all go to temporary files beside their
/// targets first, then each is renamed into place. When anything fails, the
/// temporary files go, files that did not exist before go, and files that
/// did (under --force) get their old bytes back.
pub(super) fn write_all_or_nothing(files: &[(PathBuf, String)]) -> Result<(), String> {
    let remove_all = |temps: &[PathBuf]| {
        for tmp in temps {
            let _ = std::fs::remove_file(tmp);
        }
    };
    // The old bytes of files --force replaces, to put back on failure.
    let mut before = Vec::new();
    for (path, _) in files {
        before.push(if path.is_file() {
            Some(std::fs::read(path).map_err(|e| {
                format!(
                    "{}: cannot read the file to replace: {e}; nothing was written",
                    path.display()
                )
            })?)
        } else {
            None
        });
    }
    let mut temps = Vec::new();
    for (path, text) in files {
        match input::write_beside(path, text.as_bytes()) {
            Ok(tmp) => temps.push(tmp),
            Err(e) => {
                remove_all(&temps);
                return Err(format!(
                    "{}: cannot write: {e}; nothing was written",
                    path.display()
                ));
            }
        }
    }
    for (i, ((path, _), tmp)) in files.iter().zip(&temps).enumerate() {
        let Err(e) = std::fs::rename(tmp, path) else {
            continue;
        };
        remove_all(&temps[i..]);
        let mut message = format!("{}: cannot write: {e}", path.display());
        let mut kept = Vec::new();
        for ((done, _), old) in files[..i].iter().zip(&before).rev() {
            let undone = match old {
                Some(bytes) => input::write_beside(done, bytes).and_then(|t| {
                    std::fs::rename(&t, done).inspect_err(|_| {
                        let _ = std::fs::remove_file(&t);
                    })
                }),
                None => std::fs::remove_file(done),
            };
            if let Err(e) = undone {
                kept.push(format!("{} could not be put back: {e}", done.display()));
            }
        }
        if kept.is_empty() {
            message.push_str("; nothing was written");
        } else {
            message.push_str("; ");
            message.push_str(&kept.join("; "));
        }
        return Err(message);
    }
    Ok(())
}
