//! Stage sizes: each named stage built as the target. The context and the
//! Dockerfile are the ones the main build sent, so every step is a cache hit
//! and a stage costs only its export.

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::build::{BuildRequest, BuilderChoice};
use super::context::BuildContext;
use super::events::StepMapper;
use super::{Engine, EngineError};
use crate::dockerfile::StageGraph;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageSize {
    pub index: usize,
    pub name: String,
    /// `None` for a stage with no `AS` name, which cannot be a build target.
    pub size_bytes: Option<u64>,
}

impl Engine {
    /// The size of the image each stage the target needs would produce;
    /// the target's own is the final image's, `final_size`.
    pub async fn stage_sizes(
        &self,
        final_size: u64,
        context: &BuildContext,
        mapper: &StepMapper,
        graph: &StageGraph,
        builder: BuilderChoice,
        cancel: &CancellationToken,
    ) -> Result<Vec<StageSize>, EngineError> {
        let mut sizes = Vec::new();
        for stage in &graph.stages {
            if graph.is_unused(stage.index) {
                continue;
            }
            if Some(stage.index) == graph.target {
                sizes.push(StageSize {
                    index: stage.index.0,
                    name: stage.display_name(),
                    size_bytes: Some(final_size),
                });
                continue;
            }
            let Some(name) = stage.name.clone() else {
                sizes.push(StageSize {
                    index: stage.index.0,
                    name: stage.display_name(),
                    size_bytes: None,
                });
                continue;
            };
            let request = BuildRequest {
                context,
                mapper,
                target: Some(name.clone()),
                builder,
                tag: format!(
                    "dockstage/stage:{}-{}",
                    &self.session[..12.min(self.session.len())],
                    stage.index.0
                ),
                labels: self.labels(),
            };
            let outcome = self.build(&request, &mut |_| {}, cancel).await?;
            let size = self
                .local_image(&outcome.image_id)
                .await?
                .map(|i| i.size_bytes);
            sizes.push(StageSize {
                index: stage.index.0,
                name,
                size_bytes: size,
            });
        }
        Ok(sizes)
    }
}
