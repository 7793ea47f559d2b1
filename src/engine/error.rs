//! Engine errors, each worded to say what the user can do about it.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::events::FailedStep;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot reach the Docker daemon at {endpoint}: {reason}. {hint}")]
    Unreachable {
        endpoint: String,
        reason: String,
        hint: String,
    },
    /// Every image the build needs that is not here, named at once so one
    /// round of loading fixes them all.
    #[error("{}", missing_text(.0))]
    MissingImages(Vec<MissingImage>),
    #[error("pulling `{image}` failed: {reason}")]
    Pull { image: String, reason: String },
    #[error("the build context {}: {reason}", .dir.display())]
    Context { dir: PathBuf, reason: String },
    #[error("the build failed{}: {message}", line_suffix(*.line))]
    BuildFailed {
        /// The line of the step whose error `message` is.
        line: Option<usize>,
        message: String,
        /// Every step that failed, that step first (stages build in
        /// parallel, so several can fail at once).
        steps: Vec<FailedStep>,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("Docker: {0}")]
    Docker(#[from] bollard::errors::Error),
    #[error("{0}")]
    Other(String),
}

/// An image the build needs that is neither here nor pullable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImage {
    pub image: String,
    pub line: usize,
    /// `FROM`, `COPY --from`, `RUN --mount` or `# syntax`.
    pub used_by: &'static str,
    /// What to do: the image meant (a misspelt name), or how to load it.
    pub hint: String,
}

fn missing_text(missing: &[MissingImage]) -> String {
    match missing {
        [one] => format!(
            "the image `{}` (line {}) is not on this machine and no registry can be reached. {}",
            one.image, one.line, one.hint
        ),
        many => {
            let mut out = format!(
                "{} images are not on this machine and no registry can be reached:",
                many.len()
            );
            for m in many {
                let _ = write!(
                    out,
                    "\n  line {} ({}): `{}`: {}",
                    m.line, m.used_by, m.image, m.hint
                );
            }
            out
        }
    }
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

/// How to get an image onto a machine with no registry.
pub fn offline_hint(image: &str, standin_possible: bool) -> String {
    if standin_possible {
        format!(
            "Make a local stand-in with `scripts/offline-bases.sh`, or load a bundle made on a \
             connected machine with `dockstage bases load FILE` (or `docker load -i FILE`) \
             containing {image}."
        )
    } else {
        format!(
            "Load it from a bundle made on a connected machine: `docker save {image} -o FILE` \
             there, then `dockstage bases load FILE` (or `docker load -i FILE`) here."
        )
    }
}
