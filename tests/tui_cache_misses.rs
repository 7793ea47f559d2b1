//! The workbench says why the cache missed: the first cause on the status
//! line and in the log, the stage where it broke and the stages that only
//! reran marked in the Stages pane, and the build remembered for the next.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::engine::build::{BuildOutcome, BuilderKind};
use dockstage::engine::layers::ImageLayers;
use dockstage::engine::session::{ContextSent, ContextTransfer};
use dockstage::pipeline::Event;
use dockstage::tui::model::{DockerStatus, FileState, Model, analyze};
use dockstage::tui::msg::{Cmd, Finished, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::workbench::cache_misses::{BuildRecord, CacheMiss, MissCause};
use ratatui::{Terminal, backend::TestBackend};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/hello")
}

/// The hello example, analysed, with a daemon ready, on a wide screen.
fn hello() -> Model {
    let dir = example_dir();
    let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap_or_default();
    let file = FileState {
        path: dir.join("Dockerfile"),
        dir,
        saved: text.clone(),
        note: None,
    };
    let theme = Theme::named("dark").unwrap_or_else(|_| Theme::monochrome());
    let mut model = Model::new(file, &text, theme);
    let analysis = Msg::Analyzed(
        model.version,
        Box::new(analyze(&model.text(), Catalog::bundled(), None)),
    );
    send(&mut model, [analysis]);
    send(
        &mut model,
        [
            Msg::Docker(DockerStatus::Ready {
                version: "27.5.1".into(),
                endpoint: "unix:///var/run/docker.sock".into(),
            }),
            Msg::Resize(160, 45),
        ],
    );
    model
}

fn send(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter().flat_map(|m| update(model, m)).collect()
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
    Msg::BuildDone(
        id,
        Ok(Box::new(Finished {
            outcome: BuildOutcome {
                image_id: "sha256:0123456789ab".into(),
                builder: BuilderKind::Buildkit,
                seconds: 0.1,
                steps: 8,
                cached_steps: 4,
                context_transfer: ContextTransfer::Session,
                context_sent: ContextSent::default(),
            },
            layers: ImageLayers {
                image_id: "sha256:0123456789ab".into(),
                size_bytes: 1_400_000,
                layers: Vec::new(),
            },
            run: None,
            explanation: None,
        })),
    )
}

fn miss(line: usize, stage: &str, cause: MissCause, files: &[&str]) -> CacheMiss {
    CacheMiss {
        line,
        stage: stage.into(),
        cause,
        files: files.iter().map(|f| f.to_string()).collect(),
        args: Vec::new(),
    }
}

fn screen(model: &Model) -> String {
    let (w, h) = model.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("{e}"));
    terminal
        .draw(|f| dockstage::tui::ui::render(model, f))
        .unwrap_or_else(|e| panic!("{e}"));
    terminal.backend().to_string()
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
