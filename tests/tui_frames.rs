//! Whole-screen snapshots of the workbench on a `TestBackend`, cell-style
//! asserts where colour carries meaning, and a sweep of terminal sizes that
//! checks nothing panics or draws over anything else.

use crossterm::event::KeyCode;
use dockstage::catalog::Catalog;
use dockstage::dockerfile::{StageIndex, parse};
use dockstage::engine::EngineError;
use dockstage::engine::events::{BuildEvent, FailedStep, Step, StepState};
use dockstage::engine::layers::Layer;
use dockstage::engine::run::RunResult;
use dockstage::pipeline::Event;
use dockstage::pipeline::build::failed_run_explanation;
use dockstage::tui::model::{DockerStatus, Model, Pane, analyze};
use dockstage::tui::msg::Msg;
use dockstage::tui::theme::Theme;
use dockstage::tui::ui::layout;
use dockstage::tui::update::update;
use dockstage::tui::worker::build_failure;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::text::Line;

const WIDE: (u16, u16) = (160, 45);
const SMALL: (u16, u16) = (80, 24);

mod support;

use support::workbench::{
    FakeBuild, build_ids, ctrl, dark, docker_ready, draw, hello_dir, hello_run, hello_text, key,
    open,
};

fn model_with(text: &str, theme: Theme, size: (u16, u16)) -> Model {
    let mut model = open(&hello_dir(), text, theme);
    update(&mut model, Msg::Resize(size.0, size.1));
    model
}

/// Runs the worker's side too: analyses for every Analyze command, and the
/// id of every build started.
fn drive(model: &mut Model, msg: Msg) -> Vec<u64> {
    build_ids(&support::workbench::drive(model, msg))
}

fn line_of(model: &Model, needle: &str) -> usize {
    model
        .editor
        .lines()
        .iter()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

fn step(model: &Model, stage: usize, n: usize, needle: &str) -> Step {
    let label = if stage == 0 { "builder" } else { "stage-1" };
    let line = line_of(model, needle);
    Step {
        name: format!("[{label} {n}/5] {}", model.editor.lines()[line - 1]),
        line: Some(line),
        stage: Some(StageIndex(stage)),
    }
}

fn step_event(id: u64, step: Step, state: StepState) -> Msg {
    Msg::Build(id, Event::Build(BuildEvent::Step { step, state }))
}

fn finished(size: u64, layers: Vec<Layer>, run: RunResult) -> Msg {
    FakeBuild {
        image_id: "sha256:5e1f0c2a9b7d".into(),
        seconds: 4.2,
        steps: 7,
        cached_steps: 5,
        size,
        layers: Some(layers),
        run: Some(run),
    }
    .done(0)
}

/// Sends a BuildDone built by `finished` for build `id`, with the reading
/// of a failed run that the pipeline gives `dockstage build` too.
fn done(model: &mut Model, id: u64, msg: Msg) {
    let Msg::BuildDone(_, mut result) = msg else {
        return;
    };
    if let Ok(finished) = &mut result {
        finished.explanation = finished
            .run
            .as_ref()
            .and_then(|r| failed_run_explanation(r, &parse(&model.text())));
    }
    drive(model, Msg::BuildDone(id, result));
}

fn debian_layers() -> Vec<Layer> {
    vec![
        Layer {
            size_bytes: 74_800_000,
            created_by: "# debian.sh --arch 'amd64' out/ 'bookworm' '@1700000000'".into(),
            line: None,
            stage: None,
            from_base: true,
        },
        Layer {
            size_bytes: 2_100_000,
            created_by: "COPY /hello /hello # buildkit".into(),
            line: Some(42),
            stage: Some(1),
            from_base: false,
        },
        Layer {
            size_bytes: 0,
            created_by: "ENTRYPOINT [\"/hello\"]".into(),
            line: Some(46),
            stage: Some(1),
            from_base: false,
        },
    ]
}

fn scratch_layers(size: u64) -> Vec<Layer> {
    vec![
        Layer {
            size_bytes: size,
            created_by: "COPY /hello /hello # buildkit".into(),
            line: Some(42),
            stage: Some(1),
            from_base: false,
        },
        Layer {
            size_bytes: 0,
            created_by: "ENTRYPOINT [\"/hello\"]".into(),
            line: Some(46),
            stage: Some(1),
            from_base: false,
        },
    ]
}

/// The states the screen is snapshotted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    Idle,
    Building,
    Built,
    FailedRun,
    FailedBuild,
    NoDaemon,
    Help,
    ConfirmQuit,
}

const STATES: [State; 9] = [
    State::Empty,
    State::Idle,
    State::Building,
    State::Built,
    State::FailedRun,
    State::FailedBuild,
    State::NoDaemon,
    State::Help,
    State::ConfirmQuit,
];

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Empty => "empty",
            State::Idle => "idle",
            State::Building => "building",
            State::Built => "built",
            State::FailedRun => "failed_run",
            State::FailedBuild => "failed_build",
            State::NoDaemon => "no_daemon",
            State::Help => "help",
            State::ConfirmQuit => "confirm_quit",
        }
    }
}

fn ready() -> Msg {
    docker_ready("27.5.1")
}

/// The hello example in `state`, laid out for `size`.
fn model_in(state: State, theme: Theme, size: (u16, u16)) -> Model {
    let text = hello_text();
    let mut model = model_with(&text, theme, size);
    if state == State::Empty {
        return model;
    }
    let version = model.version;
    drive(
        &mut model,
        Msg::Analyzed(version, Box::new(analyze(&text, Catalog::bundled(), None))),
    );
    if state == State::NoDaemon {
        drive(
            &mut model,
            Msg::Docker(DockerStatus::Absent {
                reason: "no socket at /var/run/docker.sock".into(),
            }),
        );
        drive(&mut model, key(KeyCode::F(5)));
        return model;
    }
    drive(&mut model, ready());
    match state {
        State::Empty | State::NoDaemon | State::Idle => {}
        State::Help => {
            drive(&mut model, key(KeyCode::F(1)));
        }
        State::ConfirmQuit => {
            drive(&mut model, key(KeyCode::Char('#')));
            drive(&mut model, ctrl('q'));
        }
        State::Building => {
            let id = drive(&mut model, key(KeyCode::F(5)))[0];
            let steps = [
                (step(&model, 0, 1, "FROM golang"), StepState::Cached),
                (step(&model, 0, 2, "WORKDIR /src"), StepState::Cached),
                (step(&model, 0, 3, "COPY go.mod"), StepState::Cached),
                (step(&model, 0, 4, "RUN go mod download"), StepState::Cached),
                (step(&model, 0, 5, "COPY . ."), StepState::Done),
                (step(&model, 0, 6, "RUN go build"), StepState::Running),
            ];
            for (s, state) in steps {
                drive(&mut model, step_event(id, s, state));
            }
            let s = step(&model, 0, 6, "RUN go build");
            drive(
                &mut model,
                Msg::Build(
                    id,
                    Event::Build(BuildEvent::Log {
                        step: Some(s),
                        text: "go: downloading nothing, compiling main".into(),
                    }),
                ),
            );
        }
        State::Built => {
            let id = drive(&mut model, key(KeyCode::F(5)))[0];
            done(
                &mut model,
                id,
                finished(76_900_000, debian_layers(), hello_run()),
            );
            // Now scratch with cgo off: the auto-rebuild after each toggle.
            drive(&mut model, key(KeyCode::Tab));
            drive(&mut model, key(KeyCode::Right));
            drive(&mut model, key(KeyCode::Down));
            let ids = drive(&mut model, key(KeyCode::Char(' ')));
            let id = ids[0];
            for (s, st) in [
                (step(&model, 0, 1, "FROM golang"), StepState::Cached),
                (step(&model, 0, 5, "go build -o"), StepState::Done),
                (step(&model, 1, 1, "COPY --from"), StepState::Done),
            ] {
                drive(&mut model, step_event(id, s, st));
            }
            done(
                &mut model,
                id,
                finished(1_400_000, scratch_layers(1_400_000), hello_run()),
            );
            drive(&mut model, key(KeyCode::BackTab));
        }
        State::FailedRun => {
            drive(&mut model, key(KeyCode::Tab));
            let id = drive(&mut model, key(KeyCode::Right))[0];
            for (s, st) in [
                (step(&model, 0, 1, "FROM golang"), StepState::Cached),
                (step(&model, 0, 5, "go build -o"), StepState::Cached),
                (step(&model, 1, 1, "COPY --from"), StepState::Done),
            ] {
                drive(&mut model, step_event(id, s, st));
            }
            done(
                &mut model,
                id,
                finished(
                    2_100_000,
                    scratch_layers(2_100_000),
                    RunResult {
                        exit_code: Some(1),
                        stderr: "exec /hello: no such file or directory\n".into(),
                        duration_ms: 41,
                        ..RunResult::default()
                    },
                ),
            );
            drive(&mut model, key(KeyCode::BackTab));
        }
        State::FailedBuild => {
            let id = drive(&mut model, key(KeyCode::F(5)))[0];
            let s = step(&model, 0, 5, "RUN go build");
            let line = s.line;
            drive(&mut model, step_event(id, s.clone(), StepState::Running));
            drive(
                &mut model,
                Msg::Build(
                    id,
                    Event::Build(BuildEvent::Log {
                        step: Some(s.clone()),
                        text: "./main.go:9:2: undefined: fmt.Printn".into(),
                    }),
                ),
            );
            drive(
                &mut model,
                step_event(id, s.clone(), StepState::Failed("exit code: 1".into())),
            );
            // The failure goes through the worker's own conversion, so the
            // frame shows the explanation `dockstage build` would print.
            let error = EngineError::BuildFailed {
                line,
                message: "go build exited with 1".into(),
                steps: vec![FailedStep {
                    step: s,
                    error: "go build exited with 1".into(),
                    log: vec!["./main.go:9:2: undefined: fmt.Printn".into()],
                    base: Some("golang:1.24".into()),
                    base_standin: false,
                }],
            };
            let failure = build_failure(error, &model.text());
            drive(&mut model, Msg::BuildDone(id, Err(failure)));
        }
    }
    model
}

/// The screen as text, with the building clock (the one thing that moves
/// with time) blanked.
fn screen(model: &Model, size: (u16, u16)) -> String {
    let text = draw(model, size).backend().to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("building ") {
        let (head, tail) = rest.split_at(at + "building ".len());
        out.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && tail[digits..].starts_with(" s") {
            out.push_str(&"#".repeat(digits));
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn snapshots_of_every_state_at_both_sizes() {
    for state in STATES {
        for size in [WIDE, SMALL] {
            let model = model_in(state, dark(), size);
            let name = format!("{}_{}x{}", state.name(), size.0, size.1);
            insta::assert_snapshot!(name, screen(&model, size));
        }
    }
}

#[test]
fn compact_snapshots_of_the_run_and_the_variants() {
    let mut model = model_in(State::FailedRun, dark(), SMALL);
    for _ in 0..4 {
        update(&mut model, key(KeyCode::Tab));
    }
    assert_eq!(model.focus, Pane::Log);
    insta::assert_snapshot!("failed_run_log_80x24", screen(&model, SMALL));

    let mut model = model_in(State::Built, dark(), SMALL);
    update(&mut model, key(KeyCode::BackTab));
    assert_eq!(model.focus, Pane::Variants);
    insta::assert_snapshot!("built_variants_80x24", screen(&model, SMALL));
}

/// Where `needle` is drawn: its cells' x positions and the row, searching
/// only columns in `xs`.
fn find(buf: &Buffer, needle: &str, xs: std::ops::Range<u16>) -> Option<(Vec<u16>, u16)> {
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut at = Vec::new();
        for x in xs.clone() {
            let sym = buf[(x, y)].symbol();
            at.push((row.len(), x));
            row.push_str(sym);
        }
        if let Some(start) = row.find(needle) {
            let end = start + needle.len();
            let cells = at
                .iter()
                .filter(|(b, _)| *b >= start && *b < end)
                .map(|(_, x)| *x)
                .collect();
            return Some((cells, y));
        }
    }
    None
}

fn pane_columns(model: &Model, size: (u16, u16), pane: Pane) -> std::ops::Range<u16> {
    layout(size, model)
        .iter()
        .find(|(p, _)| *p == pane)
        .map_or(0..size.0, |(_, r)| r.x..r.right())
}

#[test]
fn the_failing_line_is_drawn_in_the_error_colour() {
    let theme = dark();
    let model = model_in(State::FailedBuild, theme.clone(), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let cols = pane_columns(&model, WIDE, Pane::Editor);
    let Some((cells, y)) = find(buf, "RUN go build -o /hello .", cols.clone()) else {
        panic!("the failing line is not on screen:\n{}", terminal.backend());
    };
    for x in cells {
        assert_eq!(buf[(x, y)].fg, theme.error, "cell {x},{y}");
    }
    let Some((mark, my)) = find(buf, "✗", cols.clone()) else {
        panic!("no ✗ in the gutter:\n{}", terminal.backend());
    };
    assert_eq!(my, y, "the gutter mark is on the failing line");
    assert_eq!(buf[(mark[0], y)].fg, theme.error);

    // A line that did not fail keeps its syntax colours.
    let Some((cells, y)) = find(buf, "RUN go mod download", cols) else {
        panic!("the go mod line is not on screen:\n{}", terminal.backend());
    };
    assert!(cells.iter().all(|&x| buf[(x, y)].fg != theme.error));
}

#[test]
fn without_colour_the_failing_line_is_reversed() {
    let model = model_in(State::FailedBuild, Theme::monochrome(), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let cols = pane_columns(&model, WIDE, Pane::Editor);
    let Some((cells, y)) = find(buf, "RUN go build -o /hello .", cols) else {
        panic!("the failing line is not on screen:\n{}", terminal.backend());
    };
    for x in cells {
        assert!(
            buf[(x, y)].modifier.contains(Modifier::REVERSED),
            "cell {x},{y}"
        );
        assert_eq!(buf[(x, y)].fg, Color::Reset);
    }
}

#[test]
fn a_failed_stage_is_drawn_in_the_error_colour() {
    let theme = dark();
    let model = model_in(State::FailedBuild, theme.clone(), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let cols = pane_columns(&model, WIDE, Pane::Graph);
    let Some((cells, y)) = find(buf, " builder ", cols.clone()) else {
        panic!("no builder stage in the graph:\n{}", terminal.backend());
    };
    for x in cells {
        assert_eq!(buf[(x, y)].fg, theme.error, "cell {x},{y}");
    }
    assert!(find(buf, "failed", cols.clone()).is_some());
    // The runtime stage did not fail.
    let Some((cells, y)) = find(buf, " stage-1 ", cols) else {
        panic!("no runtime stage in the graph:\n{}", terminal.backend());
    };
    assert!(cells.iter().all(|&x| buf[(x, y)].fg != theme.error));
}

#[test]
fn a_toggle_that_does_not_apply_is_crossed_out() {
    let theme = dark();
    let text = "FROM alpine:3.20\nRUN echo hi\n";
    let mut model = model_with(text, theme, WIDE);
    let version = model.version;
    drive(
        &mut model,
        Msg::Analyzed(version, Box::new(analyze(text, Catalog::bundled(), None))),
    );
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let cols = pane_columns(&model, WIDE, Pane::Toggles);
    let Some((cells, y)) = find(buf, "n/a", cols) else {
        panic!("no disabled toggle:\n{}", terminal.backend());
    };
    for x in cells {
        assert!(
            buf[(x, y)].modifier.contains(Modifier::CROSSED_OUT),
            "cell {x},{y}"
        );
    }
    // In the hello example every toggle applies: nothing is crossed out.
    let model = model_in(State::Idle, dark(), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let crossed = buf
        .content
        .iter()
        .filter(|c| c.modifier.contains(Modifier::CROSSED_OUT))
        .count();
    assert_eq!(crossed, 0, "\n{}", terminal.backend());
}

#[test]
fn a_failed_run_says_so_in_the_error_colour_with_the_reason() {
    let theme = dark();
    let model = model_in(State::FailedRun, theme.clone(), WIDE);
    let terminal = draw(&model, WIDE);
    let buf = terminal.backend().buffer();
    let cols = pane_columns(&model, WIDE, Pane::Log);
    let Some((cells, y)) = find(buf, "exit 1", cols.clone()) else {
        panic!("no exit code:\n{}", terminal.backend());
    };
    assert!(cells.iter().all(|&x| buf[(x, y)].fg == theme.error));
    assert!(find(buf, "exec /hello: no such file or directory", cols.clone()).is_some());
    assert!(find(buf, "dynamically linked", cols).is_some());
}

/// Checks a drawn screen: every row is exactly `width` columns, nothing is
/// hidden under a wide character, and the panes' corners are intact (no
/// text ran over a border).
fn check_screen(model: &Model, state: State, size: (u16, u16)) {
    let terminal = draw(model, size);
    let buf = terminal.backend().buffer();
    let show = || {
        format!(
            "{state:?} at {}x{}:\n{}",
            size.0,
            size.1,
            terminal.backend()
        )
    };
    for y in 0..size.1 {
        let mut width = 0usize;
        let mut skip = 0usize;
        for x in 0..size.0 {
            let cell = &buf[(x, y)];
            if skip > 0 {
                assert!(
                    cell.symbol() == " " || cell.symbol().is_empty(),
                    "{:?} at {x},{y} is hidden by a wide character: {}",
                    cell.symbol(),
                    show()
                );
                skip -= 1;
                continue;
            }
            let w = Line::from(cell.symbol()).width();
            width += w;
            skip = w.saturating_sub(1);
        }
        assert!(
            width <= usize::from(size.0),
            "row {y} is {width} wide: {}",
            show()
        );
    }
    if size.0 < 20 || size.1 < 6 || model.overlay != dockstage::tui::model::Overlay::None {
        return;
    }
    let compact = dockstage::tui::ui::is_compact(size) && !model.present;
    for (pane, r) in layout(size, model) {
        if r.width < 2 || r.height < 2 {
            continue;
        }
        let top = if compact && pane != Pane::Editor {
            r.y + 1
        } else {
            r.y
        };
        if top + 1 >= r.bottom() {
            continue;
        }
        // The focused pane has a double border: focus shows without colour.
        let corners = if pane == model.focus {
            [
                (r.x, top, "╔"),
                (r.right() - 1, top, "╗"),
                (r.x, r.bottom() - 1, "╚"),
                (r.right() - 1, r.bottom() - 1, "╝"),
            ]
        } else {
            [
                (r.x, top, "┌"),
                (r.right() - 1, top, "┐"),
                (r.x, r.bottom() - 1, "└"),
                (r.right() - 1, r.bottom() - 1, "┘"),
            ]
        };
        for (x, y, want) in corners {
            assert_eq!(
                buf[(x, y)].symbol(),
                want,
                "{pane:?}'s corner at {x},{y}: {}",
                show()
            );
        }
    }
}

#[test]
fn every_size_renders_without_panics_or_overlaps() {
    let widths = [
        1, 10, 19, 20, 21, 24, 30, 40, 59, 60, 79, 80, 81, 100, 119, 120, 121, 159, 160, 200,
    ];
    let heights = [1, 5, 6, 7, 8, 10, 12, 15, 20, 23, 24, 31, 32, 33, 45, 60];
    for state in STATES {
        let mut model = model_in(state, dark(), WIDE);
        for &w in &widths {
            for &h in &heights {
                update(&mut model, Msg::Resize(w, h));
                check_screen(&model, state, (w, h));
            }
        }
    }
}

#[test]
fn a_drawn_screen_matches_the_layout_used_for_clicks() {
    // update() scrolls the editor with the layout of model.size; render uses
    // the frame. They must agree, or the cursor scrolls off screen.
    for size in [WIDE, SMALL] {
        let model = model_in(State::FailedBuild, dark(), size);
        let terminal = draw(&model, size);
        let buf = terminal.backend().buffer();
        let cols = pane_columns(&model, size, Pane::Editor);
        assert!(
            find(buf, "RUN go build", cols).is_some(),
            "the failing line scrolled off at {}x{}:\n{}",
            size.0,
            size.1,
            terminal.backend()
        );
    }
}

#[test]
fn the_help_shows_every_key_and_how_to_close_it() {
    for size in [WIDE, SMALL] {
        let model = model_in(State::Help, dark(), size);
        let text = screen(&model, size);
        for needle in [
            "F5, Ctrl-R",
            "quit (asks when there are unsaved changes)",
            "F1, ?",
            "Any key closes this help.",
        ] {
            assert!(
                text.contains(needle),
                "{needle:?} is not on the help at {}x{}:\n{text}",
                size.0,
                size.1
            );
        }
    }
}

#[test]
fn the_compact_variants_table_shows_size_and_run_result() {
    let mut model = model_in(State::Built, dark(), SMALL);
    update(&mut model, key(KeyCode::BackTab));
    let text = screen(&model, SMALL);
    let row = text
        .lines()
        .find(|l| l.contains(" 2 scratch"))
        .unwrap_or_default();
    assert!(
        row.contains("1.4 MB") && row.contains("ok"),
        "the scratch variant's row shows neither its size nor its run result:\n{text}"
    );
}

#[test]
fn the_status_line_keys_end_at_the_right_edge() {
    for size in [WIDE, SMALL] {
        let model = model_in(State::Idle, dark(), size);
        let text = screen(&model, size);
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.ends_with("^Q quit \""),
            "the key hints do not end at the right edge at {}x{}: {last}",
            size.0,
            size.1
        );
    }
}
