//! What the workbench records and says when a build or a tune ends: the
//! variant is the text that was built, the stage boxes stop waiting, a tune
//! that saved nothing worth a percent offers nothing, and two different
//! files never share a label in the variants table.

use crossterm::event::KeyCode;
use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, Toggle, apply_changes};
use dockstage::pipeline::Event;
use dockstage::pipeline::tune::TuneResult;
use dockstage::tui::model::{Model, Overlay, Pane};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::workbench::tune::{Attempt, TuneReport};

mod support;

use support::workbench::{FakeBuild, dark, hello_run, hello_text, key, screen, send};

/// The hello example, analysed, with a daemon ready, on a wide screen.
fn hello() -> Model {
    support::workbench::hello(dark(), (160, 45))
}

fn focus(model: &mut Model, pane: Pane) {
    for _ in 0..Pane::ORDER.len() {
        if model.focus == pane {
            return;
        }
        send(model, [key(KeyCode::Tab)]);
    }
    assert_eq!(model.focus, pane, "Tab never reached {pane:?}");
}

/// F5, returning the build's id and the text sent to be built.
fn start_build(model: &mut Model) -> (u64, String) {
    let cmds = send(model, [key(KeyCode::F(5))]);
    match &cmds[..] {
        [Cmd::Build { id, text, .. }] => (*id, text.clone()),
        other => panic!("F5 should start one build: {other:?}"),
    }
}

/// A finished build and run with no step events: a reused image reports none.
fn done(id: u64, size: u64) -> Msg {
    FakeBuild {
        size,
        ..FakeBuild::default()
    }
    .done(id)
}

#[test]
fn a_variant_records_the_text_that_was_built_not_what_was_typed_since() {
    let mut model = hello();
    let (id, built) = start_build(&mut model);
    focus(&mut model, Pane::Editor);
    send(&mut model, [key(KeyCode::Char('#'))]);
    assert_ne!(model.text(), built, "the typing changed the editor");
    send(&mut model, [done(id, 1_400_000)]);
    let variant = model
        .variants
        .last()
        .unwrap_or_else(|| panic!("no variant"));
    assert_eq!(variant.dockerfile, built);
    // Enter on it puts back what was built.
    focus(&mut model, Pane::Variants);
    send(&mut model, [key(KeyCode::Enter)]);
    assert_eq!(model.text(), built);
}

#[test]
fn the_stage_boxes_stop_waiting_when_the_build_ends_without_step_events() {
    let mut model = hello();
    let (id, _) = start_build(&mut model);
    assert!(
        screen(&model).contains("· waiting"),
        "while building, stages with no step yet wait"
    );
    send(&mut model, [done(id, 76_900_000)]);
    let shown = screen(&model);
    assert!(!shown.contains("waiting"), "{shown}");
    assert!(shown.contains("76.9 MB"), "{shown}");
}

/// An attempt as the tune worker reports it.
fn attempt(number: usize, dockerfile: &str, size: u64) -> Attempt {
    Attempt {
        number,
        base: "debian-slim".into(),
        changes: Vec::new(),
        size_bytes: Some(size),
        build_seconds: 0.5,
        run: Some(hello_run()),
        build_error: None,
        ok: true,
        chosen: false,
        why: String::new(),
        dockerfile: dockerfile.to_string(),
    }
}

/// F8 on hello; the reference and a stripped copy `saved` bytes smaller are
/// tried, and the stripped one is chosen.
fn tune_saving(saved: u64) -> Model {
    let mut model = hello();
    let cmds = send(&mut model, [key(KeyCode::F(8))]);
    let Some(Cmd::Tune { id, text, .. }) = cmds.first().cloned() else {
        panic!("F8 should start a tune: {cmds:?}");
    };
    let stripped = apply_changes(
        &text,
        &[Change::Set(Toggle::Strip, true)],
        Catalog::bundled(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let reference = attempt(1, &text, 76_900_000);
    let mut best = attempt(2, &stripped, 76_900_000 - saved);
    best.chosen = true;
    for a in [&reference, &best] {
        let event = Event::Tried {
            attempt: Box::new(a.clone()),
            steps: Vec::new(),
            image: None,
        };
        send(&mut model, [Msg::Tune(id, event)]);
    }
    let result = TuneResult {
        report: TuneReport {
            steps: vec!["as written (debian-slim): 76.9 MB — the reference".into()],
            attempts: vec![reference, best],
            chosen: Some(1),
            problem: None,
        },
        layers: None,
        seconds: 2.0,
    };
    send(&mut model, [Msg::TuneDone(id, Ok(Box::new(result)))]);
    model
}

#[test]
fn a_tune_that_saves_under_one_percent_found_nothing_smaller() {
    let model = tune_saving(300_000);
    assert_eq!(model.overlay, Overlay::None);
    let status = model.status.clone().unwrap_or_default();
    assert!(
        status.contains("nothing smaller than the Dockerfile as written"),
        "{status}"
    );
    let shown = screen(&model);
    assert!(!shown.contains("Tune found a smaller image"), "{shown}");
    assert!(!shown.contains("waiting"), "after a tune: {shown}");
    assert_eq!(model.text(), hello_text());
}

#[test]
fn a_tune_that_saves_more_is_still_offered() {
    let model = tune_saving(1_500_000);
    assert!(
        matches!(model.overlay, Overlay::ConfirmTune(_)),
        "{:?}",
        model.status
    );
}

#[test]
fn two_builds_of_different_files_with_the_same_toggles_get_different_labels() {
    let mut model = hello();
    let (first, _) = start_build(&mut model);
    send(&mut model, [done(first, 76_900_000)]);
    // A comment in front: no toggle changes, but it is another file.
    focus(&mut model, Pane::Editor);
    send(&mut model, [key(KeyCode::Char('#'))]);
    let (second, _) = start_build(&mut model);
    send(&mut model, [done(second, 76_900_000)]);
    let labels: Vec<String> = model
        .variants
        .iter()
        .map(|v| format!("{} {}", v.base, v.flags_label()))
        .collect();
    assert_eq!(labels.len(), 2);
    assert_ne!(labels[0], labels[1]);
    let shown = screen(&model);
    let rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains("debian-slim") && l.contains("76.9 MB") && l.contains("ok"))
        .collect();
    assert_eq!(rows.len(), 2, "{shown}");
    assert!(rows[1].contains("l.1 ≠ #1"), "{shown}");
}

/// A build of one stage (`t` in the Stages pane, `--target`) is recorded as
/// that stage in the variants table, not under the last stage's base.
#[test]
fn a_build_of_one_stage_is_labelled_by_that_stage() {
    let mut model = hello();
    focus(&mut model, Pane::Graph);
    send(&mut model, [key(KeyCode::Char('t'))]);
    assert_eq!(model.target.as_deref(), Some("builder"));
    let (id, _) = start_build(&mut model);
    send(&mut model, [done(id, 650_000_000)]);
    let v = model.variants.last().map(|v| v.base.clone());
    assert_eq!(v.as_deref(), Some("stage builder"));
}
