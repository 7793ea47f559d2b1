//! The lesson pane and how a step is done, headless: a step is done by its
//! check on the workbench's state (never by a key press), the pane shows the
//! step, the progress and the hint, and `dockstage learn` lists the progress
//! kept under the data directory.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::tui::lesson::LessonRun;
use dockstage::tui::model::{FileState, Model, analyze};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::workbench::lesson::{Lesson, Progress};

mod support;

use support::workbench::screen_at as screen;

const DOCKERFILE: &str = "FROM golang:1.24 AS builder\nRUN go build -o /app .\n\nFROM stratch\nCOPY --from=builder /app /app\n";

/// A lesson whose first step waits for the typo to be fixed and whose
/// second waits for a build.
fn lesson() -> Lesson {
    let toml = r#"
title = "A typo"
sees = "lint finds it"

[[step]]
do = "Fix the base's spelling."
checks = [{ kind = "lint_clean", rule = "MisspeltBase" }, { kind = "text", contains = "FROM scratch" }]
hint = "It is one letter off scratch."
learned = "Lint knows the well-known names."
try = ["F5"]

[[step]]
do = "Press F5."
checks = [{ kind = "built" }]
hint = "F5 builds."
learned = "It built."
try = ["F5"]
"#;
    let files = vec![
        (PathBuf::from("lesson.toml"), toml.as_bytes().to_vec()),
        (PathBuf::from("Dockerfile"), DOCKERFILE.as_bytes().to_vec()),
        (PathBuf::from("go.mod"), b"module x\n\ngo 1.24\n".to_vec()),
    ];
    Lesson::from_files("typo", "typo", files).unwrap_or_else(|e| panic!("{e}"))
}

fn model(lesson: Lesson) -> Model {
    let dir = Path::new("/tmp/dockstage-lesson-headless");
    let file = FileState {
        path: dir.join("Dockerfile"),
        dir: dir.to_path_buf(),
        saved: DOCKERFILE.to_string(),
        note: None,
    };
    let mut model = Model::new(file, DOCKERFILE, Theme::monochrome());
    model.lesson = Some(LessonRun::new(lesson, Progress::default()));
    analyzed(&mut model);
    model
}

/// What the analysis worker would send for the text as it is.
fn analyzed(model: &mut Model) -> Vec<Cmd> {
    let analysis = analyze(&model.text(), Catalog::bundled(), None);
    update(model, Msg::Analyzed(model.version, Box::new(analysis)))
}

fn key(model: &mut Model, code: KeyCode) -> Vec<Cmd> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn done(model: &Model) -> usize {
    model.lesson.as_ref().map_or(0, |l| l.progress.done)
}

#[test]
fn a_step_is_done_by_its_check_never_by_a_key() {
    let mut m = model(lesson());
    assert_eq!(done(&m), 0, "the typo is there, so step 1 is not done");
    // Keys that change nothing the check reads leave the step as it is.
    for code in [KeyCode::F(3), KeyCode::F(3), KeyCode::Down, KeyCode::Tab] {
        key(&mut m, code);
    }
    assert_eq!(done(&m), 0);
    // Fix the typo: `stratch` → `scratch` on line 4.
    m.focus = dockstage::tui::model::Pane::Editor;
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::CONTROL)),
    );
    for code in [KeyCode::Down, KeyCode::Down, KeyCode::Down] {
        key(&mut m, code);
    }
    for _ in 0..5 {
        key(&mut m, KeyCode::Right);
    }
    for _ in 0..7 {
        key(&mut m, KeyCode::Delete);
    }
    for c in "scratch".chars() {
        key(&mut m, KeyCode::Char(c));
    }
    assert!(m.text().contains("FROM scratch\n"), "{}", m.text());
    assert_eq!(
        done(&m),
        0,
        "the step waits for the analysis of the new text"
    );
    let cmds = analyzed(&mut m);
    assert_eq!(done(&m), 1, "the fixed typo does step 1");
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Cmd::SaveLessonProgress { name, progress } if name == "typo" && progress.done == 1
        )),
        "the progress is saved: {cmds:?}"
    );
    // Step 2 waits for a build made after it began.
    assert_eq!(done(&m), 1);
    let shown = screen(&m, (160, 45));
    assert!(shown.contains("step 2 of 2"), "{shown}");
    assert!(
        shown.contains("✓ Lint knows the well-known names."),
        "{shown}"
    );
    assert!(shown.contains("▶ Press F5."), "{shown}");
}

/// Types `text` at the start of the file.
fn type_at_top(m: &mut Model, text: &str) {
    m.focus = dockstage::tui::model::Pane::Editor;
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::CONTROL)),
    );
    for c in text.chars() {
        key(m, KeyCode::Char(c));
    }
}

#[test]
fn f4_starts_the_lesson_over_only_when_the_learner_says_so() {
    let mut m = model(lesson());
    let fixed = DOCKERFILE.replace("stratch", "scratch");
    // The learner's own text, with step 1 done.
    let opened = Msg::Opened {
        path: m.file.path.clone(),
        version: m.version,
        text: Ok(fixed),
    };
    update(&mut m, opened);
    analyzed(&mut m);
    assert_eq!(done(&m), 1);
    type_at_top(&mut m, "# mine\n");

    // Any key but y keeps everything.
    key(&mut m, KeyCode::F(4));
    assert!(screen(&m, (160, 45)).contains("Start the lesson over?"));
    assert!(key(&mut m, KeyCode::Char('n')).is_empty());
    assert_eq!(done(&m), 1);
    assert!(m.text().starts_with("# mine"));

    // y: back to step 1, and the worker brings the lesson's own file.
    key(&mut m, KeyCode::F(4));
    let cmds = key(&mut m, KeyCode::Char('y'));
    let version = match &cmds[..] {
        [Cmd::ResetLesson { lesson, version }] if lesson.name == "typo" => *version,
        other => panic!("y should reset the lesson: {other:?}"),
    };
    assert_eq!(done(&m), 0, "the progress starts over");
    assert!(m.variants.is_empty());
    // The old text (typo fixed) must not do step 1 before the fresh copy is in.
    analyzed(&mut m);
    assert_eq!(done(&m), 0, "checked against the learner's old text");
    let fresh = Msg::Opened {
        path: m.file.path.clone(),
        version,
        text: Ok(DOCKERFILE.to_string()),
    };
    update(&mut m, fresh);
    analyzed(&mut m);
    assert_eq!(m.text(), DOCKERFILE);
    assert!(!m.dirty(), "the fresh copy is what is on disk");
    assert_eq!(done(&m), 0, "the typo is back, so step 1 waits again");
}

#[test]
fn the_lesson_pane_shows_the_step_the_progress_and_the_hint_at_both_sizes() {
    let mut m = model(lesson());
    for size in [(160, 45), (80, 24)] {
        key(&mut m, KeyCode::F(3));
        update(&mut m, Msg::Resize(size.0, size.1));
        let shown = screen(&m, size);
        assert!(shown.contains("Lesson · A typo · step 1 of 2"), "{shown}");
        assert!(shown.contains("▶ Fix the base's spelling."), "{shown}");
        assert!(
            shown.contains("Hint: It is one letter off scratch."),
            "{shown}"
        );
        insta::assert_snapshot!(format!("lesson_hint_{}x{}", size.0, size.1), shown);
        key(&mut m, KeyCode::F(3));
        let shown = screen(&m, size);
        assert!(
            !shown.contains("Hint: ") && shown.contains("F3: a hint"),
            "{shown}"
        );
    }
}

#[test]
fn dockstage_learn_lists_the_progress_kept_under_the_data_directory() {
    let data = std::env::temp_dir().join(format!("dockstage-learn-list-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let progress = data.join("dockstage/progress");
    std::fs::create_dir_all(&progress).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        progress.join("cgo-scratch.toml"),
        "done = 1\nstep_ms = [900]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(progress.join("ca-certs.toml"), "done = 3\n").unwrap_or_else(|e| panic!("{e}"));
    // A progress file that cannot be read is a lesson not started.
    std::fs::write(progress.join("cache-bust.toml"), "done = [").unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["learn", "--format", "text"])
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} is not listed:\n{text}"))
            .to_string()
    };
    assert!(line("cgo-scratch").contains("1/2 steps"), "{text}");
    assert!(line("ca-certs").contains("done"), "{text}");
    assert!(line("cache-bust").contains("not started"), "{text}");
    assert!(line("size-collapse").contains("not started"), "{text}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn presenter_mode_keeps_the_lesson_pane_for_the_room() {
    let mut m = model(lesson());
    key(&mut m, KeyCode::F(9));
    assert!(m.present, "F9 turns presenter mode on");
    update(&mut m, Msg::Resize(100, 30));
    let shown = screen(&m, (100, 30));
    assert!(shown.contains("Lesson · A typo · step 1 of 2"), "{shown}");
    assert!(shown.contains("▶ Fix the base's spelling."), "{shown}");
}

/// `t` in the Stages pane: F5 builds that stage, the graph draws it as the
/// target (the stages it does not need dimmed), and `t` on the last stage
/// goes back to the whole file.
#[test]
fn t_in_the_stages_pane_builds_one_stage_and_the_graph_shows_it() {
    const THREE: &str = "FROM golang:1.24 AS builder\nRUN go build -o /app .\n\nFROM builder AS dev\nRUN go vet ./...\n\nFROM scratch AS runtime\nCOPY --from=builder /app /app\n";
    let dir = Path::new("/tmp/dockstage-target-headless");
    let file = FileState {
        path: dir.join("Dockerfile"),
        dir: dir.to_path_buf(),
        saved: THREE.to_string(),
        note: None,
    };
    let mut m = Model::new(file, THREE, Theme::monochrome());
    analyzed(&mut m);
    m.docker = dockstage::tui::model::DockerStatus::Ready {
        version: "20.10".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
    };
    let graph = |m: &Model| m.analysis.as_ref().map(|a| a.graph.clone());
    assert_eq!(graph(&m).and_then(|g| g.target).map(|t| t.0), Some(2));
    m.focus = dockstage::tui::model::Pane::Graph;
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char('t'));
    assert_eq!(m.target.as_deref(), Some("dev"));
    let g = graph(&m).unwrap_or_default();
    assert_eq!(g.target.map(|t| t.0), Some(1), "dev is drawn as the target");
    assert!(
        g.is_unused(dockstage::dockerfile::StageIndex(2)),
        "runtime is not needed for dev"
    );
    let cmds = key(&mut m, KeyCode::F(5));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Build { target: Some(t), .. } if t == "dev")),
        "{cmds:?}"
    );
    // A new analysis (after an edit) keeps drawing dev as the target.
    analyzed(&mut m);
    assert_eq!(graph(&m).and_then(|g| g.target).map(|t| t.0), Some(1));
    key(&mut m, KeyCode::Down);
    key(&mut m, KeyCode::Char('t'));
    assert_eq!(m.target, None);
    assert_eq!(graph(&m).and_then(|g| g.target).map(|t| t.0), Some(2));
}
