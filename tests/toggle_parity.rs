//! The workbench and `dockstage edit` make the same change to the same file:
//! over every Dockerfile in tests/corpus, every toggle and every base, the
//! keys in the Toggles pane give exactly the bytes `edit` gives, a second
//! press gives the file back, and no change brings a finding of a kind the
//! file did not have before.

mod support;

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use dockstage::dockerfile::{lint::lint, parse};
use dockstage::tui::model::{DockerStatus, FileState, Model, Pane};
use dockstage::tui::msg::Msg;
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use support::corpus;

/// A workbench on `text`, with the Toggles pane focused and no daemon, so a
/// toggle only edits.
fn workbench(text: &str) -> Model {
    let dir = std::env::temp_dir();
    let file = FileState {
        path: dir.join("Dockerfile"),
        dir,
        saved: text.to_string(),
        note: None,
    };
    let theme = Theme::named("dark").unwrap_or_else(|_| Theme::monochrome());
    let mut model = Model::new(file, text, theme);
    model.docker = DockerStatus::Absent {
        reason: "none in this test".into(),
    };
    model.focus = Pane::Toggles;
    model
}

fn press(model: &mut Model, code: KeyCode) {
    let _ = update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Lint rules that judge the choice a toggle makes rather than how the file
/// is written: turning cgo on with a libc-less base is meant to be flagged.
/// JSONArgsRecommended is NoShellInBase's other half: the same shell-form
/// CMD, reported once the new base has a shell.
const ABOUT_THE_CHOICE: [&str; 8] = [
    "CgoWithStaticBase",
    "JSONArgsRecommended",
    "UserWithoutPasswd",
    "MissingCaCertificates",
    "MissingTzdata",
    "NoShellInBase",
    "GoBuildWithoutCacheMount",
    "UnpinnedImage",
];

fn new_findings(before: &str, after: &str) -> BTreeSet<&'static str> {
    let catalog = Catalog::bundled();
    let rules = |text: &str| -> BTreeSet<&'static str> {
        lint(&parse(text), catalog, None)
            .iter()
            .map(|d| d.rule.as_str())
            .filter(|r| !ABOUT_THE_CHOICE.contains(r))
            .collect()
    };
    let old = rules(before);
    rules(after).difference(&old).copied().collect()
}

#[test]
fn every_toggle_gives_the_same_bytes_in_the_workbench_and_in_edit() {
    let catalog = Catalog::bundled();
    let (mut same, mut applied) = (0, 0);
    for (name, text) in corpus() {
        let df = parse(&text);
        let ctx = Context::new(&df, catalog);
        for (row, toggle) in Toggle::ALL.into_iter().enumerate() {
            let mut model = workbench(&text);
            model.toggle_selected = row + 1;
            press(&mut model, KeyCode::Char(' '));
            let Ok(on) = ctx.state(toggle) else {
                assert_eq!(model.text(), text, "{name}: {toggle} does not apply");
                continue;
            };
            let expected = apply_changes(&text, &[Change::Set(toggle, !on)], catalog)
                .unwrap_or_else(|e| panic!("{name}: {toggle}: {e}"));
            assert_eq!(model.text(), expected, "{name}: {toggle} in the workbench");
            let added = new_findings(&text, &expected);
            assert!(
                added.is_empty(),
                "{name}: {toggle}={} brought {added:?}:\n{expected}",
                !on
            );
            press(&mut model, KeyCode::Char(' '));
            assert_eq!(
                model.text(),
                text,
                "{name}: {toggle} twice in the workbench"
            );
            same += 1;
            applied += 1;
        }
    }
    assert!(applied > 100, "only {applied} toggles applied");
    println!("{same} of {applied} toggle changes: identical bytes in the workbench and edit");
}

#[test]
fn every_base_gives_the_same_bytes_in_the_workbench_and_in_edit() {
    let catalog = Catalog::bundled();
    let (mut same, mut changed) = (0, 0);
    for (name, text) in corpus() {
        let mut model = workbench(&text);
        model.toggle_selected = 0;
        for _ in 0..catalog.keys().count() {
            let before = model.text();
            press(&mut model, KeyCode::Right);
            let after = model.text();
            let df = parse(&after);
            let Some(key) = Context::new(&df, catalog).base().map(|b| b.key.clone()) else {
                assert_eq!(after, before, "{name}: a base change that did not apply");
                continue;
            };
            let expected = apply_changes(&before, &[Change::Base(key.clone())], catalog)
                .unwrap_or_else(|e| panic!("{name}: base={key}: {e}"));
            assert_eq!(after, expected, "{name}: base={key} in the workbench");
            let added = new_findings(&before, &after);
            assert!(
                added.is_empty(),
                "{name}: base={key} brought {added:?}:\n{after}"
            );
            changed += usize::from(after != before);
            same += 1;
        }
    }
    assert!(changed > 50, "only {changed} base changes applied");
    println!(
        "{same} base changes ({changed} that changed the text): identical bytes in the workbench and edit"
    );
}

/// The defect this guards: on a single-stage file the workbench replayed
/// the split at the end of the text at the start of the last line, which
/// emptied the builder's ENTRYPOINT and wrote two in the runtime stage.
#[test]
fn a_single_stage_file_splits_the_same_way_in_the_workbench() {
    let text = "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /main .\nENTRYPOINT [\"/main\"]\n";
    let mut model = workbench(text);
    model.toggle_selected = 0;
    press(&mut model, KeyCode::Right);
    let after = model.text();
    assert_eq!(after.matches("ENTRYPOINT").count(), 2, "{after}");
    assert!(!after.contains("\n\n\n"), "{after}");
    let df = parse(&after);
    let key = Context::new(&df, Catalog::bundled())
        .base()
        .map(|b| b.key.clone())
        .unwrap_or_default();
    let expected = apply_changes(text, &[Change::Base(key)], Catalog::bundled());
    assert_eq!(Ok(after), expected);
}
