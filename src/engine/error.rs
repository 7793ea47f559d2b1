//! Engine errors, each worded to say what the user can do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot reach the Docker daemon at {endpoint}: {reason}. {hint}")]
    Unreachable {
        endpoint: String,
        reason: String,
        hint: String,
    },
    #[error(
        "the image `{image}` (line {line}) is not on this machine and no registry can be \
         reached. {hint}"
    )]
    MissingImage {
        image: String,
        line: usize,
        hint: String,
    },
    #[error("pulling `{image}` failed: {reason}")]
    Pull { image: String, reason: String },
    #[error("the build context {}: {reason}", .dir.display())]
    Context { dir: PathBuf, reason: String },
    #[error("the build failed{}: {message}", line_suffix(*.line))]
    BuildFailed {
        line: Option<usize>,
        message: String,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("Docker: {0}")]
    Docker(#[from] bollard::errors::Error),
    #[error("{0}")]
    Other(String),
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
