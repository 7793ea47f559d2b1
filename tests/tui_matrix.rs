//! F7 in the workbench, on the real daemon: the matrix of bases runs on the
//! editor's text through the workers and the pipeline, each variant lands in
//! the variants table as it is measured, and the smallest that behaves like
//! the file as written is offered, written only on the user's word.

mod support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::tui::model::{BuildState, FileState, Model, Overlay};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::tui::worker::Workers;
use tokio::sync::mpsc;

fn send(model: &mut Model, workers: &Workers, msg: Msg) {
    for cmd in update(model, msg) {
        assert_ne!(cmd, Cmd::Quit);
        workers.send(cmd);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_lands_every_base_in_the_table_and_offers_the_smallest_that_behaves_the_same() {
    let test = "tui_matrix";
    let Some(_engine) = support::docker_with(
        test,
        &["golang:1.24", "debian:bookworm-slim", "busybox:stable"],
    )
    .await
    else {
        return;
    };
    let hello = support::example_dir("hello");
    let dockerfile = std::fs::read_to_string(hello.join("Dockerfile")).unwrap_or_default();
    let main_go = std::fs::read_to_string(hello.join("main.go")).unwrap_or_default();
    let go_mod = std::fs::read_to_string(hello.join("go.mod")).unwrap_or_default();
    let tree = support::TempTree::new(
        "tui-matrix",
        "hello",
        &[
            ("Dockerfile", &dockerfile),
            ("main.go", &main_go),
            ("go.mod", &go_mod),
        ],
    );
    let file = FileState {
        path: tree.path().join("Dockerfile"),
        dir: tree.path().to_path_buf(),
        saved: dockerfile.clone(),
        note: None,
    };
    let mut model = Model::new(file, &dockerfile, Theme::monochrome());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let workers = Workers::spawn(tx, None);

    // Wait for the daemon, then F7.
    let limit = tokio::time::Instant::now() + Duration::from_secs(300);
    let mut next = async |model: &mut Model| {
        let msg = tokio::time::timeout_at(limit, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; status {:?}", model.status))
            .unwrap_or_else(|| panic!("the workers stopped"));
        send(model, &workers, msg);
    };
    while !matches!(
        model.docker,
        dockstage::tui::model::DockerStatus::Ready { .. }
    ) {
        next(&mut model).await;
    }
    let before = model.variants.len();
    send(
        &mut model,
        &workers,
        Msg::Key(KeyEvent::new(KeyCode::F(7), KeyModifiers::NONE)),
    );
    assert!(model.is_building(), "{:?}", model.status);
    let mut landed_while_running = 0;
    while model.is_building() {
        next(&mut model).await;
        if model.is_building() {
            landed_while_running = model.variants.len() - before;
        }
    }
    assert_eq!(model.build, BuildState::Built, "{:?}", model.status);
    let added = model.variants.len() - before;
    // The file as written and at least scratch, busybox and debian-slim.
    assert!(added >= 4, "{added} variants: {:?}", model.variants);
    assert!(
        landed_while_running >= 1,
        "variants should land while the others still run"
    );
    let Overlay::ConfirmTune(offer) = &model.overlay else {
        panic!(
            "the smallest that behaves the same is offered: {:?}",
            model.status
        );
    };
    assert!(
        offer.dockerfile.contains("FROM scratch"),
        "{}",
        offer.dockerfile
    );
    assert!(offer.summary.starts_with("scratch"), "{}", offer.summary);
    assert!(
        offer.steps.iter().any(|s| s.starts_with("★ scratch")),
        "{:?}",
        offer.steps
    );
    // Nothing written until the user says so; `e` loads it into the editor.
    let on_disk = std::fs::read_to_string(tree.path().join("Dockerfile")).unwrap_or_default();
    assert_eq!(on_disk, dockerfile);
    send(
        &mut model,
        &workers,
        Msg::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::NONE)),
    );
    assert!(model.text().contains("FROM scratch"));
    let on_disk = std::fs::read_to_string(tree.path().join("Dockerfile")).unwrap_or_default();
    assert_eq!(on_disk, dockerfile);
}
