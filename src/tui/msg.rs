//! What flows into `update` (messages) and out of it (commands for workers).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use super::model::{Analysis, DockerStatus};

use super::files_view::FilesError;
use crate::engine::build::BuildOutcome;
use crate::engine::image_file::ImageFile;
use crate::engine::images::LocalImage;
use crate::engine::layers::ImageLayers;
use crate::ondisk::Seen;
use crate::outcome::RunResult;
use crate::pipeline::Event;
use crate::pipeline::matrix::MatrixReport;
use crate::pipeline::tune::TuneResult;
use crate::workbench::cache_misses::BuildRecord;
use crate::workbench::explain::Explanation;
use crate::workbench::image_files::ImageFiles;

/// A build's identity, so late events of a cancelled build are ignored.
pub type BuildId = u64;

/// The end of a build and run, as the worker reports it.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: BuildOutcome,
    pub layers: ImageLayers,
    pub run: Option<RunResult>,
    /// The pipeline's reading of a failed run, as `dockstage build` prints it.
    pub explanation: Option<Explanation>,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// A re-parse finished; stale versions are dropped.
    Analyzed(u64, Box<Analysis>),
    Docker(DockerStatus),
    /// Which catalog images are present, and which are stand-ins.
    Images(Vec<(String, Option<LocalImage>)>),
    /// Progress of build `BuildId`, as the pipeline sent it; `update` words it.
    Build(BuildId, Event),
    BuildDone(BuildId, Result<Box<Finished>, BuildFailure>),
    /// Progress of tune run `BuildId`, as the pipeline sent it.
    Tune(BuildId, Event),
    TuneDone(BuildId, Result<Box<TuneResult>, BuildFailure>),
    Matrix(BuildId, Event),
    MatrixDone(BuildId, Result<Box<MatrixReport>, BuildFailure>),
    Saved(Result<PathBuf, String>),
    /// SIGTERM or SIGHUP: leave now, keeping unsaved work for the next start.
    Terminate,
    Exported(Result<PathBuf, String>),
    /// The terminal has focus again: the file may have changed meanwhile.
    FocusGained,
    /// The app's clock moved on: building times and the key cast follow it,
    /// so rendering never reads a clock.
    Tick(Instant),
    /// What a file holds now, from the file worker's check, or instead of a
    /// write it refused because the file changed since the workbench saw it.
    OnDisk {
        file: DiskFile,
        now: Seen,
        refused: bool,
    },
    /// The Dockerfiles of the project directory, for the switcher (Ctrl-O).
    Dockerfiles(Result<Vec<PathBuf>, String>),
    /// How far the export of `image` has streamed, for the Files view.
    FilesProgress {
        image: String,
        layers_read: usize,
        bytes_read: u64,
    },
    /// The files of `image` (an id), read from its export.
    FilesRead {
        image: String,
        result: Result<Arc<ImageFiles>, FilesError>,
    },
    /// The first bytes of `path` in `image`; `None` when no layer has it.
    ImageFileRead {
        image: String,
        path: String,
        result: Result<Option<ImageFile>, String>,
    },
    /// Another Dockerfile read from disk, to edit instead of the text at
    /// `version`, which the user agreed to leave.
    Opened {
        path: PathBuf,
        version: u64,
        text: Result<String, String>,
    },
}

/// The files the workbench writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskFile {
    Dockerfile,
    /// The Markdown export of the variants table.
    Export,
}

/// Why a build ended without an image, with the lines to mark when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildFailure {
    pub message: String,
    /// The line `message` is about.
    pub line: Option<usize>,
    /// Other lines that failed in the same build (stages build in parallel;
    /// several base images can be missing).
    pub other_lines: Vec<usize>,
    /// The known causes, the one for `line` first.
    pub explanations: Vec<Explanation>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Re-parse, graph and lint this text (latest wins).
    Analyze {
        version: u64,
        text: String,
    },
    Build {
        id: BuildId,
        text: String,
        dir: PathBuf,
        dockerfile: PathBuf,
        /// Run arguments (F6), in place of the image's CMD.
        args: Vec<String>,
        /// The stage to build (`--target`); `None` builds the last one.
        target: Option<String>,
        /// The last build of this Dockerfile, to say why the cache missed.
        previous: Option<Arc<BuildRecord>>,
    },
    /// Search bases and toggles for the smallest image that behaves like `text`.
    Tune {
        id: BuildId,
        text: String,
        dir: PathBuf,
        args: Vec<String>,
    },
    /// Build and run `text` on every catalog base at once.
    Matrix {
        id: BuildId,
        text: String,
        dir: PathBuf,
        args: Vec<String>,
    },
    CancelBuild(BuildId),
    /// Write `text` unless the file no longer holds what the workbench saw (`was`).
    Save {
        path: PathBuf,
        text: String,
        was: Seen,
    },
    Export {
        path: PathBuf,
        text: String,
        was: Seen,
    },
    /// Report what `path` holds now, and keep checking it on a timer.
    CheckDisk {
        path: PathBuf,
    },
    /// Keep how far the learner got in lesson `name`.
    SaveLessonProgress {
        name: String,
        progress: crate::workbench::lesson::Progress,
    },
    /// Put `lesson`'s files and progress back to its start, then open its
    /// Dockerfile in place of the editor's text at `version`.
    ResetLesson {
        lesson: Box<crate::workbench::lesson::Lesson>,
        version: u64,
    },
    /// List the Dockerfiles in `dir` (Ctrl-O).
    ListDockerfiles {
        dir: PathBuf,
    },
    /// Read `path` to edit it instead of the editor's text at `version`.
    OpenFile {
        path: PathBuf,
        version: u64,
    },
    /// Read what `image` holds, layer by layer, from its export.
    ReadFiles {
        image: String,
    },
    /// Read the first bytes of `path` in `image`.
    ReadImageFile {
        image: String,
        path: String,
    },
    Quit,
}
