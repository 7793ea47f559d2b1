//! Shared by the integration tests that need a real Docker daemon.
#![allow(dead_code)]

pub mod workbench;

use dockstage::engine::Engine;

/// A connected engine, or `None` with the reason printed when no daemon is
/// reachable. Under `DOCKSTAGE_REQUIRE_DOCKER=1` (CI) a missing daemon fails.
pub async fn docker(test: &str) -> Option<Engine> {
    match Engine::connect().await {
        Ok(engine) => Some(engine),
        Err(e) => {
            let required = std::env::var("DOCKSTAGE_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
            assert!(!required, "{test}: DOCKSTAGE_REQUIRE_DOCKER=1 but {e}");
            eprintln!("skipping {test}: no Docker daemon ({e})");
            None
        }
    }
}

/// Whether a local image exists; tests that need a stand-in base skip
/// (or fail under DOCKSTAGE_REQUIRE_DOCKER=1) when it is missing.
pub async fn has_image(engine: &Engine, test: &str, image: &str) -> bool {
    let found = engine.docker().inspect_image(image).await.is_ok();
    if !found {
        let required = std::env::var("DOCKSTAGE_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{test}: image {image} is missing; run scripts/offline-bases.sh"
        );
        eprintln!("skipping {test}: image {image} is missing (run scripts/offline-bases.sh)");
    }
    found
}

pub fn example_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples")
        .join(name)
}

/// A connected engine that has every image in `images`, or `None` with the
/// reason printed (a failure under DOCKSTAGE_REQUIRE_DOCKER=1).
pub async fn docker_with(test: &str, images: &[&str]) -> Option<Engine> {
    let engine = docker(test).await?;
    for image in images {
        if !has_image(&engine, test, image).await {
            return None;
        }
    }
    Some(engine)
}

/// The Dockerfiles of tests/corpus, in name order.
pub fn corpus_files() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "Dockerfile"))
        .collect();
    files.sort();
    files
}

/// Each corpus file's name and text.
pub fn corpus() -> Vec<(String, String)> {
    corpus_files()
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = p.file_name().unwrap_or_default().to_string_lossy().into();
            (name, text)
        })
        .collect()
}

/// A directory of files under the temporary directory, removed when dropped.
pub struct TempTree(std::path::PathBuf);

impl TempTree {
    /// `dockstage-KIND-NAME-PID` holding `files` (paths may have folders).
    pub fn new(kind: &str, name: &str, files: &[(&str, &str)]) -> TempTree {
        let dir =
            std::env::temp_dir().join(format!("dockstage-{kind}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for (path, text) in files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        }
        TempTree(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The workbench on the Dockerfile in `dir`: its own Docker worker builds
/// the editor's text (F5) once, and every message goes through `update`, as
/// in the terminal. Returns the model when the build has ended.
pub async fn workbench_build(dir: &std::path::Path) -> dockstage::tui::model::Model {
    use dockstage::catalog::Catalog;
    use dockstage::tui::model::{FileState, Model, analyze};
    use dockstage::tui::msg::{Cmd, Msg};
    use dockstage::tui::theme::Theme;
    use dockstage::tui::update::update;
    use dockstage::tui::worker::Workers;
    use std::time::Duration;

    let path = dir.join("Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = FileState {
        path,
        dir: dir.to_path_buf(),
        saved: text.clone(),
        note: None,
    };
    let mut model = Model::new(file, &text, Theme::monochrome());
    let analysis = analyze(&text, Catalog::bundled(), None);
    let version = model.version;
    update(&mut model, Msg::Analyzed(version, Box::new(analysis)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let workers = Workers::spawn(tx, None);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let mut started = false;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        let ready = matches!(msg, Msg::Docker(_));
        let done = matches!(msg, Msg::BuildDone(..));
        for cmd in update(&mut model, msg) {
            workers.send(cmd);
        }
        if ready && !started {
            started = true;
            let f5 = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::F(5));
            for cmd in update(&mut model, Msg::Key(f5)) {
                assert!(matches!(cmd, Cmd::Build { .. }), "{cmd:?}");
                workers.send(cmd);
            }
        }
        if done {
            break;
        }
    }
    workers.shutdown(Duration::from_secs(10)).await;
    model
}
