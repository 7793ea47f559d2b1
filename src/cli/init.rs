//! `dockstage init`: write a multi-stage Dockerfile and a .dockerignore for a
//! Go module, never over an existing file without --force, and both or
//! neither: a Dockerfile without its .dockerignore would send the whole
//! directory (secrets included) as the build context.

use std::path::Path;

use super::{Failure, status};
use crate::engine::Engine;
use crate::engine::images::registry_reachable;
use crate::ondisk::{Planned, Seen, write_all_or_nothing};
use crate::workbench::init::{
    Builder, DOCKERIGNORE, GolangOnHand, Module, builder_none_new_enough, builder_on_hand,
    choose_main, dockerfile, scan,
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
    // Without --force, files that appear between the check above and the
    // write are not replaced either.
    let planned: Vec<Planned> = targets
        .iter()
        .map(|(path, text)| Planned {
            path: path.clone(),
            text: text.clone(),
            was: (!force).then_some(Seen::Absent),
        })
        .collect();
    write_all_or_nothing(&planned).map_err(Failure::usage)?;
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
    let others = module.other_mains(&main);
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
    builder_on_hand(module, &on_hand).unwrap_or_else(|| builder_none_new_enough(module, &on_hand))
}
