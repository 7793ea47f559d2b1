//! The workbench says why the cache missed: the first cause on the status
//! line and in the log, the stage where it broke and the stages that only
//! reran marked in the Stages pane, and the build remembered for the next.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::pipeline::Event;
use dockstage::tui::model::Model;
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::workbench::cache_misses::{BuildRecord, CacheMiss, MissCause};

mod support;

use support::workbench::{FakeBuild, dark, screen, send};

/// The hello example, analysed, with a daemon ready, on a wide screen.
fn hello() -> Model {
    support::workbench::hello(dark(), (160, 45))
}

/// F5: the build's id and the record it was given to compare with.
fn start_build(model: &mut Model) -> (u64, Option<Arc<BuildRecord>>) {
    let cmds = send(
        model,
        [Msg::Key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE))],
    );
    match &cmds[..] {
        [Cmd::Build { id, previous, .. }] => (*id, previous.clone()),
        other => panic!("F5 should start one build: {other:?}"),
    }
}

fn done(id: u64) -> Msg {
    FakeBuild {
        steps: 8,
        cached_steps: 4,
        layers: Some(Vec::new()),
        run: None,
        ..FakeBuild::default()
    }
    .done(id)
}

fn miss(line: usize, stage: &str, cause: MissCause, files: &[&str]) -> CacheMiss {
    CacheMiss {
        line,
        stage: stage.into(),
        cause,
        files: files.iter().map(|f| f.to_string()).collect(),
        args: Vec::new(),
        removed: None,
    }
}

#[test]
fn the_cause_is_on_the_status_line_in_the_log_and_on_the_graph() {
    let mut model = hello();
    let (id, previous) = start_build(&mut model);
    assert!(
        previous.is_none(),
        "a first build has nothing to compare with"
    );
    let record = Arc::new(BuildRecord::default());
    let misses = vec![
        miss(28, "builder", MissCause::FilesChanged, &["main.go"]),
        miss(33, "builder", MissCause::PreviousStepRan, &[]),
        miss(42, "stage-1", MissCause::PreviousStepRan, &[]),
    ];
    send(
        &mut model,
        [
            Msg::Build(
                id,
                Event::CacheMisses {
                    misses,
                    record: Arc::clone(&record),
                },
            ),
            done(id),
        ],
    );
    let status = model.status.clone().unwrap_or_default();
    assert!(
        status.contains("cache broke at line 28: main.go changed"),
        "{status}"
    );
    let log: Vec<&String> = model.log.iter().collect();
    assert!(
        log.iter()
            .any(|l| l.as_str() == "cache broke at line 28: main.go changed"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("l.42 reran: a step it builds on ran")),
        "{log:?}"
    );
    let drawn = screen(&model);
    assert!(drawn.contains("↯ l.28"), "{drawn}");
    assert!(drawn.contains("↻"), "{drawn}");

    // The next build compares with this one.
    let (_, previous) = start_build(&mut model);
    assert_eq!(previous.as_deref(), Some(&*record));
    assert!(model.cache_misses.is_empty(), "a new build starts unmarked");
}

#[test]
fn a_first_build_marks_nothing() {
    let mut model = hello();
    let (id, _) = start_build(&mut model);
    send(
        &mut model,
        [
            Msg::Build(
                id,
                Event::CacheMisses {
                    misses: vec![
                        miss(12, "builder", MissCause::FirstBuild, &[]),
                        miss(15, "builder", MissCause::PreviousStepRan, &[]),
                    ],
                    record: Arc::new(BuildRecord::default()),
                },
            ),
            done(id),
        ],
    );
    let status = model.status.clone().unwrap_or_default();
    assert!(!status.contains("cache broke"), "{status}");
    let drawn = screen(&model);
    assert!(!drawn.contains('↯') && !drawn.contains('↻'), "{drawn}");
}
