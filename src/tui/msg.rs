//! What flows into `update` (messages) and out of it (commands for workers).

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use super::model::{Analysis, DockerStatus};
use crate::engine::build::BuildOutcome;
use crate::engine::events::BuildEvent;
use crate::engine::images::LocalImage;
use crate::engine::layers::ImageLayers;
use crate::engine::run::RunResult;
use crate::engine::tune::{TuneEvent, TuneResult};
use crate::workbench::explain::Explanation;

/// A build's identity, so late events of a cancelled build are ignored.
pub type BuildId = u64;

/// The end of a build and run, as the worker reports it.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: BuildOutcome,
    pub layers: ImageLayers,
    pub run: Option<RunResult>,
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
    Build(BuildId, BuildEvent),
    BuildDone(BuildId, Result<Box<Finished>, BuildFailure>),
    Tune(BuildId, TuneEvent),
    TuneDone(BuildId, Result<Box<TuneResult>, BuildFailure>),
    Saved(Result<PathBuf, String>),
    /// SIGTERM or SIGHUP: leave now, keeping unsaved work for the next start.
    Terminate,
    Exported(Result<PathBuf, String>),
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

#[derive(Debug, Clone, PartialEq, Eq)]
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
    },
    /// Search bases and toggles for the smallest image that behaves like `text`.
    Tune {
        id: BuildId,
        text: String,
        dir: PathBuf,
    },
    CancelBuild(BuildId),
    Save {
        path: PathBuf,
        text: String,
    },
    Export {
        path: PathBuf,
        text: String,
    },
    Quit,
}
