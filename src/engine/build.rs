//! Building an image with BuildKit (the default) or the legacy builder, as
//! one typed stream of events, with cancellation.

use std::collections::HashMap;
use std::time::Instant;

use bollard::moby::buildkit::v1::StatusResponse;
use bollard::models::{BuildInfo, BuildInfoAux};
use bollard::query_parameters::{BuildImageOptions, BuilderVersion};
use futures_util::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::context::BuildContext;
use super::events::{BuildEvent, Step, StepMapper, StepState};
use super::session::{ContextSent, ContextTransfer};
use super::{Engine, EngineError, new_session_id};

/// Which builder to use; `Auto` is BuildKit with the legacy builder as the
/// fallback when BuildKit fails before its first event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BuilderChoice {
    #[default]
    Auto,
    Buildkit,
    Legacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BuilderKind {
    Buildkit,
    Legacy,
}

impl BuilderKind {
    pub fn name(self) -> &'static str {
        match self {
            BuilderKind::Buildkit => "buildkit",
            BuilderKind::Legacy => "legacy",
        }
    }
}

/// Times a build whose progress stream broke off is tried again.
const BROKEN_STREAM_RETRIES: usize = 2;

pub struct BuildRequest<'a> {
    pub context: &'a BuildContext,
    /// The parse and graph of the Dockerfile inside the context, for mapping steps to lines.
    pub mapper: &'a StepMapper,
    pub target: Option<String>,
    pub builder: BuilderChoice,
    pub tag: String,
    pub labels: HashMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildOutcome {
    pub image_id: String,
    pub builder: BuilderKind,
    pub seconds: f64,
    pub steps: usize,
    pub cached_steps: usize,
    /// Whether the context went through a session or as a tar.
    pub context_transfer: ContextTransfer,
    pub context_sent: ContextSent,
}

/// Where a build stands, carried across events.
#[derive(Default)]
struct Progress {
    /// BuildKit: vertex digest → (step, last state sent).
    vertices: HashMap<String, (Step, Option<StepState>)>,
    image_id: Option<String>,
    failed: Option<Step>,
    /// Legacy: the step being run, and whether it was cached.
    current: Option<(Step, bool)>,
    steps: usize,
    cached: usize,
    events: usize,
}

impl Engine {
    /// Builds the image, reporting progress to `on_event`. Dropping the
    /// stream on cancel stops the daemon's work. A progress stream that
    /// breaks off mid-message (seen under load with dockerd 20.10: "bytes
    /// remaining on stream") is built again: the daemon's cache makes the
    /// second try cheap, and the result is the same image.
    pub async fn build(
        &self,
        req: &BuildRequest<'_>,
        on_event: &mut (dyn FnMut(BuildEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<BuildOutcome, EngineError> {
        let mut retries = 0;
        loop {
            match self.build_once(req, on_event, cancel).await {
                Err(EngineError::Docker(bollard::errors::Error::IOError { err }))
                    if retries < BROKEN_STREAM_RETRIES && !cancel.is_cancelled() =>
                {
                    retries += 1;
                    tracing::warn!(%err, retries, "build stream broke off; building again");
                    on_event(BuildEvent::Note {
                        text: format!(
                            "the daemon's build stream broke off ({err}); building again from its cache"
                        ),
                    });
                }
                other => return other,
            }
        }
    }

    async fn build_once(
        &self,
        req: &BuildRequest<'_>,
        on_event: &mut (dyn FnMut(BuildEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<BuildOutcome, EngineError> {
        match req.builder {
            BuilderChoice::Legacy => {
                self.build_with(req, BuilderKind::Legacy, on_event, cancel)
                    .await
            }
            BuilderChoice::Buildkit => {
                self.build_with(req, BuilderKind::Buildkit, on_event, cancel)
                    .await
            }
            BuilderChoice::Auto => {
                let mut seen = 0usize;
                let mut counting = |e: BuildEvent| {
                    seen += 1;
                    on_event(e);
                };
                match self
                    .build_with(req, BuilderKind::Buildkit, &mut counting, cancel)
                    .await
                {
                    Err(EngineError::Docker(e)) if seen == 0 => {
                        on_event(BuildEvent::Note {
                            text: format!(
                                "BuildKit is not available ({e}); using the legacy builder"
                            ),
                        });
                        self.build_with(req, BuilderKind::Legacy, on_event, cancel)
                            .await
                    }
                    other => other,
                }
            }
        }
    }

    async fn build_with(
        &self,
        req: &BuildRequest<'_>,
        kind: BuilderKind,
        on_event: &mut (dyn FnMut(BuildEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<BuildOutcome, EngineError> {
        let started = Instant::now();
        let options = BuildImageOptions {
            dockerfile: req.context.dockerfile_name.clone(),
            t: Some(req.tag.clone()),
            rm: true,
            forcerm: true,
            labels: Some(req.labels.clone()),
            target: req.target.clone().unwrap_or_default(),
            version: match kind {
                BuilderKind::Buildkit => BuilderVersion::BuilderBuildKit,
                BuilderKind::Legacy => BuilderVersion::BuilderV1,
            },
            session: (kind == BuilderKind::Buildkit).then(new_session_id),
            ..Default::default()
        };
        let (mut stream, transfer) = self.start_build(req.context, kind, options).await?;
        let mut progress = Progress::default();
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => return Err(EngineError::Cancelled),
                next = stream.next() => next,
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    progress.events += 1;
                    handle(&mut progress, req.mapper, kind, info, on_event);
                }
                Err(bollard::errors::Error::DockerStreamError { error }) => {
                    return Err(failure(&mut progress, req.mapper, kind, error, on_event));
                }
                Err(e) => return Err(EngineError::Docker(e)),
            }
        }
        if kind == BuilderKind::Legacy {
            finish_legacy_step(&mut progress, on_event);
        }
        on_event(transfer.note());
        let image_id = progress.image_id.ok_or_else(|| {
            EngineError::Other("the builder finished without reporting an image id".into())
        })?;
        Ok(BuildOutcome {
            image_id,
            builder: kind,
            seconds: started.elapsed().as_secs_f64(),
            steps: progress.steps,
            cached_steps: progress.cached,
            context_transfer: transfer.kind,
            context_sent: transfer.sent(),
        })
    }
}

fn failure(
    progress: &mut Progress,
    mapper: &StepMapper,
    kind: BuilderKind,
    error: String,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) -> EngineError {
    let step = match kind {
        BuilderKind::Buildkit => progress.failed.clone(),
        BuilderKind::Legacy => progress.current.take().map(|(s, _)| s),
    };
    if let (BuilderKind::Legacy, Some(step)) = (kind, &step) {
        on_event(BuildEvent::Step {
            step: step.clone(),
            state: StepState::Failed(error.clone()),
        });
    }
    EngineError::BuildFailed {
        line: step
            .and_then(|s| s.line)
            .or_else(|| mapper.failed_run(&error)),
        message: error.trim().to_string(),
    }
}

fn handle(
    progress: &mut Progress,
    mapper: &StepMapper,
    kind: BuilderKind,
    info: BuildInfo,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    match info.aux {
        Some(BuildInfoAux::BuildKit(status)) => buildkit_status(progress, mapper, status, on_event),
        Some(BuildInfoAux::Default(image)) => {
            if let Some(id) = image.id {
                progress.image_id = Some(id.clone());
                on_event(BuildEvent::Image { id });
            }
        }
        None => {}
    }
    if let Some(text) = info.stream {
        match kind {
            BuilderKind::Legacy => legacy_stream(progress, mapper, &text, on_event),
            BuilderKind::Buildkit => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    on_event(BuildEvent::Note {
                        text: line.to_string(),
                    });
                }
            }
        }
    }
    if let Some(status) = info.status.filter(|s| !s.is_empty()) {
        on_event(BuildEvent::Note { text: status });
    }
}

fn buildkit_status(
    progress: &mut Progress,
    mapper: &StepMapper,
    status: StatusResponse,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    for vertex in status.vertexes {
        let entry = progress
            .vertices
            .entry(vertex.digest.clone())
            .or_insert_with(|| (mapper.buildkit(&vertex.name), None));
        let state = if !vertex.error.is_empty() {
            Some(StepState::Failed(vertex.error.clone()))
        } else if vertex.cached {
            Some(StepState::Cached)
        } else if vertex.completed.is_some() {
            Some(StepState::Done)
        } else if vertex.started.is_some() {
            Some(StepState::Running)
        } else {
            None
        };
        let Some(state) = state else { continue };
        if entry.1.as_ref() == Some(&state) {
            continue;
        }
        if matches!(state, StepState::Failed(_)) {
            progress.failed = Some(entry.0.clone());
        }
        if entry.0.line.is_some() && matches!(state, StepState::Done | StepState::Cached) {
            progress.steps += 1;
            progress.cached += usize::from(state == StepState::Cached);
        }
        entry.1 = Some(state.clone());
        on_event(BuildEvent::Step {
            step: entry.0.clone(),
            state,
        });
    }
    for log in status.logs {
        let step = progress.vertices.get(&log.vertex).map(|(s, _)| s.clone());
        for line in String::from_utf8_lossy(&log.msg).lines() {
            on_event(BuildEvent::Log {
                step: step.clone(),
                text: line.to_string(),
            });
        }
    }
    for warning in status.warnings {
        on_event(BuildEvent::Note {
            text: format!("warning: {}", String::from_utf8_lossy(&warning.short)),
        });
    }
}

fn finish_legacy_step(progress: &mut Progress, on_event: &mut (dyn FnMut(BuildEvent) + Send)) {
    if let Some((step, cached)) = progress.current.take() {
        progress.steps += 1;
        progress.cached += usize::from(cached);
        on_event(BuildEvent::Step {
            step,
            state: if cached {
                StepState::Cached
            } else {
                StepState::Done
            },
        });
    }
}

fn legacy_stream(
    progress: &mut Progress,
    mapper: &StepMapper,
    text: &str,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    for line in text.lines() {
        if let Some(step) = mapper.legacy(line) {
            finish_legacy_step(progress, on_event);
            on_event(BuildEvent::Step {
                step: step.clone(),
                state: StepState::Running,
            });
            progress.current = Some((step, false));
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "---> Using cache" {
            if let Some((_, cached)) = progress.current.as_mut() {
                *cached = true;
            }
            continue;
        }
        if let Some(id) = trimmed.strip_prefix("Successfully built ") {
            progress.image_id.get_or_insert_with(|| id.to_string());
            continue;
        }
        if trimmed.starts_with("---> ") || trimmed.starts_with("Successfully tagged ") {
            continue;
        }
        on_event(BuildEvent::Log {
            step: progress.current.as_ref().map(|(s, _)| s.clone()),
            text: line.to_string(),
        });
    }
}
