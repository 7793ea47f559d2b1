//! Building an image with BuildKit (the default) or the legacy builder, as
//! one typed stream of events, with cancellation.

use std::collections::HashMap;
use std::time::Instant;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion};
use futures_util::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::context::BuildContext;
use super::events::{BuildEvent, FailedStep, StepMapper};
use super::progress::{Progress, failure, finish_legacy_step, handle};
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
                    let mut steps = failure(&mut progress, req.mapper, kind, &error, on_event);
                    self.mark_standins(&mut steps).await;
                    // The daemon says "context canceled" or "transport is
                    // closing" when the session broke; say why it did.
                    let message = match transfer.failure() {
                        Some(why) => format!("{} (build session: {why})", error.trim()),
                        None => error.trim().to_string(),
                    };
                    return Err(EngineError::BuildFailed {
                        line: steps.first().and_then(|s| s.step.line),
                        message,
                        steps,
                    });
                }
                Err(e) => return Err(EngineError::Docker(e)),
            }
        }
        progress.flush_all(on_event);
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

impl Engine {
    /// Notes which failed steps rest on an offline stand-in, which may lack
    /// what the real image has (the alpine look-alike has no `apk`).
    async fn mark_standins(&self, steps: &mut [FailedStep]) {
        let mut known: HashMap<String, bool> = HashMap::new();
        for step in steps {
            let Some(base) = step.base.clone() else {
                continue;
            };
            let standin = match known.get(&base) {
                Some(s) => *s,
                None => {
                    let s = matches!(self.local_image(&base).await, Ok(Some(l)) if l.standin);
                    known.insert(base, s);
                    s
                }
            };
            step.base_standin = standin;
        }
    }
}
