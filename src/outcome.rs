//! Plain results of builds and runs: what the engine reports and the
//! workbench explains. They live below both layers, so neither imports the
//! other (see docs/architecture.md).

use serde::{Deserialize, Serialize};

use crate::dockerfile::StageIndex;

/// What happened to a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "error")]
pub enum StepState {
    Running,
    Cached,
    Done,
    Failed(String),
    /// Stopped because another step failed: BuildKit runs stages in
    /// parallel and cancels the rest at the first failure. Not a failure of
    /// its own, so it is never blamed.
    Cancelled,
}

impl StepState {
    /// The state a BuildKit vertex with `error` is in.
    pub fn from_error(error: &str) -> StepState {
        if error.contains("context canceled") {
            StepState::Cancelled
        } else {
            StepState::Failed(error.to_string())
        }
    }
}

/// A step of the build, as the user sees it: a Dockerfile line in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The builder's own name for it, e.g. `[builder 4/4] RUN go build …`.
    pub name: String,
    pub line: Option<usize>,
    pub stage: Option<StageIndex>,
}

/// A step the builder reported failed, with the evidence for why: its own
/// error and output, and the image its stage rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedStep {
    pub step: Step,
    /// The builder's error for this step, e.g. `executor failed running […]: exit code: 127`.
    pub error: String,
    /// What the step printed, newest last (the start is dropped for long output).
    pub log: Vec<String>,
    /// The image the step's stage rests on (following `FROM stage`), so a
    /// missing command can be blamed on the right base.
    pub base: Option<String>,
    /// The base is an offline stand-in (`io.dockstage.standin=true`), which
    /// may lack what the real image has.
    pub base_standin: bool,
}

/// What a run did, as the Run pane, the variants table and `build --format
/// json` (`run:{…}`) show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunResult {
    /// The daemon's exit code: 137 after a kill (timeout, OOM), 127 or 126
    /// when the entrypoint could not be executed at all.
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// From the process starting to it exiting, as the daemon measured it.
    pub duration_ms: u64,
    pub timed_out: bool,
    pub oom_killed: bool,
    /// The last health status seen in service mode (`healthy`, `unhealthy`,
    /// `starting`); `None` when not in service mode or the image has no
    /// HEALTHCHECK.
    pub health: Option<String>,
    /// What the last HEALTHCHECK probe printed, e.g. `/bin/sh: curl: not
    /// found`: the reason a service never became healthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_log: Option<String>,
    /// The daemon's own account of a failure, e.g. why the entrypoint could
    /// not be started.
    pub error: Option<String>,
    /// How an image that listens answered its probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Box<ServiceAnswer>>,
}

impl RunResult {
    /// Whether the image did what a working image does: a program exits 0, a
    /// service becomes healthy or answers without a server error (5xx);
    /// neither times out nor runs out of memory.
    pub fn ok(&self) -> bool {
        if self.timed_out || self.oom_killed {
            return false;
        }
        if let Some(answer) = &self.service {
            return answer.ready_ms.is_some() && answer.status.is_none_or(|s| s < 500);
        }
        match &self.health {
            Some(health) => health == "healthy",
            None => self.exit_code == Some(0),
        }
    }

    /// The line the variants table shows: the program's first words, or its
    /// first complaint when it printed nothing.
    pub fn first_line(&self) -> &str {
        first_non_empty_line(&self.stdout)
            .or_else(|| first_non_empty_line(&self.stderr))
            .unwrap_or("")
    }
}

fn first_non_empty_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim_end)
        .find(|line| !line.trim().is_empty())
}

/// A runtime base that is on this machine, with its size here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseOnHand {
    pub key: String,
    pub size_bytes: u64,
}

/// How a service answered, as `run.service` in JSON and the run line shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceAnswer {
    /// The port waited on and probed; `None` when readiness was a log line
    /// only.
    pub port: Option<u16>,
    /// From the process starting to the port answering (and the `--ready`
    /// text appearing); `None` when it never got there.
    pub ready_ms: Option<u64>,
    /// The HTTP status; `None` when the port answers but not in HTTP.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// The first bytes of the body (lossy UTF-8).
    pub body: String,
    pub body_truncated: bool,
}

/// A context file's content, as a SHA-256 hash, with the size and mtime it
/// had when read: the engine hashes it, the workbench compares two builds'
/// hashes to say which file broke the cache, and a file whose size and
/// mtime are unchanged is not read again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub size: u64,
    pub mtime_ns: i64,
    pub sha256: String,
}
