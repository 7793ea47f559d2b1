//! The one typed stream of progress every pipeline job sends.

use std::sync::Arc;

use crate::engine::build::BuildOutcome;
use crate::engine::events::BuildEvent;
use crate::engine::images::{LocalImage, PullProgress, RequiredImage};
use crate::workbench::cache_misses::{BuildRecord, CacheMiss};
use crate::workbench::matrix::MatrixRow;
use crate::workbench::tune::Attempt;

/// Progress of a build, matrix or tune job, for a terminal or a log pane.
/// Text is made where it is shown, except for `Note`, which is already
/// worded for the user.
#[derive(Debug, Clone)]
pub enum Event {
    /// The context was packed: its size, and the files that look like secrets.
    Context {
        summary: String,
        secrets: Vec<String>,
    },
    Pull(PullProgress),
    /// A base image the build needs is on this machine.
    Base {
        image: RequiredImage,
        local: LocalImage,
    },
    Build(BuildEvent),
    Built(BuildOutcome),
    /// Right after `Built`: the steps that ran although the previous build
    /// of the project had them, and why (empty when none did), with what to
    /// remember of this build for the next one's comparison.
    CacheMisses {
        misses: Vec<CacheMiss>,
        record: Arc<BuildRecord>,
    },
    /// Said once, worded for the user: bases left out, how the context went.
    Note(String),
    /// Tune attempt `number` starts: "scratch, strip, trimpath".
    Trying {
        number: usize,
        summary: String,
    },
    /// Tune attempt done, with what it did and the account so far.
    Tried {
        attempt: Box<Attempt>,
        steps: Vec<String>,
        /// The image the attempt built; tune removes it when it ends.
        image: Option<String>,
    },
    /// A matrix variant was built and run, as soon as it was: its row
    /// (`ok` and `chosen` are decided once every variant is in).
    Measured(Box<MatrixRow>),
}

impl From<BuildEvent> for Event {
    fn from(event: BuildEvent) -> Self {
        Event::Build(event)
    }
}
