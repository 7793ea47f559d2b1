//! Headless tests of the workbench's `update`: key sequences in, model and
//! commands out, with the workers' replies (analyses, build events, results)
//! fed in by hand.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::dockerfile::StageIndex;
use dockstage::engine::events::{BuildEvent, Step, StepState};
use dockstage::engine::layers::Layer;
use dockstage::engine::run::RunResult;
use dockstage::ondisk::Seen;
use dockstage::pipeline::Event;
use dockstage::tui::model::{BuildState, DockerStatus, LOG_LIMIT, Model, Overlay, Pane};
use dockstage::tui::msg::{BuildFailure, Cmd, Finished, Msg};
use dockstage::tui::update::update;

mod support;

use support::workbench::{
    FakeBuild, build_ids, ctrl, dark, docker_ready, hello_dir, hello_text, key, open, send,
};

/// A model of `text` as saved on disk, before the worker has answered.
fn model_of(text: &str) -> Model {
    open(&hello_dir(), text, dark())
}

/// What the re-parse worker would answer for the model's current text.
fn analysis_msg(model: &Model) -> Msg {
    support::workbench::analysis(model)
}

fn ready() -> Msg {
    docker_ready("27.5.1")
}

/// The hello example, analysed, with a daemon ready.
fn hello() -> Model {
    let mut model = model_of(&hello_text());
    let msg = analysis_msg(&model);
    assert!(update(&mut model, msg).is_empty());
    assert!(update(&mut model, ready()).is_empty());
    model
}

fn focus(model: &mut Model, pane: Pane) {
    for _ in 0..Pane::ORDER.len() {
        if model.focus == pane {
            return;
        }
        assert!(update(model, key(KeyCode::Tab)).is_empty());
    }
    assert_eq!(model.focus, pane, "Tab never reached {pane:?}");
}

/// The 1-based line of the first editor line containing `needle`.
fn line_of(model: &Model, needle: &str) -> usize {
    model
        .editor
        .lines()
        .iter()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

fn analyze_count(cmds: &[Cmd]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Cmd::Analyze { .. }))
        .count()
}

fn status(model: &Model) -> String {
    model.status.clone().unwrap_or_default()
}

fn finished(size: u64, stdout: &str, stderr: &str, exit: i64) -> Box<Finished> {
    FakeBuild {
        seconds: 3.2,
        steps: 7,
        cached_steps: 5,
        size,
        layers: Some(vec![Layer {
            size_bytes: size,
            created_by: "COPY /hello /hello # buildkit".into(),
            line: Some(41),
            stage: Some(1),
            from_base: false,
        }]),
        run: Some(RunResult {
            exit_code: Some(exit),
            stdout: stdout.into(),
            stderr: stderr.into(),
            duration_ms: 3,
            ..RunResult::default()
        }),
        ..FakeBuild::default()
    }
    .finished()
}

/// F5 from wherever focus is, returning the new build's id.
fn start_build(model: &mut Model) -> u64 {
    let cmds = update(model, key(KeyCode::F(5)));
    let ids = build_ids(&cmds);
    assert_eq!(ids.len(), 1, "F5 should start one build: {cmds:?}");
    ids[0]
}

#[test]
fn choosing_scratch_rewrites_from_reanalyses_and_rebuilds() {
    let mut model = hello();
    assert!(model.text().contains("FROM debian:bookworm-slim"));
    focus(&mut model, Pane::Toggles);
    assert_eq!(model.toggle_selected, 0, "the base row comes first");

    let cmds = update(&mut model, key(KeyCode::Right));
    let text = model.text();
    assert!(text.contains("\nFROM scratch\n"), "{text}");
    assert!(!text.contains("FROM debian"), "{text}");
    assert_eq!(
        cmds,
        vec![Cmd::Analyze {
            version: model.version,
            text: text.clone()
        }],
        "only the re-parse goes out before its analysis is back"
    );
    assert!(model.dirty());

    // The analysis of the edited text comes back: the auto-rebuild starts.
    let msg = analysis_msg(&model);
    let cmds = update(&mut model, msg);
    assert!(
        matches!(&cmds[..], [Cmd::Build { id: 1, text: built, .. }] if *built == text),
        "{cmds:?}"
    );
    assert!(model.is_building());
    assert_eq!(
        model.analysis.as_ref().and_then(|a| a.base.as_deref()),
        Some("scratch")
    );
}

#[test]
fn ctrl_z_undoes_a_base_change_in_one_step() {
    let mut model = hello();
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Right));
    assert!(model.text().contains("FROM scratch"));
    assert!(status(&model).contains("Ctrl-Z"), "{}", status(&model));

    focus(&mut model, Pane::Editor);
    let cmds = update(&mut model, ctrl('z'));
    let text = model.text();
    let runtime_from = model.editor.lines()[line_of(&model, "--from=builder") - 4].clone();
    assert!(
        text.contains("\nFROM debian:bookworm-slim\n"),
        "after one Ctrl-Z the runtime FROM line is {runtime_from:?}"
    );
    assert!(!model.dirty(), "one undo should give back the saved text");
    assert_eq!(analyze_count(&cmds), 1, "an undo is an edit: {cmds:?}");
}

#[test]
fn left_on_the_base_row_goes_the_other_way() {
    let mut model = hello();
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Left));
    let text = model.text();
    assert!(text.contains("\nFROM busybox:stable\n"), "{text}");
}

#[test]
fn a_toggle_during_a_build_cancels_it_and_rebuilds() {
    let mut model = hello();
    assert_eq!(start_build(&mut model), 1);
    update(
        &mut model,
        Msg::Build(
            1,
            Event::Build(BuildEvent::Note {
                text: "from build one".into(),
            }),
        ),
    );
    assert!(model.log.iter().any(|l| l == "from build one"));

    focus(&mut model, Pane::Toggles);
    let strip = 1 + dockstage::dockerfile::edit::Toggle::ALL
        .iter()
        .position(|t| t.name() == "strip")
        .unwrap_or(0);
    for _ in 0..strip {
        update(&mut model, key(KeyCode::Down));
    }
    assert_eq!(model.toggle_selected, strip);
    let cmds = update(&mut model, key(KeyCode::Char(' ')));
    assert!(
        model.text().contains("-ldflags=\"-s -w\""),
        "{}",
        model.text()
    );
    assert!(cmds.contains(&Cmd::CancelBuild(1)), "{cmds:?}");
    assert_eq!(analyze_count(&cmds), 1, "{cmds:?}");
    assert!(
        build_ids(&cmds).is_empty(),
        "the rebuild waits for the analysis"
    );

    let msg = analysis_msg(&model);
    let cmds = update(&mut model, msg);
    assert_eq!(build_ids(&cmds), vec![2]);
    assert!(matches!(model.build, BuildState::Building { id: 2, .. }));

    // Build 1 is still winding down: nothing it says counts.
    let step = Step {
        name: "[builder 5/5] RUN go build -o /hello .".into(),
        line: Some(31),
        stage: Some(StageIndex(0)),
    };
    update(
        &mut model,
        Msg::Build(
            1,
            Event::Build(BuildEvent::Step {
                step: step.clone(),
                state: StepState::Failed("context canceled".into()),
            }),
        ),
    );
    update(
        &mut model,
        Msg::Build(
            1,
            Event::Build(BuildEvent::Log {
                step: Some(step),
                text: "late output".into(),
            }),
        ),
    );
    assert!(model.steps.is_empty(), "{:?}", model.steps);
    assert!(!model.log.iter().any(|l| l.contains("late output")));
    let cmds = update(
        &mut model,
        Msg::BuildDone(1, Ok(finished(1_000, "Hello World!\n", "", 0))),
    );
    assert!(cmds.is_empty());
    assert!(model.variants.is_empty(), "a cancelled build is no variant");
    let cmds = update(
        &mut model,
        Msg::BuildDone(
            1,
            Err(BuildFailure {
                message: "cancelled".into(),
                line: None,
                cancelled: true,
                ..BuildFailure::default()
            }),
        ),
    );
    assert!(cmds.is_empty());
    assert!(matches!(model.build, BuildState::Building { id: 2, .. }));

    // Build 2's events do count.
    update(
        &mut model,
        Msg::Build(
            2,
            Event::Build(BuildEvent::Note {
                text: "from build two".into(),
            }),
        ),
    );
    assert!(model.log.iter().any(|l| l == "from build two"));
    update(
        &mut model,
        Msg::BuildDone(2, Ok(finished(2_000_000, "Hello World!\n", "", 0))),
    );
    assert_eq!(model.build, BuildState::Built);
    assert_eq!(model.variants.len(), 1);
    assert!(
        model.variants[0].flags.contains("strip"),
        "{:?}",
        model.variants[0]
    );
}

#[test]
fn only_the_analysis_of_the_latest_edit_starts_the_rebuild() {
    let mut model = hello();
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Right));
    let stale = analysis_msg(&model);
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Char(' ')));
    assert!(model.text().contains("CGO_ENABLED=0"), "{}", status(&model));
    assert!(
        update(&mut model, stale).is_empty(),
        "a stale analysis builds nothing"
    );
    let msg = analysis_msg(&model);
    assert_eq!(build_ids(&update(&mut model, msg)), vec![1]);
}

#[test]
fn pressing_a_toggle_twice_before_the_reparse_turns_it_back_off() {
    let mut model = hello();
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Down));
    let before = model.text();
    update(&mut model, key(KeyCode::Char(' ')));
    assert_ne!(model.text(), before);
    // The worker has not answered yet: the second press must still flip it.
    update(&mut model, key(KeyCode::Char(' ')));
    assert_eq!(model.text(), before, "status: {}", status(&model));

    // The same for the base: two presses of → go two bases on.
    update(&mut model, key(KeyCode::Up));
    update(&mut model, key(KeyCode::Up));
    update(&mut model, key(KeyCode::Right));
    update(&mut model, key(KeyCode::Right));
    let text = model.text();
    assert!(
        text.contains("\nFROM gcr.io/distroless/static"),
        "status: {}",
        status(&model)
    );
}

#[test]
fn without_auto_rebuild_a_toggle_only_edits() {
    let mut model = hello();
    update(&mut model, key(KeyCode::F(2)));
    assert!(!model.auto_rebuild);
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Right));
    let msg = analysis_msg(&model);
    assert!(update(&mut model, msg).is_empty());
    assert!(!model.is_building());
}

#[test]
fn quitting_with_unsaved_changes_asks_first() {
    let mut model = hello();
    update(&mut model, key(KeyCode::Char('#')));
    assert!(model.dirty());

    assert!(update(&mut model, ctrl('q')).is_empty());
    assert_eq!(model.overlay, Overlay::ConfirmQuit);
    assert!(!model.quit);
    // Any other key stays, and does not reach the editor.
    let text = model.text();
    assert!(update(&mut model, key(KeyCode::Char('x'))).is_empty());
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.text(), text);
    assert!(!model.quit);

    assert!(update(&mut model, ctrl('q')).is_empty());
    assert_eq!(update(&mut model, key(KeyCode::Char('y'))), vec![Cmd::Quit]);
    assert!(model.quit);
}

#[test]
fn save_and_quit_from_the_question_saves_first() {
    let mut model = hello();
    update(&mut model, key(KeyCode::Char('#')));
    update(&mut model, ctrl('q'));
    let cmds = update(&mut model, key(KeyCode::Char('s')));
    assert_eq!(
        cmds,
        vec![Cmd::Save {
            path: model.file.path.clone(),
            text: model.text(),
            was: Seen::Text(hello_text()),
        }]
    );
    assert!(!model.quit, "not before the save is confirmed");
    let path = model.file.path.clone();
    assert_eq!(update(&mut model, Msg::Saved(Ok(path))), vec![Cmd::Quit]);
    assert!(model.quit);
}

#[test]
fn quitting_without_changes_quits_at_once() {
    let mut model = hello();
    assert!(!model.dirty());
    assert_eq!(update(&mut model, ctrl('q')), vec![Cmd::Quit]);
    assert!(model.quit);
    assert_eq!(model.overlay, Overlay::None);
}

#[test]
fn a_toggle_that_does_not_apply_says_why_and_changes_nothing() {
    let text = "FROM alpine:3.20\nRUN echo hi\n";
    let mut model = model_of(text);
    let msgs = [analysis_msg(&model), ready()];
    assert!(send(&mut model, msgs).is_empty());
    let analysis = model.analysis.clone();
    let (_, cgo) = analysis
        .as_ref()
        .and_then(|a| a.toggles.first().cloned())
        .unwrap_or((dockstage::dockerfile::edit::Toggle::Cgo, Ok(false)));
    let Err(why) = cgo else {
        panic!("cgo should not apply to a file with no go build: {cgo:?}");
    };
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Down));
    model.status = None;
    let version = model.version;
    let cmds = update(&mut model, key(KeyCode::Char(' ')));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(model.text(), text);
    assert_eq!(model.version, version);
    let said = status(&model);
    assert!(said.contains("cgo") && said.contains(&why), "{said}");
}

#[test]
fn build_without_a_daemon_names_the_reason() {
    let mut model = model_of(&hello_text());
    let msg = analysis_msg(&model);
    update(&mut model, msg);
    let reason = "connect /var/run/docker.sock: permission denied";
    update(
        &mut model,
        Msg::Docker(DockerStatus::Absent {
            reason: reason.into(),
        }),
    );
    let cmds = update(&mut model, key(KeyCode::F(5)));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(!model.is_building());
    assert!(status(&model).contains(reason), "{}", status(&model));

    // While still connecting, F5 says so too.
    let mut model = model_of(&hello_text());
    assert!(update(&mut model, key(KeyCode::F(5))).is_empty());
    assert!(status(&model).contains("Docker"), "{}", status(&model));
}

#[test]
fn a_finished_build_becomes_a_variant_and_can_be_restored() {
    let mut model = hello();
    let debian = model.text();
    let id = start_build(&mut model);
    update(
        &mut model,
        Msg::BuildDone(
            id,
            Ok(finished(80_000_000, "Hello World!\nsecond line\n", "", 0)),
        ),
    );
    assert_eq!(model.build, BuildState::Built);
    let v = &model.variants[0];
    assert_eq!(v.number, 1);
    assert_eq!(v.base, "debian-slim");
    assert_eq!(v.size_bytes, 80_000_000);
    assert_eq!(v.first_line, "Hello World!");
    assert_eq!(v.run_ok, Some(true));
    assert_eq!(v.dockerfile, debian);
    assert!(model.layers.is_some() && model.run.is_some());

    // Switch to scratch with cgo off, let the auto-rebuild run.
    focus(&mut model, Pane::Toggles);
    update(&mut model, key(KeyCode::Right));
    let msg = analysis_msg(&model);
    let id = build_ids(&update(&mut model, msg))[0];
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Char(' ')));
    let msg = analysis_msg(&model);
    let ids = build_ids(&update(&mut model, msg));
    assert_ne!(ids, vec![id]);
    update(
        &mut model,
        Msg::BuildDone(ids[0], Ok(finished(1_300_000, "Hello World!\n", "", 0))),
    );
    assert_eq!(model.variants.len(), 2);
    let v = &model.variants[1];
    assert_eq!(v.base, "scratch");
    assert!(v.flags.contains("cgo off"), "{}", v.flags);
    let said = status(&model);
    assert!(said.contains("−") && said.contains("vs previous"), "{said}");

    // Back to variant 1 from the table.
    focus(&mut model, Pane::Variants);
    assert_eq!(model.variant_selected, 1, "the newest is selected");
    update(&mut model, key(KeyCode::Up));
    let cmds = update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.text(), debian);
    assert_eq!(analyze_count(&cmds), 1);
    assert!(status(&model).contains("variant 1"), "{}", status(&model));
}

#[test]
fn a_failed_build_marks_its_line_and_moves_the_cursor_there() {
    let mut model = hello();
    let line = line_of(&model, "RUN go build");
    assert!(line > 20, "the go build line is far down: {line}");
    let id = start_build(&mut model);
    update(
        &mut model,
        Msg::Build(
            id,
            Event::Build(BuildEvent::Step {
                step: Step {
                    name: "[builder 5/5] RUN go build -o /hello .".into(),
                    line: Some(line),
                    stage: Some(StageIndex(0)),
                },
                state: StepState::Failed("exit code: 1".into()),
            }),
        ),
    );
    update(
        &mut model,
        Msg::BuildDone(
            id,
            Err(BuildFailure {
                message: "go build exited with 1".into(),
                line: Some(line),
                cancelled: false,
                ..BuildFailure::default()
            }),
        ),
    );
    assert!(matches!(&model.build, BuildState::Failed { line: Some(l), .. } if *l == line));
    assert_eq!(model.failed_line(), Some(line));
    assert_eq!(model.editor.cursor().0, line - 1);
    assert!(status(&model).contains(&format!("line {line}")));
    assert!(matches!(
        model.stage_state(StageIndex(0)),
        Some(StepState::Failed(_))
    ));
    // The editor scrolled so the line is on screen.
    let height = dockstage::tui::ui::layout(model.size, &model)
        .iter()
        .find(|(p, _)| *p == Pane::Editor)
        .map_or(0, |(_, r)| usize::from(r.height) - 2);
    assert!(model.editor_top < line && line <= model.editor_top + height);
    // A new build clears the mark.
    start_build(&mut model);
    assert_eq!(model.failed_line(), None);
}

#[test]
fn a_cancelled_build_is_no_failure() {
    let mut model = hello();
    let id = start_build(&mut model);
    assert_eq!(
        update(&mut model, key(KeyCode::Esc)),
        vec![Cmd::CancelBuild(id)]
    );
    assert_eq!(model.build, BuildState::Idle);
    update(
        &mut model,
        Msg::BuildDone(
            id,
            Err(BuildFailure {
                message: "cancelled".into(),
                line: None,
                cancelled: true,
                ..BuildFailure::default()
            }),
        ),
    );
    assert_eq!(model.build, BuildState::Idle);
    assert_eq!(model.failed_line(), None);
}

#[test]
fn the_log_is_bounded_and_scrolls() {
    let mut model = hello();
    let id = start_build(&mut model);
    for i in 0..LOG_LIMIT + 250 {
        update(
            &mut model,
            Msg::Build(
                id,
                Event::Build(BuildEvent::Log {
                    step: None,
                    text: format!("line {i}"),
                }),
            ),
        );
    }
    assert_eq!(model.log.len(), LOG_LIMIT);
    assert!(
        model
            .log
            .back()
            .is_some_and(|l| l.ends_with(&format!("line {}", LOG_LIMIT + 249)))
    );
    assert!(
        !model.log.iter().any(|l| l.contains("── build")),
        "the oldest went first"
    );
    assert!(!model.log.iter().any(|l| l.ends_with(" line 0")));

    focus(&mut model, Pane::Log);
    assert_eq!(model.log_scroll, 0, "follows the tail");
    update(&mut model, key(KeyCode::Up));
    assert_eq!(model.log_scroll, 1);
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.log_scroll, 11);
    update(&mut model, key(KeyCode::Down));
    assert_eq!(model.log_scroll, 10);
    update(&mut model, key(KeyCode::PageDown));
    update(&mut model, key(KeyCode::PageDown));
    assert_eq!(model.log_scroll, 0, "never below the tail");
    update(&mut model, key(KeyCode::Home));
    assert_eq!(model.log_scroll, LOG_LIMIT);
    update(&mut model, key(KeyCode::PageUp));
    assert_eq!(model.log_scroll, LOG_LIMIT, "never above the head");
    update(&mut model, key(KeyCode::End));
    assert_eq!(model.log_scroll, 0);
}

#[test]
fn ctrl_s_saves_the_text_and_the_reply_clears_dirty() {
    let mut model = hello();
    update(&mut model, key(KeyCode::Char('#')));
    assert!(model.dirty());
    let cmds = update(&mut model, ctrl('s'));
    assert_eq!(
        cmds,
        vec![Cmd::Save {
            path: model.file.path.clone(),
            text: model.text(),
            was: Seen::Text(hello_text()),
        }]
    );
    assert!(model.dirty(), "dirty until the save is confirmed");
    let path = model.file.path.clone();
    assert!(update(&mut model, Msg::Saved(Ok(path))).is_empty());
    assert!(!model.dirty());
    assert!(status(&model).contains("saved"));
    assert_eq!(update(&mut model, ctrl('q')), vec![Cmd::Quit]);
}

#[test]
fn a_failed_save_keeps_dirty_and_says_why() {
    let mut model = hello();
    update(&mut model, key(KeyCode::Char('#')));
    update(&mut model, Msg::Saved(Err("read-only file system".into())));
    assert!(model.dirty());
    assert!(status(&model).contains("read-only file system"));
}

#[test]
fn paste_inserts_into_the_editor() {
    let mut model = hello();
    let cmds = update(&mut model, Msg::Paste("# pasted\r\n# twice\r\n".into()));
    assert_eq!(analyze_count(&cmds), 1);
    let text = model.text();
    assert!(
        text.starts_with("# pasted\n# twice\n# A multi-stage"),
        "{text}"
    );
    assert!(!text.contains('\r'));
    assert!(model.dirty());

    // Elsewhere, a paste does nothing.
    let text = model.text();
    focus(&mut model, Pane::Toggles);
    assert!(update(&mut model, Msg::Paste("nope".into())).is_empty());
    assert_eq!(model.text(), text);
}

#[test]
fn key_releases_are_ignored() {
    let mut model = hello();
    let mut release = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert!(update(&mut model, Msg::Key(release)).is_empty());
    assert!(!model.dirty());
}

#[test]
fn help_opens_outside_the_editor_and_any_key_closes_it() {
    let mut model = hello();
    update(&mut model, key(KeyCode::Char('?')));
    assert_eq!(model.overlay, Overlay::None, "? is text in the editor");
    update(&mut model, key(KeyCode::F(1)));
    assert_eq!(model.overlay, Overlay::Help);
    update(&mut model, key(KeyCode::Char('z')));
    assert_eq!(model.overlay, Overlay::None);
    focus(&mut model, Pane::Graph);
    update(&mut model, key(KeyCode::Char('?')));
    assert_eq!(model.overlay, Overlay::Help);
}

#[test]
fn enter_on_a_stage_goes_to_its_from_line() {
    let mut model = hello();
    focus(&mut model, Pane::Graph);
    update(&mut model, key(KeyCode::Down));
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.focus, Pane::Editor);
    assert_eq!(
        model.editor.cursor().0 + 1,
        line_of(&model, "FROM debian:bookworm-slim")
    );
}

#[test]
fn ctrl_f_searches_and_moves_the_cursor_to_the_match() {
    let mut model = hello();
    send(&mut model, [ctrl('f')]);
    for c in "ENTRYPOINT".chars() {
        send(&mut model, [key(KeyCode::Char(c))]);
    }
    send(&mut model, [key(KeyCode::Enter)]);
    let row = model.editor.cursor().0;
    assert!(
        model.editor.lines()[row].contains("ENTRYPOINT"),
        "cursor on {:?}",
        model.editor.lines()[row]
    );
    assert!(model.status.as_deref().is_some_and(|s| s.contains("found")));
    // Typing in the search prompt did not edit the file.
    assert!(!model.dirty());
}

#[test]
fn a_click_moves_focus_to_the_pane_under_the_mouse() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut model = hello();
    let layout = dockstage::tui::ui::layout(model.size, &model);
    let (_, graph) = layout
        .iter()
        .find(|(p, _)| *p == Pane::Graph)
        .copied()
        .unwrap_or_else(|| unreachable!());
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: graph.x + 2,
        row: graph.y + 2,
        modifiers: KeyModifiers::NONE,
    };
    send(&mut model, [Msg::Mouse(click)]);
    assert_eq!(model.focus, Pane::Graph);
}

/// What the worker reports for one tune attempt.
fn tried(number: usize, dockerfile: &str, size: u64, ok: bool) -> Msg {
    use dockstage::workbench::tune::Attempt;
    Msg::Tune(
        TUNE_ID,
        dockstage::pipeline::Event::Tried {
            attempt: Box::new(Attempt {
                number,
                base: "scratch".into(),
                changes: Vec::new(),
                size_bytes: Some(size),
                build_seconds: 0.5,
                run: Some(RunResult {
                    exit_code: Some(0),
                    stdout: "Hello World!\n".into(),
                    ..RunResult::default()
                }),
                build_error: None,
                ok,
                chosen: false,
                why: String::new(),
                dockerfile: dockerfile.to_string(),
            }),
            steps: Vec::new(),
            image: Some(format!("sha256:tune{number}")),
        },
    )
}

const TUNE_ID: u64 = 1;

/// F8 on hello, then the worker's report of two attempts and the result.
fn tuned_hello() -> (Model, String) {
    tuned_hello_after(|_| {})
}

/// As `tuned_hello`, with `meanwhile` done to the model while the search runs.
fn tuned_hello_after(meanwhile: impl FnOnce(&mut Model)) -> (Model, String) {
    use dockstage::dockerfile::edit::{Change, Toggle, apply_changes};
    use dockstage::pipeline::tune::TuneResult;
    use dockstage::workbench::tune::TuneReport;
    let mut model = hello();
    let cmds = send(&mut model, [key(KeyCode::F(8))]);
    let text = hello_text();
    assert_eq!(
        cmds,
        [Cmd::Tune {
            id: TUNE_ID,
            text: text.clone(),
            dir: hello_dir(),
            args: Vec::new(),
        }]
    );
    assert!(matches!(
        model.build,
        BuildState::Building {
            job: dockstage::tui::model::Job::Tune,
            ..
        }
    ));
    let better = apply_changes(
        &text,
        &[
            Change::Base("scratch".into()),
            Change::Set(Toggle::Strip, true),
        ],
        Catalog::bundled(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    send(
        &mut model,
        [
            tried(1, &text, 75_900_000, true),
            tried(2, &better, 1_208_504, true),
        ],
    );
    assert_eq!(model.variants.len(), 2, "each attempt is a variant");
    let Msg::Tune(_, dockstage::pipeline::Event::Tried { attempt: first, .. }) =
        tried(1, &text, 75_900_000, true)
    else {
        unreachable!()
    };
    let Msg::Tune(
        _,
        dockstage::pipeline::Event::Tried {
            attempt: second, ..
        },
    ) = tried(2, &better, 1_208_504, true)
    else {
        unreachable!()
    };
    let mut second = *second;
    second.chosen = true;
    second.changes = vec![
        Change::Base("scratch".into()),
        Change::Set(Toggle::Strip, true),
    ];
    let result = TuneResult {
        report: TuneReport {
            steps: vec!["scratch → ok, 1.2 MB".into()],
            attempts: vec![*first, second],
            chosen: Some(1),
            problem: None,
        },
        layers: None,
        seconds: 3.0,
    };
    meanwhile(&mut model);
    send(&mut model, [Msg::TuneDone(TUNE_ID, Ok(Box::new(result)))]);
    (model, better)
}

#[test]
fn tune_offers_the_winner_and_writes_only_on_yes() {
    let (mut model, better) = tuned_hello();
    let Overlay::ConfirmTune(offer) = &model.overlay else {
        panic!("no offer: {:?}", model.overlay);
    };
    assert_eq!(offer.summary, "scratch, strip: 1.2 MB (was 75.9 MB)");
    // Nothing is written or changed while the question is open.
    assert_eq!(model.text(), hello_text());
    let cmds = send(&mut model, [key(KeyCode::Char('y'))]);
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.text().trim_end(), better.trim_end());
    let saves: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::Save { path, text, .. } => Some((path.clone(), text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(saves, [(hello_dir().join("Dockerfile"), model.text())]);
    // One Ctrl-Z takes it back.
    send(&mut model, [ctrl('z')]);
    assert_eq!(model.text(), hello_text());
}

#[test]
fn declining_the_tuned_dockerfile_keeps_the_users() {
    let (mut model, better) = tuned_hello();
    let cmds = send(&mut model, [key(KeyCode::Esc)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(model.text(), hello_text());
    assert!(status(&model).contains("kept yours"), "{}", status(&model));
    // e loads it without saving.
    let (mut model, _) = tuned_hello();
    let cmds = send(&mut model, [key(KeyCode::Char('e'))]);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Save { .. })),
        "{cmds:?}"
    );
    assert_eq!(model.text().trim_end(), better.trim_end());
    assert!(model.dirty());
}

#[test]
fn esc_stops_a_tune_and_changes_nothing() {
    let mut model = hello();
    send(&mut model, [key(KeyCode::F(8))]);
    let cmds = send(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(cmds, [Cmd::CancelBuild(TUNE_ID)]);
    send(
        &mut model,
        [Msg::TuneDone(
            TUNE_ID,
            Err(BuildFailure {
                message: "cancelled".into(),
                line: None,
                cancelled: true,
                ..BuildFailure::default()
            }),
        )],
    );
    assert_eq!(model.text(), hello_text());
    assert_eq!(model.overlay, Overlay::None);
}

#[test]
fn the_tune_offer_shows_its_steps_summary_and_keys_at_80x24() {
    use ratatui::{Terminal, backend::TestBackend};
    let (mut model, _) = tuned_hello();
    for size in [(160u16, 45u16), (80, 24)] {
        send(&mut model, [Msg::Resize(size.0, size.1)]);
        let mut terminal =
            Terminal::new(TestBackend::new(size.0, size.1)).unwrap_or_else(|e| panic!("{e}"));
        terminal
            .draw(|f| dockstage::tui::ui::render(&model, f))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = terminal.backend().to_string();
        for needle in [
            "Tune found a smaller image",
            "scratch → ok, 1.2 MB",
            "Tuned: scratch, strip: 1.2 MB (was 75.9 MB)",
            "y  write it to the Dockerfile",
        ] {
            assert!(text.contains(needle), "{needle:?} at {size:?}:\n{text}");
        }
    }
}

#[test]
fn edits_made_while_tuning_are_never_replaced_by_the_offer() {
    let (model, _) = tuned_hello_after(|model| {
        send(model, [key(KeyCode::Char('#'))]);
    });
    assert_eq!(model.overlay, Overlay::None);
    assert!(
        status(&model).contains("changed while tuning"),
        "{}",
        status(&model)
    );
    assert!(model.text().starts_with('#'));
}

#[test]
fn an_open_question_is_not_answered_by_the_offer_and_ctrl_y_is_no_yes() {
    let (model, _) = tuned_hello_after(|model| {
        send(model, [key(KeyCode::F(1))]);
    });
    assert_eq!(model.overlay, Overlay::Help, "what is open stays open");
    assert!(
        status(&model).contains("it is the last variant"),
        "{}",
        status(&model)
    );
    let (mut model, _) = tuned_hello();
    let cmds = send(&mut model, [ctrl('y')]);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Save { .. })),
        "{cmds:?}"
    );
    assert_eq!(model.text(), hello_text());
}

#[test]
fn f6_takes_run_arguments_and_every_build_passes_them() {
    let mut model = hello();
    assert!(send(&mut model, [key(KeyCode::F(6))]).is_empty());
    assert_eq!(model.overlay, Overlay::RunArgs(String::new()));
    let typed: Vec<Msg> = "-e '2+3*4'"
        .chars()
        .map(|c| key(KeyCode::Char(c)))
        .collect();
    assert!(send(&mut model, typed).is_empty());
    let cmds = send(&mut model, [key(KeyCode::Enter)]);
    assert_eq!(model.overlay, Overlay::None);
    assert_eq!(model.run_args, ["-e", "2+3*4"]);
    let [Cmd::Build { args, .. }] = &cmds[..] else {
        panic!("Enter builds and runs with them: {cmds:?}");
    };
    assert_eq!(args, &["-e", "2+3*4"]);
    // F6 again shows them as typed back, Esc keeps them.
    send(&mut model, [key(KeyCode::F(6))]);
    assert_eq!(model.overlay, Overlay::RunArgs("-e '2+3*4'".into()));
    send(&mut model, [key(KeyCode::Esc)]);
    assert_eq!(model.run_args, ["-e", "2+3*4"]);
    // An unclosed quote says so and keeps the line to fix.
    send(&mut model, [key(KeyCode::F(6)), key(KeyCode::Char('\''))]);
    assert!(send(&mut model, [key(KeyCode::Enter)]).is_empty());
    assert!(matches!(model.overlay, Overlay::RunArgs(_)));
    assert!(status(&model).contains("not closed"), "{}", status(&model));
}
