//! One build as the user thinks of it: pack the context, make sure the bases
//! are here, build, read the layers, optionally size each stage, run, and
//! explain what failed. `dockstage build` and the workbench both drive it
//! and only differ in how they show its events.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{Event, EventSink};
use crate::dockerfile::{Dockerfile, Keyword, StageGraph, parse};
use crate::engine::build::{BuildOutcome, BuildRequest, BuilderChoice, BuilderKind};
use crate::engine::context;
use crate::engine::events::{BuildEvent, StepMapper, StepState};
use crate::engine::images::required_images;
use crate::engine::layers::{ImageLayers, Layer};
use crate::engine::run::{RunOptions, RunResult};
use crate::engine::service::ServiceProbe;
use crate::engine::session::{ContextSent, ContextTransfer};
use crate::engine::source_files::{CopiedFiles, copied_files};
use crate::engine::stages::StageSize;
use crate::engine::{Engine, EngineError, cache};
use crate::workbench::build_failure::{StepReport, explain_steps};
use crate::workbench::build_steps;
use crate::workbench::cache_misses::{BuildRecord, CacheMiss, StepRun, cache_misses};
use crate::workbench::explain::{Explanation, explain_run};

/// A build to do: the Dockerfile text (as edited), the context directory,
/// and where the Dockerfile lives on disk when it does.
#[derive(Debug, Clone)]
pub struct BuildJob {
    pub dir: PathBuf,
    pub dockerfile: Option<PathBuf>,
    pub text: String,
    pub options: BuildOptions,
}

/// How to build and what to do after: run, size each stage, keep a tag.
#[derive(Debug, Clone)]
pub struct BuildOptions {
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
    /// What the last build of this project was made from, to say why this
    /// one missed the cache; `None` for the first build.
    pub previous_build: Option<Arc<BuildRecord>>,
}

impl Default for BuildOptions {
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
            previous_build: None,
        }
    }
}

/// What a build that got through gave: the image, its layers, the run and,
/// when the run failed for a known reason, why.
#[derive(Debug, Clone)]
pub struct BuildResult {
    pub outcome: BuildOutcome,
    pub layers: ImageLayers,
    pub stages: Option<Vec<StageSize>>,
    pub run: Option<RunResult>,
    /// Why the run failed, when the cause is known.
    pub explanation: Option<Explanation>,
    pub context_files: usize,
    pub context_bytes: u64,
    pub context_ignored: usize,
    pub secrets: Vec<String>,
    /// Steps that ran although the previous build had them, and why.
    pub cache_misses: Vec<CacheMiss>,
    /// What to remember of this build for the next one; `None` when it
    /// reused an earlier image and so learnt nothing new.
    pub record: Option<Arc<BuildRecord>>,
}

/// The build's result as scripts read it (the CLI contract's `build` object).
#[derive(Debug, Serialize)]
pub struct BuildReport {
    pub image_id: String,
    pub size_bytes: u64,
    pub builder: BuilderKind,
    pub build_seconds: f64,
    /// `session` (only the files the daemon asked for), `tar` (all of
    /// them), or `none` (an identical earlier build was reused).
    pub context_transfer: ContextTransfer,
    pub steps: usize,
    pub cached_steps: usize,
    pub layers: Vec<Layer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<StageSize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    pub context: ContextReport,
    pub dockerfile: String,
    pub changes: Vec<String>,
    /// Steps that ran although the previous build of this project had them,
    /// with why (`dockstage build --help` lists the causes).
    pub cache_misses: Vec<CacheMiss>,
}

/// The context as the build saw it and sent it.
#[derive(Debug, Serialize)]
pub struct ContextReport {
    pub files: usize,
    pub bytes: u64,
    pub ignored: usize,
    pub secrets: Vec<String>,
    /// Files and bytes the build actually sent.
    pub sent_files: usize,
    pub sent_bytes: u64,
    /// Whether the Dockerfile was sent too (a session sends it apart).
    pub sent_dockerfile: bool,
}

impl BuildResult {
    /// The report `dockstage build` prints, for the Dockerfile `text` made
    /// with `changes`.
    pub fn report(self, text: &str, changes: Vec<String>) -> BuildReport {
        BuildReport {
            image_id: self.outcome.image_id,
            size_bytes: self.layers.size_bytes,
            builder: self.outcome.builder,
            build_seconds: self.outcome.seconds,
            context_transfer: self.outcome.context_transfer,
            steps: self.outcome.steps,
            cached_steps: self.outcome.cached_steps,
            layers: self.layers.layers,
            stages: self.stages,
            run: self.run,
            explanation: self.explanation,
            context: ContextReport {
                files: self.context_files,
                bytes: self.context_bytes,
                ignored: self.context_ignored,
                secrets: self.secrets,
                sent_files: self.outcome.context_sent.files,
                sent_bytes: self.outcome.context_sent.bytes,
                sent_dockerfile: self.outcome.context_sent.dockerfile,
            },
            dockerfile: text.to_string(),
            changes,
            cache_misses: self.cache_misses,
        }
    }
}

/// A build the builder failed, every failed step explained (the JSON printed
/// on stdout when `dockstage build` fails, so a script learns the cause
/// without parsing the progress on stderr).
#[derive(Debug, Clone, Serialize)]
pub struct FailedBuild {
    pub failed: bool,
    pub line: Option<usize>,
    pub message: String,
    /// Why the step in `message` failed, when the cause is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    /// Every failed step, that one first.
    pub failures: Vec<StepReport>,
    /// The builder's error as one line, for the log.
    #[serde(skip)]
    pub summary: String,
}

/// Why a build job stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The builder failed a step; the report says why.
    #[error("{}", .0.summary)]
    Failed(Box<FailedBuild>),
    /// Anything else: no daemon, missing bases, cancelled, …
    #[error(transparent)]
    Engine(EngineError),
}

impl BuildError {
    /// Explains an engine error about a build of `df`.
    pub fn explained(error: EngineError, df: &Dockerfile) -> Self {
        match error {
            EngineError::BuildFailed {
                line,
                ref message,
                ref steps,
            } => {
                let failures = explain_steps(steps, df);
                BuildError::Failed(Box::new(FailedBuild {
                    failed: true,
                    line,
                    message: message.clone(),
                    explanation: failures.first().and_then(|f| f.explanation.clone()),
                    failures,
                    summary: error.to_string(),
                }))
            }
            other => BuildError::Engine(other),
        }
    }
}

/// Builds the job's text with its directory as the context, then reads the
/// layers, runs the image and explains a failed run, as its options say.
pub async fn build(
    engine: &Engine,
    job: &BuildJob,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<BuildResult, BuildError> {
    let df = parse(&job.text);
    match build_and_run(engine, job, &df, on_event, cancel).await {
        Ok(result) => Ok(result),
        Err(e) => Err(BuildError::explained(e, &df)),
    }
}

async fn build_and_run(
    engine: &Engine,
    job: &BuildJob,
    df: &Dockerfile,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<BuildResult, EngineError> {
    let (dir, on_disk, text, options) = (
        job.dir.as_path(),
        job.dockerfile.as_deref(),
        job.text.as_str(),
        &job.options,
    );
    let graph = StageGraph::with_target(df, options.target.as_deref());
    let ctx = context::pack_for(dir, text, on_disk)?;
    on_event(Event::Context {
        summary: ctx.summary(),
        secrets: ctx.secrets.clone(),
    });
    let previous = options.previous_build.as_deref();
    let mut record = build_steps::plan(df, &graph);
    // Hashed while the bases are checked: the build need not wait for it.
    let hashing = hash_copied_files(&ctx, &record, previous);
    let buildkit = options.builder != BuilderChoice::Legacy;
    let required = required_images(df, &graph, buildkit);
    let present = engine
        .preflight(&required, &mut |p| on_event(Event::Pull(p)))
        .await?;
    let base_ids: Vec<String> = present.iter().map(|(_, l)| l.id.clone()).collect();
    for stage in &mut record.stages {
        let from_line = stage.steps.first().map(|s| s.line);
        stage.base_id = present
            .iter()
            .find(|(image, _)| image.used_by == "FROM" && Some(image.line) == from_line)
            .map(|(_, local)| local.id.clone());
    }
    for (image, local) in present {
        on_event(Event::Base { image, local });
    }
    let mapper = StepMapper::new(df, &graph);
    let key = cache::input_key(&ctx, options.target.as_deref(), options.builder, &base_ids);
    let started = std::time::Instant::now();
    // Held until the image is read and run, so no prune removes it meanwhile.
    let (lease, kept) = match &options.tag {
        Some(_) => (None, None),
        None => {
            let (lease, kept) = engine.claim_cached(&key).await?;
            (Some(lease), kept)
        }
    };
    // A new build may push an older kept one out; a reused one cannot.
    let prune_after = kept.is_none() && lease.is_some();
    let mut steps_seen = None;
    let outcome = if let Some((image_id, builder)) = kept {
        on_event(Event::Build(BuildEvent::Note {
            text: "nothing changed since the last build of this input: reusing its image".into(),
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
        let mut states = HashMap::new();
        let outcome = engine
            .build(
                &request,
                &mut |e| {
                    if let BuildEvent::Step { step, state } = &e
                        && let Some(line) = step.line
                    {
                        states.insert(line, state.clone());
                    }
                    on_event(Event::Build(e))
                },
                cancel,
            )
            .await?;
        steps_seen = Some(states);
        if lease.is_some() {
            engine.mark_used(&key, &outcome.image_id).await?;
        }
        outcome
    };
    on_event(Event::Built(outcome.clone()));
    let (cache_misses, record) = match (steps_seen, hashing.await) {
        (Some(states), Ok(copied)) => {
            fill_record(&mut record, &states, copied);
            record.builder = outcome.builder.name().to_string();
            let misses = cache_misses(previous, &record);
            let record = Arc::new(record.merged(previous));
            on_event(Event::CacheMisses {
                misses: misses.clone(),
                record: Arc::clone(&record),
            });
            (misses, Some(record))
        }
        (Some(_), Err(why)) => {
            on_event(Event::Note(format!(
                "cannot say why the cache missed: {why}"
            )));
            (Vec::new(), None)
        }
        // An earlier image reused: nothing ran, nothing new to remember.
        (None, _) => (Vec::new(), None),
    };
    // The run, the layers and the prune of older kept builds go at once:
    // the lease keeps this build's image out of the prune's reach.
    let run_options = RunOptions {
        timeout: options.timeout,
        service: df.instructions().any(|i| i.keyword == Keyword::Healthcheck),
        cmd: (!options.args.is_empty()).then(|| options.args.clone()),
        probe: options.probe.clone().with_sources(dir),
        ..RunOptions::default()
    };
    let run = async {
        match options.run {
            true => engine
                .run_image(&outcome.image_id, &run_options, cancel)
                .await
                .map(Some),
            false => Ok(None),
        }
    };
    let prune = async {
        if prune_after {
            let _ = engine.prune_cache().await;
        }
    };
    let (layers, run, ()) = tokio::join!(
        engine.image_layers(&outcome.image_id, df, &graph),
        run,
        prune
    );
    let (layers, run) = (layers?, run?);
    let stages = if options.stage_sizes {
        let builder = match outcome.builder {
            BuilderKind::Buildkit => BuilderChoice::Buildkit,
            BuilderKind::Legacy => BuilderChoice::Legacy,
        };
        Some(
            engine
                .stage_sizes(layers.size_bytes, &ctx, &mapper, &graph, builder, cancel)
                .await?,
        )
    } else {
        None
    };
    let explanation = run.as_ref().and_then(|r| failed_run_explanation(r, df));
    Ok(BuildResult {
        outcome,
        layers,
        stages,
        run,
        explanation,
        context_files: ctx.files,
        context_bytes: ctx.bytes,
        context_ignored: ctx.ignored,
        secrets: ctx.secrets,
        cache_misses,
        record,
    })
}

/// Hashes the files each COPY and ADD of `record` copies, off the async
/// threads, reusing `previous`'s hashes of files whose size and mtime are
/// unchanged.
fn hash_copied_files(
    ctx: &context::BuildContext,
    record: &BuildRecord,
    previous: Option<&BuildRecord>,
) -> impl Future<Output = Result<CopiedFiles, String>> + use<> {
    let sources: Vec<Vec<String>> = record
        .stages
        .iter()
        .flat_map(|s| &s.steps)
        .map(|step| step.sources.clone())
        .collect();
    let known = previous.map(|p| p.files.clone()).unwrap_or_default();
    let ctx = ctx.clone();
    let task = tokio::task::spawn_blocking(move || copied_files(&ctx, &sources, &known));
    async move {
        match task.await {
            Ok(Ok(copied)) => Ok(copied),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("hashing the context stopped ({e})")),
        }
    }
}

/// Puts what the build did into `record`: each step cached or ran, and the
/// files each COPY or ADD copied.
fn fill_record(record: &mut BuildRecord, states: &HashMap<usize, StepState>, copied: CopiedFiles) {
    let mut per_step = copied.per_step.into_iter();
    for step in record.stages.iter_mut().flat_map(|s| &mut s.steps) {
        step.files = per_step.next().unwrap_or_default();
        step.state = match states.get(&step.line) {
            Some(StepState::Cached) => StepRun::Cached,
            Some(StepState::Done) => StepRun::Ran,
            _ => StepRun::Unseen,
        };
    }
    record.files = copied.digests;
}

/// The cause of a failed run in the user's words, when it is a known one:
/// every front end shows this one reading, so they never disagree.
pub fn failed_run_explanation(run: &RunResult, df: &Dockerfile) -> Option<Explanation> {
    if run.ok() {
        return None;
    }
    explain_run(
        &[&run.stderr, run.error.as_deref().unwrap_or("")],
        run.health_log.as_deref(),
        run.exit_code,
        df,
    )
}
