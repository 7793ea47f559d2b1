//! What an image holds, as a job: an image named on the command line, or
//! the final image of a project directory built first (without running it).
//! The export is streamed and indexed by the engine and stacked here, so
//! every front end gets the same tree, waste and efficiency.

use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::EventSink;
use super::build::{BuildJob, BuildOptions, build};
use crate::engine::image_export::ExportProgress;
use crate::engine::{Engine, EngineError};
use crate::workbench::image_files::{ImageFiles, stack};

/// The files of `image` (a name or an id), layer by layer.
pub async fn image_files(
    engine: &Engine,
    image: &str,
    on_progress: impl FnMut(ExportProgress) + Send + 'static,
) -> Result<ImageFiles, EngineError> {
    let layers = engine.export_layers(image, on_progress).await?;
    Ok(stack(
        image,
        layers
            .into_iter()
            .map(|l| (l.id, l.created_by, l.index))
            .collect(),
    ))
}

/// Builds the project in `dir` (its Dockerfile, or `dockerfile`) without
/// running it, and returns the image's id.
pub async fn build_for_files(
    engine: &Engine,
    dir: &Path,
    dockerfile: &Path,
    text: String,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<String, String> {
    let job = BuildJob {
        dir: dir.to_path_buf(),
        dockerfile: Some(dockerfile.to_path_buf()),
        text,
        options: BuildOptions {
            run: false,
            ..BuildOptions::default()
        },
    };
    build(engine, &job, on_event, cancel)
        .await
        .map(|r| r.outcome.image_id)
        .map_err(|e| e.to_string())
}
