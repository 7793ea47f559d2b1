//! Running a freshly built image in a sandbox and reporting what happened.
//!
//! The workbench runs images the user is still experimenting with, so every run
//! gets no network, a read-only root filesystem, no capabilities, a pids and a
//! memory limit, and a timeout. The run is a result, never a failure: a
//! non-zero exit, an entrypoint the kernel cannot execute, a timeout or an OOM
//! kill all come back as a `RunResult`. Only the daemon misbehaving (or the
//! user cancelling) is an `EngineError`.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{
    BollardDate, ContainerCreateBody, ContainerState, HealthStatusEnum, HostConfig,
    HostConfigLogConfig,
};
use bollard::query_parameters::{
    KillContainerOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::service::ServiceProbe;
use super::{Engine, EngineError};

const MIB: usize = 1024 * 1024;
/// How often service mode asks the daemon for the health status. Health checks
/// themselves run every few seconds, so this only bounds the extra latency.
const HEALTH_POLL: Duration = Duration::from_millis(200);
/// How long a healthy service gets to shut down on SIGTERM before the daemon
/// kills it.
const STOP_GRACE_SECS: i32 = 5;
/// A killed container exits at once; this only bounds waiting for the daemon
/// to notice, so a wedged daemon cannot hang a run.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Go programs may want a scratch directory (os.TempDir) even on a read-only
/// root filesystem; this keeps it small and non-executable.
const TMP_MOUNT_OPTIONS: &str = "rw,nosuid,nodev,noexec,size=16m,mode=1777";

/// How to run an image. The defaults suit a command-line program that prints
/// something and exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// A run that takes longer is killed and reported as timed out. In service
    /// mode this is how long the service has to become healthy.
    pub timeout: Duration,
    /// The container's memory limit; swap is disabled so exceeding it is a
    /// real OOM kill.
    pub memory_bytes: i64,
    /// Stops a fork bomb from taking the machine down.
    pub pids_limit: i64,
    /// Bytes kept from each of stdout and stderr; the rest is dropped and the
    /// cut is marked.
    pub output_cap: usize,
    /// Run until the image's HEALTHCHECK says healthy, then stop it. Without a
    /// HEALTHCHECK the image runs as in normal mode.
    pub service: bool,
    /// Replaces the image's CMD (the ENTRYPOINT stays).
    pub cmd: Option<Vec<String>>,
    /// How to tell an image that listens is up (src/engine/service.rs);
    /// used when `service` (the HEALTHCHECK path) is off.
    pub probe: ServiceProbe,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory_bytes: 256 * MIB as i64,
            pids_limit: 128,
            output_cap: MIB,
            service: false,
            cmd: None,
            probe: ServiceProbe::default(),
        }
    }
}

pub use crate::outcome::RunResult;

/// How the waiting part of a run ended.
struct Ending {
    timed_out: bool,
    health: Option<String>,
    health_log: Option<String>,
}

impl Engine {
    /// Runs `image` in the sandbox and reports what it did. The container is
    /// removed afterwards whatever happens: on success, failure, timeout,
    /// cancel, and when the caller stops awaiting this future.
    pub async fn run_image(
        &self,
        image: &str,
        opts: &RunOptions,
        cancel: &CancellationToken,
    ) -> Result<RunResult, EngineError> {
        // The run lives in its own task so that dropping this future (an
        // aborted worker task) cancels the run instead of abandoning it halfway,
        // e.g. with a create request in flight whose container id we never see.
        let stop = cancel.child_token();
        let _cancel_when_dropped = stop.clone().drop_guard();
        let engine = self.clone();
        let image = image.to_string();
        let opts = opts.clone();
        let run = tokio::spawn(async move { engine.run_to_removal(&image, &opts, &stop).await });
        match run.await {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => Err(EngineError::Cancelled),
        }
    }

    /// Create, run, remove: the removal follows whatever the run did, since
    /// nothing between create and remove can return early.
    async fn run_to_removal(
        &self,
        image: &str,
        opts: &RunOptions,
        cancel: &CancellationToken,
    ) -> Result<RunResult, EngineError> {
        if cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if !opts.service
            && let Some(plan) = self.service_plan(image, &opts.probe).await?
        {
            return self.run_service(image, &plan, opts, cancel).await;
        }
        let created = self
            .docker()
            .create_container(None, sandbox_config(image, opts, self.labels()))
            .await?;
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(EngineError::Cancelled),
            result = self.drive(&created.id, opts) => result,
        };
        let removed = remove_container(self.docker(), &created.id).await;
        let result = outcome?;
        ignore_gone(removed)?;
        Ok(result)
    }

    /// Starts the created container, waits for it and gathers the result.
    async fn drive(&self, id: &str, opts: &RunOptions) -> Result<RunResult, EngineError> {
        let docker = self.docker();
        let began = Instant::now();
        if let Err(err) = docker.start_container(id, None).await {
            return self.start_failure(id, err).await;
        }
        // The timeout is the program's time: it starts once the process runs.
        let deadline = Instant::now() + opts.timeout;
        let ending = if opts.service {
            self.watch_health(id, deadline).await?
        } else {
            Ending {
                timed_out: self.wait_until(id, deadline).await?,
                health: None,
                health_log: None,
            }
        };
        let wall = began.elapsed();
        let state = docker
            .inspect_container(id, None)
            .await?
            .state
            .unwrap_or_default();
        let ((stdout, stdout_truncated), (stderr, stderr_truncated)) = tokio::try_join!(
            read_log(docker, id, LogStream::Stdout, opts.output_cap),
            read_log(docker, id, LogStream::Stderr, opts.output_cap),
        )?;
        Ok(RunResult {
            exit_code: state.exit_code,
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            duration_ms: run_duration_ms(&state, wall),
            timed_out: ending.timed_out,
            oom_killed: state.oom_killed.unwrap_or(false),
            health: ending.health,
            health_log: ending.health_log,
            error: state.error.filter(|e| !e.is_empty()),
            service: None,
        })
    }

    /// dockerd refuses to start a container whose entrypoint is missing or not
    /// executable, but records the reason and an exit code (127, 126) in the
    /// container's state. That is the image's fault, so it is a run result.
    /// (A dynamically linked binary without its loader does start: runc then
    /// prints `exec /app: no such file or directory` to stderr and exits 1.)
    pub(super) async fn start_failure(
        &self,
        id: &str,
        err: DockerError,
    ) -> Result<RunResult, EngineError> {
        let state = match self.docker().inspect_container(id, None).await {
            Ok(inspect) => inspect.state.unwrap_or_default(),
            Err(_) => return Err(err.into()),
        };
        let Some(message) = state.error.clone().filter(|e| !e.is_empty()) else {
            return Err(err.into());
        };
        Ok(RunResult {
            exit_code: state.exit_code,
            stderr: format!("{message}\n"),
            // The program never ran.
            duration_ms: 0,
            error: Some(message),
            ..RunResult::default()
        })
    }

    /// Waits for the container to exit; at the deadline kills it. Returns
    /// whether it timed out.
    async fn wait_until(&self, id: &str, deadline: Instant) -> Result<bool, EngineError> {
        let mut wait = self.docker().wait_container(id, None);
        match tokio::time::timeout_at(deadline, wait.next()).await {
            Ok(Some(Ok(_)) | None) => Ok(false),
            // bollard reports a non-zero exit as an error; it is just how the
            // program ended.
            Ok(Some(Err(DockerError::DockerContainerWaitError { .. }))) => Ok(false),
            Ok(Some(Err(err))) => Err(err.into()),
            Err(_elapsed) => {
                self.kill(id).await?;
                Ok(true)
            }
        }
    }

    /// Service mode: polls the health status until it settles, the container
    /// exits or the deadline passes. A healthy service is stopped gracefully so
    /// its shutdown shows in the logs and the exit code.
    async fn watch_health(&self, id: &str, deadline: Instant) -> Result<Ending, EngineError> {
        let docker = self.docker();
        let mut tick = tokio::time::interval(HEALTH_POLL);
        let mut last: Option<String> = None;
        let mut probe: Option<String> = None;
        loop {
            if tokio::time::timeout_at(deadline, tick.tick())
                .await
                .is_err()
            {
                self.kill(id).await?;
                return Ok(Ending {
                    timed_out: true,
                    health: last,
                    health_log: probe,
                });
            }
            let state = docker
                .inspect_container(id, None)
                .await?
                .state
                .unwrap_or_default();
            let status = state.health.as_ref().and_then(|h| h.status);
            if let Some(output) = state
                .health
                .as_ref()
                .and_then(|h| h.log.as_ref())
                .and_then(|log| log.last())
                .and_then(|r| r.output.clone())
                .filter(|o| !o.trim().is_empty())
            {
                probe = Some(output);
            }
            if state.running != Some(true) {
                return Ok(Ending {
                    timed_out: false,
                    health: status.map(|s| s.to_string()).or(last),
                    health_log: probe,
                });
            }
            match status {
                Some(HealthStatusEnum::HEALTHY) => {
                    self.stop(id).await?;
                    return Ok(Ending {
                        timed_out: false,
                        health: Some(HealthStatusEnum::HEALTHY.to_string()),
                        health_log: probe,
                    });
                }
                Some(HealthStatusEnum::UNHEALTHY) => {
                    self.kill(id).await?;
                    return Ok(Ending {
                        timed_out: false,
                        health: Some(HealthStatusEnum::UNHEALTHY.to_string()),
                        health_log: probe,
                    });
                }
                Some(HealthStatusEnum::STARTING) => {
                    last = Some(HealthStatusEnum::STARTING.to_string());
                }
                Some(HealthStatusEnum::NONE | HealthStatusEnum::EMPTY) | None => {
                    // No HEALTHCHECK: nothing to wait for but the exit.
                    return Ok(Ending {
                        timed_out: self.wait_until(id, deadline).await?,
                        health: None,
                        health_log: None,
                    });
                }
            }
        }
    }

    pub(super) async fn kill(&self, id: &str) -> Result<(), EngineError> {
        let killed = self
            .docker()
            .kill_container(id, Some(KillContainerOptions::default()))
            .await;
        ignore_gone(killed)?;
        self.settle(id).await
    }

    pub(super) async fn stop(&self, id: &str) -> Result<(), EngineError> {
        let options = StopContainerOptions {
            t: Some(STOP_GRACE_SECS),
            signal: None,
        };
        ignore_gone(self.docker().stop_container(id, Some(options)).await)?;
        self.settle(id).await
    }

    /// Waits (briefly) until the daemon has the container as exited, so the
    /// inspect that follows sees the final exit code and finish time.
    async fn settle(&self, id: &str) -> Result<(), EngineError> {
        let mut wait = self.docker().wait_container(id, None);
        match tokio::time::timeout(SETTLE_TIMEOUT, wait.next()).await {
            Ok(Some(Err(err))) if !matches!(err, DockerError::DockerContainerWaitError { .. }) => {
                ignore_gone(Err(err))
            }
            Ok(_) => Ok(()),
            Err(_elapsed) => Err(EngineError::Other(format!(
                "the Docker daemon did not report container {id} as stopped within {} s of \
                 stopping it; check that the daemon is healthy (`docker info`)",
                SETTLE_TIMEOUT.as_secs()
            ))),
        }
    }
}

/// The container config: the image with the sandbox around it.
pub(super) fn sandbox_config(
    image: &str,
    opts: &RunOptions,
    labels: HashMap<String, String>,
) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: opts.cmd.clone(),
        labels: Some(labels),
        tty: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_string()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            pids_limit: Some(opts.pids_limit),
            memory: Some(opts.memory_bytes),
            memory_swap: Some(opts.memory_bytes),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_string(),
                TMP_MOUNT_OPTIONS.to_string(),
            )])),
            // Removed by us, after the logs and the state have been read.
            auto_remove: Some(false),
            // The daemon's default driver might not support reading logs back.
            log_config: Some(HostConfigLogConfig {
                typ: Some("json-file".to_string()),
                config: None,
            }),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    }
}

#[derive(Clone, Copy)]
pub(super) enum LogStream {
    Stdout,
    Stderr,
}

/// Reads one of the container's output streams, keeping at most `cap` bytes.
/// Reading stops at the cap, so a program that printed gigabytes costs no
/// more than one that printed the cap.
pub(super) async fn read_log(
    docker: &Docker,
    id: &str,
    which: LogStream,
    cap: usize,
) -> Result<(String, bool), EngineError> {
    let options = LogsOptions {
        stdout: matches!(which, LogStream::Stdout),
        stderr: matches!(which, LogStream::Stderr),
        ..LogsOptions::default()
    };
    let mut logs = docker.logs(id, Some(options));
    let mut bytes = Vec::new();
    while let Some(chunk) = logs.next().await {
        bytes.extend_from_slice(&chunk?.into_bytes());
        if bytes.len() > cap {
            break;
        }
    }
    Ok(capped_text(&bytes, cap))
}

/// The first `cap` bytes as text (never splitting a character), with the cut
/// marked; and whether there was a cut.
fn capped_text(bytes: &[u8], cap: usize) -> (String, bool) {
    if bytes.len() <= cap {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut cut = cap;
    // Back off over UTF-8 continuation bytes (at most three) to a char start.
    while cut > 0 && cap - cut < 3 && bytes[cut] & 0b1100_0000 == 0b1000_0000 {
        cut -= 1;
    }
    let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    text.push_str(&format!("\n… [output truncated at {}]", size_label(cap)));
    (text, true)
}

fn size_label(bytes: usize) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// The daemon's StartedAt→FinishedAt, which leaves out our own round trips;
/// our wall-clock time from start to exit when the daemon's timestamps are
/// unusable. Rounded up, so a run that happened never shows 0 ms.
pub(super) fn run_duration_ms(state: &ContainerState, wall: Duration) -> u64 {
    let parse = |t: &Option<String>| t.as_deref()?.parse::<BollardDate>().ok();
    let micros = match (parse(&state.started_at), parse(&state.finished_at)) {
        (Some(started), Some(finished)) => (finished - started).num_microseconds().unwrap_or(0),
        _ => 0,
    };
    let micros = match u64::try_from(micros) {
        Ok(m) if m > 0 => m,
        _ => u64::try_from(wall.as_micros()).unwrap_or(u64::MAX),
    };
    micros.div_ceil(1000)
}

/// A container already stopped or already removed is what we wanted anyway.
pub(super) fn ignore_gone(result: Result<(), DockerError>) -> Result<(), EngineError> {
    match result {
        Err(DockerError::DockerResponseServerError {
            status_code: 304 | 404 | 409,
            ..
        }) => Ok(()),
        other => other.map_err(EngineError::from),
    }
}

/// Force, so a container still running (timeout, cancel) goes too.
pub(super) async fn remove_container(docker: &Docker, id: &str) -> Result<(), DockerError> {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        link: false,
    };
    docker.remove_container(id, Some(options)).await
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
