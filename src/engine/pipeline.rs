//! One build as the user thinks of it: pack the context, make sure the bases
//! are here, build, read the layers, optionally size each stage, and run.
//! The CLI and the workbench both drive it and only differ in how they show
//! its events.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::build::{BuildOutcome, BuildRequest, BuilderChoice, BuilderKind};
use super::context;
use super::events::{BuildEvent, StepMapper};
use super::images::{LocalImage, PullProgress, RequiredImage, required_images};
use super::layers::ImageLayers;
use super::run::{RunOptions, RunResult};
use super::service::ServiceProbe;
use super::session::{ContextSent, ContextTransfer};
use super::stages::StageSize;
use super::{Engine, EngineError, cache};
use crate::dockerfile::{Keyword, StageGraph, parse};

#[derive(Debug, Clone)]
pub struct PipelineOptions {
    pub target: Option<String>,
    pub builder: BuilderChoice,
    pub run: bool,
    pub timeout: Duration,
    /// Keep the image under this tag instead of removing it with the session.
    pub tag: Option<String>,
    pub stage_sizes: bool,
    /// Run arguments, in place of the image's CMD (as `docker run IMAGE ARGS`).
    pub args: Vec<String>,
    /// --port, --probe and --ready for an image that listens.
    pub probe: ServiceProbe,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            target: None,
            builder: BuilderChoice::Auto,
            run: true,
            timeout: Duration::from_secs(10),
            tag: None,
            stage_sizes: false,
            args: Vec::new(),
            probe: ServiceProbe::default(),
        }
    }
}

/// Progress of a pipeline, for a terminal or a log pane.
#[derive(Debug, Clone)]
pub enum PipelineEvent {
    Context {
        summary: String,
        secrets: Vec<String>,
    },
    Pull(PullProgress),
    Base {
        image: RequiredImage,
        local: LocalImage,
    },
    Build(BuildEvent),
    Built(BuildOutcome),
}

#[derive(Debug, Clone)]
pub struct PipelineResult {
    pub outcome: BuildOutcome,
    pub layers: ImageLayers,
    pub stages: Option<Vec<StageSize>>,
    pub run: Option<RunResult>,
    pub context_files: usize,
    pub context_bytes: u64,
    pub context_ignored: usize,
    pub secrets: Vec<String>,
}

impl Engine {
    /// Builds `text` with `dir` as the context (the Dockerfile lives at
    /// `on_disk`), then reads layers and runs the image as `options` say.
    pub async fn build_and_run(
        &self,
        dir: &Path,
        on_disk: Option<&Path>,
        text: &str,
        options: &PipelineOptions,
        on_event: &mut (dyn FnMut(PipelineEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<PipelineResult, EngineError> {
        let df = parse(text);
        let graph = StageGraph::with_target(&df, options.target.as_deref());
        let ctx = context::pack_for(dir, text, on_disk)?;
        on_event(PipelineEvent::Context {
            summary: ctx.summary(),
            secrets: ctx.secrets.clone(),
        });
        let buildkit = options.builder != BuilderChoice::Legacy;
        let required = required_images(&df, &graph, buildkit);
        let present = self
            .preflight(&required, &mut |p| on_event(PipelineEvent::Pull(p)))
            .await?;
        let base_ids: Vec<String> = present.iter().map(|(_, l)| l.id.clone()).collect();
        for (image, local) in present {
            on_event(PipelineEvent::Base { image, local });
        }
        let mapper = StepMapper::new(&df, &graph);
        let key = cache::input_key(&ctx, options.target.as_deref(), options.builder, &base_ids);
        let started = std::time::Instant::now();
        // Held until the image is read and run, so no prune removes it meanwhile.
        let (lease, kept) = match &options.tag {
            Some(_) => (None, None),
            None => {
                let (lease, kept) = self.claim_cached(&key).await?;
                (Some(lease), kept)
            }
        };
        let outcome = if let Some((image_id, builder)) = kept {
            on_event(PipelineEvent::Build(BuildEvent::Note {
                text: "nothing changed since the last build of this input: reusing its image"
                    .into(),
            }));
            BuildOutcome {
                image_id,
                builder: if builder == "legacy" {
                    BuilderKind::Legacy
                } else {
                    BuilderKind::Buildkit
                },
                seconds: started.elapsed().as_secs_f64(),
                steps: 0,
                cached_steps: 0,
                context_transfer: ContextTransfer::None,
                context_sent: ContextSent::default(),
            }
        } else {
            let (tag, labels) = match &options.tag {
                Some(t) => (t.clone(), HashMap::new()),
                None => (cache::cache_tag(&key), cache::cache_labels(options.builder)),
            };
            let request = BuildRequest {
                context: &ctx,
                mapper: &mapper,
                target: options.target.clone(),
                builder: options.builder,
                tag,
                labels,
            };
            let outcome = self
                .build(&request, &mut |e| on_event(PipelineEvent::Build(e)), cancel)
                .await?;
            if lease.is_some() {
                self.mark_used(&key, &outcome.image_id).await?;
            }
            let _ = self.prune_cache().await;
            outcome
        };
        on_event(PipelineEvent::Built(outcome.clone()));
        let layers = self.image_layers(&outcome.image_id, &df, &graph).await?;
        let stages = if options.stage_sizes {
            let builder = match outcome.builder {
                BuilderKind::Buildkit => BuilderChoice::Buildkit,
                BuilderKind::Legacy => BuilderChoice::Legacy,
            };
            Some(
                self.stage_sizes(layers.size_bytes, &ctx, &mapper, &graph, builder, cancel)
                    .await?,
            )
        } else {
            None
        };
        let run = if options.run {
            let run_options = RunOptions {
                timeout: options.timeout,
                service: df.instructions().any(|i| i.keyword == Keyword::Healthcheck),
                cmd: (!options.args.is_empty()).then(|| options.args.clone()),
                probe: options.probe.clone().with_sources(dir),
                ..RunOptions::default()
            };
            Some(
                self.run_image(&outcome.image_id, &run_options, cancel)
                    .await?,
            )
        } else {
            None
        };
        Ok(PipelineResult {
            outcome,
            layers,
            stages,
            run,
            context_files: ctx.files,
            context_bytes: ctx.bytes,
            context_ignored: ctx.ignored,
            secrets: ctx.secrets,
        })
    }
}
