//! All the workbench's state, owned by the event loop and changed only by
//! `update`. Rendering reads it and nothing else.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui_textarea::TextArea;

use super::compare::Compare;
use super::file_switch::FileSwitch;
use super::files_view::{FilesLoad, FilesView};
use super::highlight::Highlighted;
use super::keycast::KeyCast;
use super::msg::BuildId;
use super::on_disk::{Disk, DiskConflict};
use super::theme::Theme;
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Context, Toggle};
use crate::dockerfile::lint::lint_context;
use crate::dockerfile::{Diagnostic, StageGraph, StageIndex, parse};
use crate::engine::events::StepState;
use crate::engine::images::LocalImage;
use crate::engine::layers::ImageLayers;
use crate::goproject::GoFacts;
use crate::outcome::RunResult;
use crate::workbench::cache_misses::{BuildRecord, CacheMiss, MissCause};
use crate::workbench::explain::Explanation;
use crate::workbench::variant::Variant;

/// The most build log lines kept; older ones scroll away.
pub const LOG_LIMIT: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Editor,
    Toggles,
    Graph,
    Layers,
    Log,
    Variants,
}

impl Pane {
    pub const ORDER: [Pane; 6] = [
        Pane::Editor,
        Pane::Toggles,
        Pane::Graph,
        Pane::Layers,
        Pane::Log,
        Pane::Variants,
    ];

    /// The short name on the compact layout's tab bar.
    pub fn tab(self) -> &'static str {
        match self {
            Pane::Editor => "Edit",
            Pane::Toggles => "Toggles",
            Pane::Graph => "Stages",
            Pane::Layers => "Layers",
            Pane::Log => "Run",
            Pane::Variants => "Variants",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Editor => "Dockerfile",
            Pane::Toggles => "Toggles",
            Pane::Graph => "Stages",
            Pane::Layers => "Layers",
            Pane::Log => "Build · Run",
            Pane::Variants => "Variants",
        }
    }
}

/// What the parse of the current text says, computed off the input path.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub graph: StageGraph,
    pub diagnostics: Vec<Diagnostic>,
    /// Each toggle's state, or why it does not apply.
    pub toggles: Vec<(Toggle, Result<bool, String>)>,
    /// What a toggle's on/off leaves out, e.g. a user given by name.
    pub toggle_notes: Vec<(Toggle, String)>,
    /// The catalog key of the runtime base, when it is one.
    pub base: Option<String>,
    /// Instruction lines per stage, to colour stages from their steps.
    pub stage_lines: Vec<Vec<usize>>,
}

/// Parses, graphs and lints `text`: the re-parse job.
pub fn analyze(text: &str, catalog: &Catalog, facts: Option<&GoFacts>) -> Analysis {
    let df = parse(text);
    // One graph and one set of go commands serve lint, the toggles and the base.
    let ctx = Context::new(&df, catalog);
    let diagnostics = lint_context(&ctx, facts);
    let toggles = Toggle::ALL
        .iter()
        .map(|&t| (t, ctx.state(t).map_err(|e| e.0)))
        .collect();
    let toggle_notes = Toggle::ALL
        .iter()
        .filter_map(|&t| Some((t, ctx.note(t)?)))
        .collect();
    let base = ctx.base().map(|b| b.key.clone());
    let stage_lines = ctx
        .graph
        .stages
        .iter()
        .map(|s| {
            df.items
                .get(s.from_item..s.end_item)
                .unwrap_or(&[])
                .iter()
                .filter_map(|i| match &i.kind {
                    crate::dockerfile::ItemKind::Instruction(ins) => Some(ins.line),
                    _ => None,
                })
                .collect()
        })
        .collect();
    Analysis {
        graph: ctx.graph,
        diagnostics,
        toggles,
        toggle_notes,
        base,
        stage_lines,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerStatus {
    Connecting,
    Ready { version: String, endpoint: String },
    Absent { reason: String },
}

/// What a running job is, for the status line and for routing its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Build,
    Tune,
    Matrix,
}

impl Job {
    /// The word the status line shows while it runs.
    pub fn doing(self) -> &'static str {
        match self {
            Job::Build => "building",
            Job::Tune => "tuning",
            Job::Matrix => "matrix",
        }
    }
}

/// Where the current build stands.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildState {
    Idle,
    Building {
        id: BuildId,
        started: Instant,
        /// A tune search rather than one build.
        job: Job,
        /// The text sent to be built: the variant records this, not the
        /// editor's text when the build ends, which the user may have changed.
        dockerfile: String,
        /// The stage built (`--target`); `None` for the last.
        target: Option<String>,
    },
    Built,
    Failed {
        message: String,
        line: Option<usize>,
        /// Other lines that failed with it.
        other_lines: Vec<usize>,
    },
}

/// The file being edited and where it lives.
#[derive(Debug, Clone)]
pub struct FileState {
    pub path: PathBuf,
    /// The build context directory.
    pub dir: PathBuf,
    /// The text as last saved, to tell whether there are unsaved changes.
    pub saved: String,
    /// Shown in the status line, e.g. where the bundled example was copied.
    pub note: Option<String>,
}

/// A question that needs an answer before anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    ConfirmQuit,
    Search(String),
    /// F6: the run arguments being typed, as one line.
    RunArgs(String),
    /// A crash left unsaved work; the user decides whether to take it back.
    RestoreOffer(String),
    /// Tune found a smaller Dockerfile; nothing is written until the user says so.
    ConfirmTune(Box<TunedOffer>),
    /// A file changed on disk since the workbench read or wrote it.
    ChangedOnDisk(Box<DiskConflict>),
    /// Ctrl-O: the project's Dockerfiles, one to open.
    OpenFile(FileSwitch),
    /// Opening another file would drop unsaved changes: save, drop or stay.
    ConfirmOpen(PathBuf),
    /// F4 in a lesson: start it over, losing the learner's edits, or not.
    ConfirmLessonReset,
}

/// What tune found, as the confirmation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunedOffer {
    pub dockerfile: String,
    /// "scratch, strip, trimpath: 1.2 MB (was 75.9 MB)".
    pub summary: String,
    pub steps: Vec<String>,
    /// Shown in the Layers and Run panes once the user takes it.
    pub layers: Option<ImageLayers>,
    pub run: Option<RunResult>,
}

pub struct Model {
    pub file: FileState,
    /// What the files the workbench writes held when it last saw them.
    pub disk: Disk,
    pub editor: TextArea<'static>,
    /// The first editor line on screen, kept so the cursor stays visible.
    pub editor_top: usize,
    /// The text differs from `file.saved`; see `dirty()`.
    unsaved: bool,
    /// Editor history entries per user action, so one Ctrl-Z undoes a toggle.
    pub undo_groups: Vec<usize>,
    pub redo_groups: Vec<usize>,
    /// Bumped on every edit; analyses for older versions are dropped.
    pub version: u64,
    pub analysis: Option<Analysis>,
    pub analyzed_version: u64,
    pub highlighted: Highlighted,
    pub focus: Pane,
    pub overlay: Overlay,
    pub docker: DockerStatus,
    /// Catalog image → present locally (and whether a stand-in).
    pub images: HashMap<String, Option<LocalImage>>,
    pub build: BuildState,
    pub next_build: BuildId,
    /// Step state per Dockerfile line, for the graph and the gutter.
    pub steps: HashMap<usize, StepState>,
    /// Why the last build's steps missed the cache, for the graph, the log
    /// and the status line.
    pub cache_misses: Vec<CacheMiss>,
    /// What the last build of each Dockerfile (by path) was made from, kept
    /// for this session so the next build can say why the cache missed.
    pub build_memory: HashMap<PathBuf, Arc<BuildRecord>>,
    pub log: VecDeque<String>,
    /// Lines scrolled up from the tail; 0 follows the tail.
    pub log_scroll: usize,
    pub layers: Option<ImageLayers>,
    pub layer_selected: usize,
    pub run: Option<RunResult>,
    pub explanation: Option<Explanation>,
    pub variants: Vec<Variant>,
    pub variant_selected: usize,
    pub toggle_selected: usize,
    /// Arguments every run gets, in place of the image's CMD (F6).
    pub run_args: Vec<String>,
    pub graph_selected: usize,
    pub auto_rebuild: bool,
    /// A rebuild waits for the analysis of the edit that asked for it.
    pub pending_build: bool,
    pub status: Option<String>,
    pub theme: Theme,
    /// Presenter mode (F9, `--present`): fewer, larger panes for a projector.
    pub present: bool,
    /// The theme to go back to when presenter mode ends.
    pub theme_before_present: Option<Theme>,
    /// The last keys pressed, shown in presenter mode.
    pub keycast: KeyCast,
    /// The time as of the app's last tick: what rendering reads instead of
    /// a clock, so a frame depends on the model alone.
    pub now: Instant,
    pub catalog: &'static Catalog,
    pub quit: bool,
    /// Quit because of a signal, with no chance to ask about unsaved work.
    pub terminated: bool,
    pub size: (u16, u16),
    /// The stage F5 builds (`--target`), chosen in the Stages pane; `None`
    /// builds the last stage, as `docker build` does.
    pub target: Option<String>,
    /// The last build that ended, ok or failed, for the lesson's checks.
    pub last_build: Option<LastBuild>,
    /// The lesson being followed (`dockstage learn NAME`).
    pub lesson: Option<super::lesson::LessonRun>,
    /// What each image's export held, by image id, read once per session.
    pub files: HashMap<String, FilesLoad>,
    /// The Files view of the last build's image, when open (Enter or `f`
    /// in the Layers pane).
    pub files_view: Option<FilesView>,
    /// The variant `m` marked in the Variants pane, to compare with (`d`).
    pub variant_marked: Option<usize>,
    /// Two variants' images compared, when shown.
    pub compare: Option<Compare>,
}

/// A build that ended, as the lesson checks read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LastBuild {
    /// Counts builds that ended in this session, so a step waits for a
    /// build made after it began.
    pub number: u64,
    pub dockerfile: String,
    /// The runtime base's catalog key, read once from `dockerfile`.
    pub base: Option<String>,
    pub target: Option<String>,
    pub failure: Option<String>,
}

/// A fresh editor holding `text`, with no history.
pub fn editor_of(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = if text.is_empty() {
        vec![String::new()]
    } else {
        text.lines().map(str::to_string).collect()
    };
    let mut editor = TextArea::new(lines);
    editor.set_max_histories(500);
    editor
}

impl Model {
    pub fn new(file: FileState, text: &str, theme: Theme) -> Model {
        let editor = editor_of(text);
        let disk = Disk {
            seen: crate::ondisk::Seen::Text(file.saved.clone()),
            ..Disk::default()
        };
        let mut model = Model {
            file,
            disk,
            editor,
            editor_top: 0,
            unsaved: false,
            undo_groups: Vec::new(),
            redo_groups: Vec::new(),
            version: 1,
            analysis: None,
            analyzed_version: 0,
            highlighted: Highlighted::default(),
            focus: Pane::Editor,
            overlay: Overlay::None,
            docker: DockerStatus::Connecting,
            images: HashMap::new(),
            build: BuildState::Idle,
            next_build: 1,
            steps: HashMap::new(),
            cache_misses: Vec::new(),
            build_memory: HashMap::new(),
            log: VecDeque::new(),
            log_scroll: 0,
            layers: None,
            layer_selected: 0,
            run: None,
            explanation: None,
            variants: Vec::new(),
            variant_selected: 0,
            toggle_selected: 0,
            run_args: Vec::new(),
            graph_selected: 0,
            auto_rebuild: true,
            pending_build: false,
            status: None,
            theme,
            present: false,
            theme_before_present: None,
            keycast: KeyCast::default(),
            now: Instant::now(),
            catalog: Catalog::bundled(),
            quit: false,
            terminated: false,
            size: (160, 45),
            target: None,
            last_build: None,
            lesson: None,
            files: HashMap::new(),
            files_view: None,
            variant_marked: None,
            compare: None,
        };
        model.rehighlight();
        model.refresh_unsaved();
        model
    }

    /// The editor's text as the file would be saved, keeping a final newline
    /// when the file had one.
    pub fn text(&self) -> String {
        let mut text = self.editor.lines().join(self.newline());
        if self.file.saved.ends_with('\n') || self.file.saved.is_empty() {
            text.push_str(self.newline());
        }
        text
    }

    pub fn newline(&self) -> &'static str {
        if self.file.saved.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Whether the text differs from the file as saved. Kept up to date by
    /// `update`, so drawing the title does not rebuild the text every frame.
    pub fn dirty(&self) -> bool {
        self.unsaved
    }

    /// Recomputes `dirty()` after the text or the saved file changed.
    pub fn refresh_unsaved(&mut self) {
        self.unsaved = self.text() != self.file.saved;
    }

    pub fn rehighlight(&mut self) {
        let lines: Vec<String> = self.editor.lines().to_vec();
        let theme = self.theme.syntax.clone();
        self.highlighted
            .update(&lines, theme.as_deref(), self.theme.comment);
    }

    pub fn push_log(&mut self, line: String) {
        if self.log.len() >= LOG_LIMIT {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    pub fn is_building(&self) -> bool {
        matches!(self.build, BuildState::Building { .. })
    }

    /// The diagnostic for 1-based `line` with the highest severity.
    pub fn diagnostic_at(&self, line: usize) -> Option<&Diagnostic> {
        self.analysis
            .as_ref()?
            .diagnostics
            .iter()
            .filter(|d| d.line == line)
            .max_by_key(|d| d.severity)
    }

    /// The state of a stage from the states of its steps.
    pub fn stage_state(&self, stage: StageIndex) -> Option<StepState> {
        let lines = self.analysis.as_ref()?.stage_lines.get(stage.0)?;
        let states: Vec<&StepState> = lines.iter().filter_map(|l| self.steps.get(l)).collect();
        if states.is_empty() {
            return None;
        }
        if let Some(failed) = states.iter().find(|s| matches!(s, StepState::Failed(_))) {
            return Some((*failed).clone());
        }
        if states.contains(&&StepState::Cancelled) {
            return Some(StepState::Cancelled);
        }
        if states.iter().any(|s| **s == StepState::Running) {
            return Some(StepState::Running);
        }
        if states.iter().all(|s| **s == StepState::Cached) {
            return Some(StepState::Cached);
        }
        Some(StepState::Done)
    }

    /// How the stage graph marks `stage` after a build whose cache broke:
    /// `↯ l.5` where a cause is, `↻` where steps only reran because of one.
    pub fn cache_mark(&self, stage: &str) -> Option<String> {
        let misses: Vec<&CacheMiss> = self
            .cache_misses
            .iter()
            .filter(|m| m.stage == stage)
            .collect();
        // A stage's first build ran because nothing was cached: no news.
        if misses.iter().any(|m| m.cause == MissCause::FirstBuild) {
            return None;
        }
        match misses.iter().find(|m| !m.is_cascade()) {
            Some(cause) => Some(format!("↯ l.{}", cause.line)),
            None if !misses.is_empty() => Some("↻".to_string()),
            None => None,
        }
    }

    /// The line the editor should mark as failed, after a failed build.
    pub fn failed_line(&self) -> Option<usize> {
        match &self.build {
            BuildState::Failed { line, .. } => *line,
            _ => None,
        }
    }

    /// Whether the editor marks 1-based `line` as failed: every step that
    /// failed in the last build, not only the one the builder's error names.
    pub fn is_failed_line(&self, line: usize) -> bool {
        match &self.build {
            BuildState::Failed {
                line: first,
                other_lines,
                ..
            } => *first == Some(line) || other_lines.contains(&line),
            _ => false,
        }
    }
}
