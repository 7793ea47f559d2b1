//! Running an image that listens: a service is judged by answering, not by
//! exiting.
//!
//! Most Go modules are services that never exit, so running them as a
//! program only ever says "timed out". An image is run as a service when it
//! EXPOSEs a port, when `--port` names one, when its Go sources call
//! `ListenAndServe` or `net.Listen`, or when `--ready TEXT` says what "up"
//! looks like (an image with a HEALTHCHECK keeps the health-check path in
//! run.rs). A service runs in the same sandbox as any run, but on a network
//! of its own that dockstage creates with `internal: true` (no route out; on
//! a local daemon the host reaches the container's address). dockstage
//! polls the port with TCP connects until it answers (and, with `--ready`,
//! until the text has appeared on stdout or stderr), sends one HTTP GET of
//! the probe path, and stops the service. The result is the time to ready,
//! the status, the content type and the first bytes of the body.
//!
//! A port that only the sources suggest is a guess: a CLI with a `serve`
//! subcommand calls ListenAndServe too. So a program that exits before
//! answering is a failed service only when EXPOSE or `--port` declared the
//! port; otherwise its exit is judged as a program's.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use bollard::errors::Error as DockerError;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::{ListNetworksOptions, LogsOptions};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::run::{
    LogStream, RunOptions, RunResult, ignore_gone, read_log, remove_container, run_duration_ms,
    sandbox_config,
};
use super::{Engine, EngineError, new_session_id};
use crate::goproject::GoFacts;
pub use crate::outcome::ServiceAnswer;

/// Bytes of the answer's body kept: enough to compare, small enough to show.
const BODY_CAP: usize = 8 * 1024;
/// How often the port is tried while the service starts.
const CONNECT_POLL: Duration = Duration::from_millis(50);
/// One connect attempt; a container on a local bridge answers in far less.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// The one GET may take this long (or what is left of the run's timeout).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Go files read to learn whether the program listens.
const SCAN_LIMIT: usize = 5_000;

/// What the user and the sources say about reaching a service: the
/// `--port`, `--probe` and `--ready` flags, and the source scan's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceProbe {
    /// The port to wait on and probe, over whatever EXPOSE says.
    pub port: Option<u16>,
    /// The path of the one GET; `/` when not given.
    pub path: Option<String>,
    /// Text on stdout or stderr that means a still-running program is ready.
    pub ready_text: Option<String>,
    /// The Go sources call ListenAndServe or net.Listen.
    pub sources_listen: bool,
    /// Ports the sources' listen-address literals name (`":8080"`).
    pub source_ports: Vec<u16>,
}

impl ServiceProbe {
    /// Adds what the Go sources under `dir` say about listening.
    pub fn with_sources(self, dir: &Path) -> Self {
        self.with_facts(&GoFacts::scan_dir(dir, SCAN_LIMIT))
    }

    /// Adds what a scan of the Go sources found about listening.
    pub fn with_facts(mut self, facts: &GoFacts) -> Self {
        self.sources_listen = facts.listens;
        self.source_ports = facts.listen_ports.clone();
        self
    }
}

/// How one run tells the service is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServicePlan {
    port: Option<u16>,
    /// EXPOSE or --port named the port: exiting before answering fails.
    declared: bool,
    path: String,
    ready_text: Option<String>,
}

/// How the wait for a service ended.
enum Waited {
    Ready(u64),
    Exited,
    Deadline,
}

impl Engine {
    /// Whether `image` runs as a service, and how it is judged; `None` runs
    /// it as a program.
    pub(super) async fn service_plan(
        &self,
        image: &str,
        probe: &ServiceProbe,
    ) -> Result<Option<ServicePlan>, EngineError> {
        let exposed = self
            .docker()
            .inspect_image(image)
            .await?
            .config
            .and_then(|c| c.exposed_ports)
            .unwrap_or_default();
        Ok(plan_for(&exposed, probe))
    }

    /// Runs the service on a network of its own, waits for it, probes it,
    /// stops it; the container and the network are removed whatever happens.
    pub(super) async fn run_service(
        &self,
        image: &str,
        plan: &ServicePlan,
        opts: &RunOptions,
        cancel: &CancellationToken,
    ) -> Result<RunResult, EngineError> {
        let network = match plan.port {
            Some(_) => Some(self.create_probe_network().await?),
            None => None,
        };
        let mut config = sandbox_config(image, opts, self.labels());
        if let (Some(net), Some(host)) = (&network, config.host_config.as_mut()) {
            host.network_mode = Some(net.clone());
        }
        let created = self.docker().create_container(None, config).await;
        let outcome = match &created {
            Ok(created) => {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => Err(EngineError::Cancelled),
                    result = self.drive_service(&created.id, plan, opts, network.as_deref()) => result,
                }
            }
            Err(_) => Ok(RunResult::default()),
        };
        let removed = match &created {
            Ok(created) => ignore_gone(remove_container(self.docker(), &created.id).await),
            Err(_) => Ok(()),
        };
        let network_removed = match &network {
            Some(net) => ignore_gone(self.docker().remove_network(net).await),
            None => Ok(()),
        };
        created?;
        let result = outcome?;
        removed?;
        network_removed?;
        Ok(result)
    }

    async fn create_probe_network(&self) -> Result<String, EngineError> {
        let name = format!("dockstage-probe-{}", &new_session_id()[..16]);
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            internal: Some(true),
            labels: Some(self.labels()),
            ..NetworkCreateRequest::default()
        };
        self.docker().create_network(request).await?;
        Ok(name)
    }

    async fn drive_service(
        &self,
        id: &str,
        plan: &ServicePlan,
        opts: &RunOptions,
        network: Option<&str>,
    ) -> Result<RunResult, EngineError> {
        let docker = self.docker();
        if let Err(err) = docker.start_container(id, None).await {
            return self.start_failure(id, err).await;
        }
        let began = Instant::now();
        let deadline = began + opts.timeout;
        let address = match (network, plan.port) {
            (Some(net), Some(port)) => self
                .container_ip(id, net)
                .await?
                .map(|ip| SocketAddr::new(ip, port)),
            _ => None,
        };
        // Without an address (it exited at once) there is nothing to poll.
        let reachable = address.is_some() || plan.port.is_none();
        let waited = {
            let mut exit = docker.wait_container(id, None);
            let ready = async {
                if !reachable || (address.is_none() && plan.ready_text.is_none()) {
                    return std::future::pending().await;
                }
                tokio::join!(
                    self.text_seen(id, plan.ready_text.as_deref()),
                    port_answers(address)
                );
                u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX)
            };
            tokio::select! {
                ms = ready => Waited::Ready(ms),
                _ = exit.next() => Waited::Exited,
                () = tokio::time::sleep_until(deadline) => Waited::Deadline,
            }
        };
        let mut answer = ServiceAnswer {
            port: plan.port,
            ..ServiceAnswer::default()
        };
        let mut error = None;
        let mut timed_out = false;
        match waited {
            Waited::Ready(ms) => {
                answer.ready_ms = Some(ms);
                if let Some(addr) = address {
                    let left = deadline.saturating_duration_since(Instant::now());
                    let limit = left.clamp(Duration::from_secs(1), PROBE_TIMEOUT);
                    probe_http(addr, &plan.path, limit, &mut answer).await;
                }
                self.stop(id).await?;
            }
            Waited::Exited => {
                if !plan.declared {
                    return self.finish_as_program(id, began, opts).await;
                }
                let state = docker.inspect_container(id, None).await?.state;
                let code = state.and_then(|s| s.exit_code).unwrap_or(-1);
                error = Some(match plan.port {
                    Some(port) => {
                        format!("exited with code {code} before answering on port {port}")
                    }
                    None => format!("exited with code {code} before it was ready"),
                });
            }
            Waited::Deadline => {
                self.kill(id).await?;
                timed_out = true;
                error = Some(never_ready(plan, opts.timeout));
                if plan.port.is_none() && plan.ready_text.is_none() {
                    // A guess from the sources with no port to wait on.
                    let mut result = self.finish_as_program(id, began, opts).await?;
                    result.timed_out = true;
                    result.error = error;
                    return Ok(result);
                }
            }
        }
        let mut result = self.finish_as_program(id, began, opts).await?;
        result.timed_out = timed_out;
        if error.is_some() {
            result.error = error;
        }
        result.service = Some(Box::new(answer));
        Ok(result)
    }

    /// The exit code, the output and the duration of a container that has
    /// stopped, as a run result.
    async fn finish_as_program(
        &self,
        id: &str,
        began: Instant,
        opts: &RunOptions,
    ) -> Result<RunResult, EngineError> {
        let docker = self.docker();
        let wall = began.elapsed();
        let state = docker
            .inspect_container(id, None)
            .await?
            .state
            .unwrap_or_default();
        let logs = tokio::try_join!(
            read_log(docker, id, LogStream::Stdout, opts.output_cap),
            read_log(docker, id, LogStream::Stderr, opts.output_cap),
        );
        // A container killed under load can be left dead, with its logs
        // gone: the run's result still stands, without them.
        let ((stdout, stdout_truncated), (stderr, stderr_truncated)) = match logs {
            Err(EngineError::Docker(DockerError::DockerResponseServerError {
                status_code: 404 | 409,
                ..
            })) => Default::default(),
            other => other?,
        };
        Ok(RunResult {
            exit_code: state.exit_code,
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            duration_ms: run_duration_ms(&state, wall),
            oom_killed: state.oom_killed.unwrap_or(false),
            error: state.error.filter(|e| !e.is_empty()),
            ..RunResult::default()
        })
    }

    async fn container_ip(&self, id: &str, network: &str) -> Result<Option<IpAddr>, EngineError> {
        let inspect = self.docker().inspect_container(id, None).await?;
        Ok(inspect
            .network_settings
            .and_then(|n| n.networks)
            .and_then(|mut n| n.remove(network))
            .and_then(|e| e.ip_address)
            .and_then(|ip| ip.parse().ok()))
    }

    /// Returns once `text` has appeared on stdout or stderr (at once when
    /// there is no text to wait for); pends if the logs end without it.
    async fn text_seen(&self, id: &str, text: Option<&str>) {
        let Some(text) = text else { return };
        let options = LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            ..LogsOptions::default()
        };
        let mut logs = self.docker().logs(id, Some(options));
        let mut window = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            window.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            if window.contains(text) {
                return;
            }
            // Keep only what a match across the next chunk could need.
            let keep = window.len().saturating_sub(text.len());
            let cut = (keep..=window.len())
                .find(|i| window.is_char_boundary(*i))
                .unwrap_or(window.len());
            window.drain(..cut);
        }
        std::future::pending::<()>().await;
    }

    /// Names of the networks carrying `label` (`key` or `key=value`).
    pub async fn labelled_networks(&self, label: &str) -> Result<Vec<String>, EngineError> {
        let filters = std::collections::HashMap::from([("label".to_string(), vec![label.into()])]);
        let networks = self
            .docker()
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters),
            }))
            .await?;
        Ok(networks.into_iter().filter_map(|n| n.name).collect())
    }

    /// Removes the probe networks carrying `label`; returns how many went.
    pub(super) async fn remove_labelled_networks(&self, label: &str) -> Result<usize, EngineError> {
        let mut removed = 0;
        for name in self.labelled_networks(label).await? {
            // One still in use (a run of a live session) stays, as its
            // containers' images do.
            if self.docker().remove_network(&name).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The plan for an image exposing `exposed` (`"8080/tcp"`), given what the
/// user and the sources say.
fn plan_for(exposed: &[String], probe: &ServiceProbe) -> Option<ServicePlan> {
    let mut tcp: Vec<u16> = exposed
        .iter()
        .filter_map(|p| {
            let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
            (proto == "tcp").then(|| port.parse().ok()).flatten()
        })
        .collect();
    tcp.sort_unstable();
    let declared = probe.port.or(tcp.first().copied());
    let guessed = probe
        .sources_listen
        .then(|| probe.source_ports.first().copied())
        .flatten();
    if declared.is_none()
        && guessed.is_none()
        && probe.ready_text.is_none()
        && !probe.sources_listen
    {
        return None;
    }
    let path = probe.path.clone().unwrap_or_else(|| "/".into());
    Some(ServicePlan {
        port: declared.or(guessed),
        declared: declared.is_some(),
        path: if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        },
        ready_text: probe.ready_text.clone(),
    })
}

/// The failed run's words when the service never got ready.
fn never_ready(plan: &ServicePlan, timeout: Duration) -> String {
    let secs = timeout.as_secs_f64();
    let within = if timeout.subsec_millis() == 0 {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{secs:.1} s")
    };
    match (plan.port, &plan.ready_text) {
        (Some(port), None) => format!("nothing answered on port {port} within {within}"),
        (Some(port), Some(text)) => format!(
            "not ready within {within}: port {port} must answer and “{text}” appear on stdout or stderr"
        ),
        (None, Some(text)) => {
            format!("“{text}” did not appear on stdout or stderr within {within}")
        }
        (None, None) => format!(
            "still running after {within}: the sources listen (ListenAndServe or net.Listen), but \
             no port is known; EXPOSE the port in the Dockerfile or pass --port N, so dockstage \
             can probe it"
        ),
    }
}

/// Returns once a TCP connect to `address` succeeds (at once when there is
/// no address to try).
async fn port_answers(address: Option<SocketAddr>) {
    let Some(address) = address else { return };
    loop {
        if let Ok(Ok(_)) = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await
        {
            return;
        }
        tokio::time::sleep(CONNECT_POLL).await;
    }
}

/// One GET of `path`; fills the status, content type and body. A port that
/// does not answer in HTTP leaves the status empty: it answered TCP.
async fn probe_http(address: SocketAddr, path: &str, limit: Duration, answer: &mut ServiceAnswer) {
    let exchange = async {
        let stream = TcpStream::connect(address).await.ok()?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        let driver = tokio::spawn(conn);
        let request = http::Request::get(path)
            .header(http::header::HOST, address.to_string())
            .header(http::header::USER_AGENT, "dockstage")
            .header(http::header::CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .ok()?;
        let got = async {
            let response = sender.send_request(request).await.ok()?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let mut body = response.into_body();
            let mut bytes = Vec::new();
            let mut truncated = false;
            while let Some(Ok(frame)) = body.frame().await {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
                if bytes.len() > BODY_CAP {
                    bytes.truncate(BODY_CAP);
                    truncated = true;
                    break;
                }
            }
            Some((status, content_type, bytes, truncated))
        }
        .await;
        driver.abort();
        got
    };
    if let Ok(Some((status, content_type, bytes, truncated))) =
        tokio::time::timeout(limit, exchange).await
    {
        answer.status = Some(status);
        answer.content_type = content_type;
        answer.body = String::from_utf8_lossy(&bytes).into_owned();
        answer.body_truncated = truncated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> ServiceProbe {
        ServiceProbe::default()
    }

    #[test]
    fn a_program_that_neither_exposes_nor_listens_is_no_service() {
        assert_eq!(plan_for(&[], &probe()), None);
        assert_eq!(plan_for(&["53/udp".into()], &probe()), None);
    }

    #[test]
    fn the_port_comes_from_the_flag_then_expose_then_the_sources() {
        let exposed = vec!["9090/tcp".to_string(), "8080/tcp".to_string()];
        let plan = plan_for(&exposed, &probe()).unwrap_or_else(|| unreachable!());
        assert_eq!((plan.port, plan.declared), (Some(8080), true));
        assert_eq!(plan.path, "/");
        let flagged = ServiceProbe {
            port: Some(7000),
            path: Some("healthz".into()),
            ..probe()
        };
        let plan = plan_for(&exposed, &flagged).unwrap_or_else(|| unreachable!());
        assert_eq!((plan.port, plan.path.as_str()), (Some(7000), "/healthz"));
        let sources = ServiceProbe {
            sources_listen: true,
            source_ports: vec![3000],
            ..probe()
        };
        let plan = plan_for(&[], &sources).unwrap_or_else(|| unreachable!());
        assert_eq!((plan.port, plan.declared), (Some(3000), false));
    }

    #[test]
    fn the_words_name_what_was_waited_for() {
        let plan = plan_for(&["8080/tcp".into()], &probe()).unwrap_or_else(|| unreachable!());
        assert_eq!(
            never_ready(&plan, Duration::from_secs(10)),
            "nothing answered on port 8080 within 10 s"
        );
        let unknown = ServiceProbe {
            sources_listen: true,
            ..probe()
        };
        let plan = plan_for(&[], &unknown).unwrap_or_else(|| unreachable!());
        assert!(never_ready(&plan, Duration::from_secs(10)).contains("pass --port N"));
    }
}
