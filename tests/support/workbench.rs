//! Shared by the workbench's headless tests: a Dockerfile opened in a model,
//! keys as messages, a finished build as the worker would report it, and a
//! frame as text. A fake build stands in for the Docker worker only in
//! tests of what the workbench shows; builds themselves are tested on the
//! real daemon.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::engine::build::{BuildOutcome, BuilderKind};
use dockstage::engine::layers::{ImageLayers, Layer};
use dockstage::engine::run::RunResult;
use dockstage::engine::session::{ContextSent, ContextTransfer};
use dockstage::tui::model::{DockerStatus, FileState, Model, analyze};
use dockstage::tui::msg::{Cmd, Finished, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn hello_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/hello")
}

pub fn hello_text() -> String {
    std::fs::read_to_string(hello_dir().join("Dockerfile")).unwrap_or_default()
}

pub fn dark() -> Theme {
    Theme::named("dark").unwrap_or_else(|_| Theme::monochrome())
}

/// `text` open in the workbench as the Dockerfile of `dir`, saved as is.
pub fn open(dir: &Path, text: &str, theme: Theme) -> Model {
    let file = FileState {
        path: dir.join("Dockerfile"),
        dir: dir.to_path_buf(),
        saved: text.to_string(),
        note: None,
    };
    Model::new(file, text, theme)
}

/// The analysis of the model's text, as the analysis worker sends it.
pub fn analysis(model: &Model) -> Msg {
    Msg::Analyzed(
        model.version,
        Box::new(analyze(&model.text(), Catalog::bundled(), None)),
    )
}

/// A daemon that answered, with the version the frame shows.
pub fn docker_ready(version: &str) -> Msg {
    Msg::Docker(DockerStatus::Ready {
        version: version.into(),
        endpoint: "unix:///var/run/docker.sock".into(),
    })
}

/// The hello example, analysed, with a daemon ready, at `size`.
pub fn hello(theme: Theme, size: (u16, u16)) -> Model {
    let mut model = open(&hello_dir(), &hello_text(), theme);
    let analysed = analysis(&model);
    send(
        &mut model,
        [
            analysed,
            docker_ready("27.5.1"),
            Msg::Resize(size.0, size.1),
        ],
    );
    model
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn send(model: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter().flat_map(|m| update(model, m)).collect()
}

/// Sends `msg` and plays the analysis worker's part: every Analyze is
/// answered at once. Returns every command, the answered ones included.
pub fn drive(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut queue = vec![msg];
    while let Some(msg) = queue.pop() {
        for cmd in update(model, msg) {
            if let Cmd::Analyze { version, text } = &cmd {
                queue.push(Msg::Analyzed(
                    *version,
                    Box::new(analyze(text, Catalog::bundled(), None)),
                ));
            }
            out.push(cmd);
        }
    }
    out
}

/// The ids of the builds that `cmds` start.
pub fn build_ids(cmds: &[Cmd]) -> Vec<u64> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Build { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

/// The workbench drawn on a terminal of `size`, for its text and styles.
pub fn draw(model: &Model, size: (u16, u16)) -> Terminal<TestBackend> {
    let mut terminal = match Terminal::new(TestBackend::new(size.0, size.1)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    if let Err(e) = terminal.draw(|f| dockstage::tui::ui::render(model, f)) {
        match e {}
    }
    terminal
}

/// The frame at `size`, as text.
pub fn screen_at(model: &Model, size: (u16, u16)) -> String {
    draw(model, size).backend().to_string()
}

/// The frame at the model's size, as text.
pub fn screen(model: &Model) -> String {
    screen_at(model, model.size)
}

/// The hello program's run: "Hello World!", exit 0.
pub fn hello_run() -> RunResult {
    RunResult {
        exit_code: Some(0),
        stdout: "Hello World!\n".into(),
        duration_ms: 3,
        ..RunResult::default()
    }
}

/// A finished build as the Docker worker reports it, with what a test
/// needs to vary and the rest plain.
#[derive(Debug, Clone)]
pub struct FakeBuild {
    pub image_id: String,
    pub seconds: f64,
    pub steps: usize,
    pub cached_steps: usize,
    pub size: u64,
    /// The image's layers; by default one `COPY` layer of the whole size.
    pub layers: Option<Vec<Layer>>,
    pub run: Option<RunResult>,
}

impl Default for FakeBuild {
    fn default() -> Self {
        FakeBuild {
            image_id: "sha256:0123456789ab".into(),
            seconds: 0.1,
            steps: 0,
            cached_steps: 0,
            size: 1_400_000,
            layers: None,
            run: Some(hello_run()),
        }
    }
}

impl FakeBuild {
    pub fn finished(self) -> Box<Finished> {
        let layers = self.layers.unwrap_or_else(|| {
            vec![Layer {
                size_bytes: self.size,
                created_by: "COPY /hello /hello # buildkit".into(),
                line: Some(42),
                stage: Some(1),
                from_base: false,
            }]
        });
        Box::new(Finished {
            outcome: BuildOutcome {
                image_id: self.image_id.clone(),
                builder: BuilderKind::Buildkit,
                seconds: self.seconds,
                steps: self.steps,
                cached_steps: self.cached_steps,
                context_transfer: ContextTransfer::Session,
                context_sent: ContextSent::default(),
            },
            layers: ImageLayers {
                image_id: self.image_id,
                size_bytes: self.size,
                layers,
            },
            run: self.run,
            explanation: None,
        })
    }

    /// `BuildDone` of build `id`.
    pub fn done(self, id: u64) -> Msg {
        Msg::BuildDone(id, Ok(self.finished()))
    }
}
