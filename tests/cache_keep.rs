//! Going back to an earlier variant after more builds than the cache keeps,
//! on the real daemon: from the CLI (`dockstage build DIR --base/--set`) and
//! from the workbench (its update, its workers and the engine's pipeline).
//! Every build must return an image that exists, and the builds used last
//! must be the ones kept.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::engine::Engine;
use dockstage::engine::cache::KEEP;
use dockstage::engine::cache_lease::CacheLease;
use dockstage::tui::model::{BuildState, DockerStatus, FileState, Model, Pane};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::tui::worker::Workers;
use tokio::sync::mpsc;

const IMAGES: &[&str] = &[
    "golang:1.24",
    "debian:bookworm-slim",
    "busybox:stable",
    "gcr.io/distroless/static-debian12",
    "gcr.io/distroless/base-debian12",
];

/// One test at a time: each counts what the cache keeps, and the other's
/// builds would count too (identical builds share an image id).
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Variants made: more than the cache keeps.
const VARIANTS: usize = 15;
/// How many of the first variants are built again afterwards.
const AGAIN: usize = 3;

/// The bundled example copied to a directory of its own, with a file that
/// makes this run's build inputs differ from any earlier run's.
fn hello_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dockstage-cache-keep-{name}-{}-{}",
        std::process::id(),
        dockstage::engine::new_session_id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let example = support::example_dir("hello");
    for entry in std::fs::read_dir(&example).unwrap_or_else(|e| panic!("{e}")) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(dir.join("run-id.txt"), dir.to_string_lossy().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    dir
}

async fn exists(engine: &Engine, image: &str) -> bool {
    engine.docker().inspect_image(image).await.is_ok()
}

/// The tag under which `image` is kept for reuse.
async fn cache_tag_of(engine: &Engine, image: &str) -> String {
    let found = engine
        .docker()
        .inspect_image(image)
        .await
        .unwrap_or_else(|e| panic!("{image}: {e}"));
    found
        .repo_tags
        .unwrap_or_default()
        .into_iter()
        .find(|t| t.starts_with("dockstage/cache:"))
        .unwrap_or_else(|| panic!("{image} is not kept for reuse"))
}

/// Of `ids`, how many are still on the daemon.
async fn still_there(engine: &Engine, ids: &[String]) -> usize {
    let mut n = 0;
    for id in ids {
        if exists(engine, id).await {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn the_cli_builds_an_earlier_variant_again_after_more_than_are_kept() {
    let _turn = TURN.lock().await;
    let test = "cli_back_to_an_earlier_variant";
    let Some(engine) = support::docker_with(test, IMAGES).await else {
        return;
    };
    let dir = hello_copy("cli");
    let bases = [
        "scratch",
        "distroless-static",
        "distroless-base",
        "busybox",
        "debian-slim",
    ];
    let extras: [&[&str]; 3] = [&[], &["--set", "nonroot=on"], &["--set", "certs=on"]];
    let variants: Vec<Vec<&str>> = extras
        .iter()
        .flat_map(|extra| {
            bases.iter().map(move |base| {
                let mut args = vec!["--base", *base];
                args.extend_from_slice(extra);
                args
            })
        })
        .collect();
    assert_eq!(variants.len(), VARIANTS);
    let order = variants.iter().chain(variants.iter().take(AGAIN));
    let mut ids = Vec::new();
    let mut lease = None;
    for (n, variant) in order.enumerate() {
        let dir_arg = dir.to_string_lossy();
        let mut args = vec!["build", dir_arg.as_ref(), "--no-run", "--format", "json"];
        args.extend_from_slice(variant);
        let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "build {} ({variant:?}) failed:\n{stderr}",
            n + 1
        );
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        let id = v["image_id"].as_str().unwrap_or_default().to_string();
        assert!(
            exists(&engine, &id).await,
            "build {} ({variant:?}) returned {id}, which is not on the daemon:\n{stderr}",
            n + 1
        );
        if n == 0 {
            // This process leases the first build as a workbench building it
            // would: the prunes of the CLI processes after it must spare it.
            let tag = cache_tag_of(&engine, &id).await;
            lease = Some((CacheLease::take(&tag).await, tag));
        }
        if n + 1 == VARIANTS {
            let Some((held, tag)) = lease.take() else {
                panic!("the first build was leased");
            };
            assert!(
                exists(&engine, &tag).await,
                "the prune of another process removed {tag}, leased here, after {VARIANTS} builds"
            );
            drop(held);
        }
        ids.push(id);
    }
    // The builds used last are kept, and the cache still prunes.
    let again = &ids[VARIANTS..];
    assert_eq!(still_there(&engine, again).await, AGAIN, "{again:?}");
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), VARIANTS, "every variant is its own image");
    assert!(still_there(&engine, &distinct).await <= KEEP);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The workbench's side: the update loop, with its commands carried out by
/// the real workers, as `app::run` does minus the terminal.
struct Bench {
    model: Model,
    workers: Workers,
    rx: mpsc::UnboundedReceiver<Msg>,
    engine: Engine,
    /// The image of every finished build, checked on the daemon as it arrives.
    built: Vec<String>,
}

impl Bench {
    fn send(&mut self, msg: Msg) {
        for cmd in update(&mut self.model, msg) {
            assert_ne!(cmd, Cmd::Quit);
            self.workers.send(cmd);
        }
    }

    fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.send(Msg::Key(KeyEvent::new(code, modifiers)));
    }

    /// Feeds worker messages to `update` until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        let limit = tokio::time::Instant::now() + Duration::from_secs(240);
        while !done(&self.model) {
            let msg = tokio::time::timeout_at(limit, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .unwrap_or_else(|| panic!("the workers stopped before {what}"));
            if let Msg::BuildDone(_, Ok(finished)) = &msg {
                let id = finished.outcome.image_id.clone();
                assert!(
                    exists(&self.engine, &id).await,
                    "build {} returned {id}, which is not on the daemon",
                    self.built.len() + 1
                );
                self.built.push(id);
            }
            self.send(msg);
        }
    }

    /// F5, then waits for the build to end; it must have succeeded.
    async fn build(&mut self, n: usize) {
        self.key(KeyCode::F(5), KeyModifiers::NONE);
        assert!(self.model.is_building(), "{:?}", self.model.status);
        self.until("the build", |m| !m.is_building()).await;
        assert_eq!(
            self.model.build,
            BuildState::Built,
            "build {n} failed: {:?}",
            self.model.status
        );
    }
}

fn workbench(dir: &Path, engine: Engine) -> Bench {
    let path = dir.join("Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let file = FileState {
        path,
        dir: dir.to_path_buf(),
        saved: text.clone(),
        note: None,
    };
    let model = Model::new(file, &text, Theme::monochrome());
    let (tx, rx) = mpsc::unbounded_channel();
    let workers = Workers::spawn(tx, None);
    Bench {
        model,
        workers,
        rx,
        engine,
        built: Vec::new(),
    }
}

#[tokio::test]
async fn the_workbench_builds_an_earlier_variant_again_after_more_than_are_kept() {
    let _turn = TURN.lock().await;
    let test = "workbench_back_to_an_earlier_variant";
    let Some(engine) = support::docker_with(test, &IMAGES[..2]).await else {
        return;
    };
    let dir = hello_copy("workbench");
    let mut bench = workbench(&dir, engine.clone());
    bench
        .until("the daemon", |m| {
            matches!(
                m.docker,
                DockerStatus::Ready { .. } | DockerStatus::Absent { .. }
            )
        })
        .await;
    assert!(matches!(bench.model.docker, DockerStatus::Ready { .. }));
    // Each variant is the example plus a label of its own: a new image that
    // costs no compile.
    let run = dockstage::engine::new_session_id();
    for n in 1..=VARIANTS {
        bench.key(KeyCode::Char('>'), KeyModifiers::ALT);
        bench.key(KeyCode::End, KeyModifiers::NONE);
        bench.send(Msg::Paste(format!(
            "\nLABEL io.dockstage.test.variant=\"{run}-{n}\""
        )));
        bench.build(n).await;
        // Back to the example as written, for the next label.
        bench.key(KeyCode::Char('z'), KeyModifiers::CONTROL);
    }
    assert_eq!(bench.model.variants.len(), VARIANTS);
    // Enter on a row of the variants table puts its Dockerfile back; F5 builds it.
    bench.key(KeyCode::BackTab, KeyModifiers::NONE);
    assert_eq!(bench.model.focus, Pane::Variants);
    for n in 0..AGAIN {
        for _ in 0..bench.model.variants.len() {
            bench.key(KeyCode::Up, KeyModifiers::NONE);
        }
        for _ in 0..n {
            bench.key(KeyCode::Down, KeyModifiers::NONE);
        }
        bench.key(KeyCode::Enter, KeyModifiers::NONE);
        let wanted = bench.model.variants[n].dockerfile.clone();
        assert_eq!(bench.model.text(), wanted);
        bench.build(VARIANTS + n + 1).await;
    }
    let ids = bench.built.clone();
    assert_eq!(ids.len(), VARIANTS + AGAIN);
    for n in 0..AGAIN {
        assert_eq!(
            ids[VARIANTS + n],
            ids[n],
            "variant {} is the same image",
            n + 1
        );
    }
    assert_eq!(still_there(&engine, &ids[VARIANTS..]).await, AGAIN);
    assert!(still_there(&engine, &ids[..VARIANTS]).await <= KEEP);
    bench.workers.shutdown(Duration::from_secs(5)).await;
    let _ = std::fs::remove_dir_all(&dir);
}
