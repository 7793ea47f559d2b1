//! The workers behind channels: re-parsing (latest job wins) and the Docker
//! worker, which owns the engine and runs one pipeline job per command. It
//! forwards the job's events as messages and words nothing itself: `update`
//! does (docs/architecture.md, "From a key to a frame").

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::files_view::{FilesError, PREVIEW_BYTES};
use super::model::{DockerStatus, analyze};
use super::msg::{BuildFailure, Cmd, Finished, Msg};
use crate::catalog::Catalog;
use crate::dockerfile::parse;
use crate::engine::image_export::ExportProgress;
use crate::engine::{Engine, EngineError};
use crate::goproject::GoFacts;
use crate::pipeline::Event;
use crate::pipeline::build::{BuildError, BuildJob, BuildOptions, build};
use crate::pipeline::files::image_files;
use crate::pipeline::matrix::{MatrixJob, matrix};
use crate::pipeline::tune::{TuneJob, TuneOptions, tune};
use crate::workbench::cache_misses::BuildRecord;
use crate::workbench::expect::Expectation;

/// How often the daemon is checked, so one that stops or starts shows soon.
const PING_EVERY: Duration = Duration::from_secs(3);

/// Sends commands to the workers.
pub struct Workers {
    analyze: watch::Sender<Option<(u64, String)>>,
    docker: mpsc::UnboundedSender<Cmd>,
    files: mpsc::UnboundedSender<Cmd>,
    done: mpsc::UnboundedReceiver<()>,
}

impl Workers {
    /// Starts the workers; their messages arrive on `tx`.
    pub fn spawn(tx: mpsc::UnboundedSender<Msg>, facts: Option<GoFacts>) -> Workers {
        let (analyze_tx, analyze_rx) = watch::channel(None);
        tokio::spawn(analysis_worker(analyze_rx, tx.clone(), facts));
        let (files_tx, files_rx) = mpsc::unbounded_channel();
        tokio::spawn(super::file_worker::file_worker(files_rx, tx.clone()));
        let (docker_tx, docker_rx) = mpsc::unbounded_channel();
        let (done_tx, done) = mpsc::unbounded_channel();
        tokio::spawn(docker_worker(docker_rx, tx, done_tx));
        Workers {
            analyze: analyze_tx,
            docker: docker_tx,
            files: files_tx,
            done,
        }
    }

    pub fn send(&self, cmd: Cmd) {
        match cmd {
            Cmd::Analyze { version, text } => {
                // A newer text replaces one not yet started: latest wins.
                let _ = self.analyze.send(Some((version, text)));
            }
            cmd @ (Cmd::Save { .. }
            | Cmd::Export { .. }
            | Cmd::CheckDisk { .. }
            | Cmd::ListDockerfiles { .. }
            | Cmd::OpenFile { .. }
            | Cmd::SaveLessonProgress { .. }
            | Cmd::ResetLesson { .. }) => {
                let _ = self.files.send(cmd);
            }
            other => {
                let _ = self.docker.send(other);
            }
        }
    }

    /// Asks the Docker worker to cancel builds and remove this session's
    /// objects, and waits for it (at most `limit`).
    pub async fn shutdown(mut self, limit: Duration) {
        let _ = self.docker.send(Cmd::Quit);
        let _ = tokio::time::timeout(limit, self.done.recv()).await;
    }
}

async fn analysis_worker(
    mut jobs: watch::Receiver<Option<(u64, String)>>,
    tx: mpsc::UnboundedSender<Msg>,
    facts: Option<GoFacts>,
) {
    while jobs.changed().await.is_ok() {
        let Some((version, text)) = jobs.borrow_and_update().clone() else {
            continue;
        };
        let facts = facts.clone();
        let analysis =
            tokio::task::spawn_blocking(move || analyze(&text, Catalog::bundled(), facts.as_ref()))
                .await;
        if let Ok(analysis) = analysis
            && tx.send(Msg::Analyzed(version, Box::new(analysis))).is_err()
        {
            return;
        }
    }
}

async fn connect(tx: &mpsc::UnboundedSender<Msg>) -> Option<Engine> {
    match Engine::connect().await {
        Ok(engine) => {
            let _ = tx.send(Msg::Docker(DockerStatus::Ready {
                version: engine.server.version.clone(),
                endpoint: engine.endpoint.to_string(),
            }));
            let mut images = Vec::new();
            let catalog = Catalog::bundled();
            let all = std::iter::once(catalog.builder.image.clone())
                .chain(catalog.bases.iter().map(|b| b.image.clone()));
            for image in all.filter(|i| i != "scratch") {
                let local = engine.local_image(&image).await.ok().flatten();
                images.push((image, local));
            }
            let _ = tx.send(Msg::Images(images));
            Some(engine)
        }
        Err(e) => {
            let _ = tx.send(Msg::Docker(DockerStatus::Absent {
                reason: short_reason(&e),
            }));
            None
        }
    }
}

fn short_reason(e: &EngineError) -> String {
    match e {
        EngineError::Unreachable { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

async fn docker_worker(
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
    done: mpsc::UnboundedSender<()>,
) {
    let mut engine = connect(&tx).await;
    let mut builds: HashMap<u64, CancellationToken> = HashMap::new();
    let mut preview: Option<CancellationToken> = None;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            cmd = cmds.recv() => {
                let Some(cmd) = cmd else { break };
                match cmd {
                    Cmd::Build { id, text, dir, dockerfile, args, target, previous } => {
                        let Some(engine) = engine.clone() else {
                            let _ = tx.send(Msg::BuildDone(id, Err(BuildFailure {
                                message: "no Docker daemon".into(), ..BuildFailure::default()
                            })));
                            continue;
                        };
                        let token = CancellationToken::new();
                        builds.insert(id, token.clone());
                        tokio::spawn(build_task(engine, id, (text, args, target, previous), dir, dockerfile, token, tx.clone()));
                    }
                    Cmd::Tune { id, text, dir, args } => {
                        let Some(engine) = engine.clone() else {
                            let _ = tx.send(Msg::TuneDone(id, Err(BuildFailure {
                                message: "no Docker daemon".into(), ..BuildFailure::default()
                            })));
                            continue;
                        };
                        let token = CancellationToken::new();
                        builds.insert(id, token.clone());
                        tokio::spawn(tune_task(engine, id, (text, args), dir, token, tx.clone()));
                    }
                    Cmd::Matrix { id, text, dir, args } => {
                        let Some(engine) = engine.clone() else {
                            let _ = tx.send(Msg::MatrixDone(id, Err(BuildFailure {
                                message: "no Docker daemon".into(), ..BuildFailure::default()
                            })));
                            continue;
                        };
                        let token = CancellationToken::new();
                        builds.insert(id, token.clone());
                        tokio::spawn(matrix_task(engine, id, (text, args), dir, token, tx.clone()));
                    }
                    Cmd::ReadFiles { image } => {
                        let Some(engine) = engine.clone() else {
                            let _ = tx.send(Msg::FilesRead { image, result: Err(FilesError {
                                message: "no Docker daemon".into(), gone: false,
                            })});
                            continue;
                        };
                        tokio::spawn(files_task(engine, image, tx.clone()));
                    }
                    Cmd::ReadImageFile { image, path } => {
                        let Some(engine) = engine.clone() else {
                            let _ = tx.send(Msg::ImageFileRead {
                                image, path, result: Err("no Docker daemon".into()),
                            });
                            continue;
                        };
                        // Latest wins: each preview streams the whole export
                        // again, so an older one still reading stops.
                        if let Some(older) = preview.take() {
                            older.cancel();
                        }
                        let token = CancellationToken::new();
                        preview = Some(token.clone());
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let result = engine
                                .read_image_file_until(&image, &path, PREVIEW_BYTES, &token)
                                .await;
                            if matches!(result, Err(EngineError::Cancelled)) {
                                return;
                            }
                            let result = result.map_err(|e| e.to_string());
                            let _ = tx.send(Msg::ImageFileRead { image, path, result });
                        });
                    }
                    Cmd::CancelBuild(id) => {
                        if let Some(token) = builds.remove(&id) {
                            token.cancel();
                        }
                    }
                    Cmd::Quit => {
                        for token in builds.values().chain(preview.iter()) {
                            token.cancel();
                        }
                        if let Some(engine) = &engine {
                            // Give cancelled tasks a moment to stop before removing their objects.
                            tokio::time::sleep(Duration::from_millis(300)).await;
                            let _ = engine.cleanup_session().await;
                        }
                        let _ = done.send(());
                        return;
                    }
                    Cmd::Analyze { .. } | Cmd::Save { .. } | Cmd::Export { .. } | Cmd::CheckDisk { .. }
                    | Cmd::ListDockerfiles { .. } | Cmd::OpenFile { .. }
                    | Cmd::SaveLessonProgress { .. }
                    | Cmd::ResetLesson { .. } => {}
                }
            }
            _ = ping.tick() => {
                let alive = match &engine {
                    Some(e) => e.ping().await,
                    None => false,
                };
                if !alive {
                    let was = engine.is_some();
                    engine = connect(&tx).await;
                    if was && engine.is_none() {
                        builds.clear();
                    }
                }
                builds.retain(|_, t| !t.is_cancelled());
            }
        }
    }
    let _ = done.send(());
}

/// Reads an image's files from its export, sending progress as each layer
/// is indexed. An image no longer on the daemon says so, apart from other
/// errors, so the workbench can say how to get it back.
async fn files_task(engine: Engine, image: String, tx: mpsc::UnboundedSender<Msg>) {
    let result = match engine.local_image(&image).await {
        Ok(None) => Err(FilesError {
            message: format!("no image {image} on the daemon"),
            gone: true,
        }),
        Err(e) => Err(FilesError {
            message: e.to_string(),
            gone: false,
        }),
        Ok(Some(_)) => {
            let send = tx.clone();
            let name = image.clone();
            let on_progress = move |p: ExportProgress| {
                let _ = send.send(Msg::FilesProgress {
                    image: name.clone(),
                    layers_read: p.layers_read,
                    bytes_read: p.bytes_read,
                });
            };
            image_files(&engine, &image, on_progress)
                .await
                .map(Arc::new)
                .map_err(|e| FilesError {
                    message: e.to_string(),
                    gone: false,
                })
        }
    };
    let _ = tx.send(Msg::FilesRead { image, result });
}

async fn tune_task(
    engine: Engine,
    id: u64,
    (text, args): (String, Vec<String>),
    dir: PathBuf,
    cancel: CancellationToken,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let send = tx.clone();
    let mut on_event = move |event: Event| {
        let _ = send.send(Msg::Tune(id, event));
    };
    let job = TuneJob {
        dir,
        text,
        options: TuneOptions {
            args,
            ..TuneOptions::default()
        },
    };
    let result = tune(&engine, &job, &mut on_event, &cancel).await;
    let _ = tx.send(Msg::TuneDone(id, result.map(Box::new).map_err(job_failure)));
}

async fn matrix_task(
    engine: Engine,
    id: u64,
    (text, args): (String, Vec<String>),
    dir: PathBuf,
    cancel: CancellationToken,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let send = tx.clone();
    let mut on_event = move |event: Event| {
        let _ = send.send(Msg::Matrix(id, event));
    };
    let job = MatrixJob {
        dir,
        text,
        toggles: Vec::new(),
        bases: Vec::new(),
        expect: Expectation::default(),
        timeout: BuildOptions::default().timeout,
        args,
        probe: Default::default(),
    };
    let result = matrix(&engine, &job, &mut on_event, &cancel).await;
    let _ = tx.send(Msg::MatrixDone(
        id,
        result.map(Box::new).map_err(job_failure),
    ));
}

async fn build_task(
    engine: Engine,
    id: u64,
    (text, args, target, previous_build): (
        String,
        Vec<String>,
        Option<String>,
        Option<Arc<BuildRecord>>,
    ),
    dir: PathBuf,
    dockerfile: PathBuf,
    cancel: CancellationToken,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let send = tx.clone();
    let mut on_event = move |event: Event| {
        let _ = send.send(Msg::Build(id, event));
    };
    let job = BuildJob {
        dir,
        dockerfile: Some(dockerfile),
        text,
        options: BuildOptions {
            args,
            target,
            previous_build,
            ..BuildOptions::default()
        },
    };
    let result = build(&engine, &job, &mut on_event, &cancel).await;
    let msg = match result {
        Ok(r) => Ok(Box::new(Finished {
            outcome: r.outcome,
            layers: r.layers,
            run: r.run,
            explanation: r.explanation,
        })),
        Err(e) => Err(failure(e)),
    };
    let _ = tx.send(Msg::BuildDone(id, msg));
}

/// A build error as the workbench shows it: the lines to mark and the known
/// causes, worked out by the pipeline as for `dockstage build`, so both name
/// the same lines for the same failure.
pub fn build_failure(error: EngineError, text: &str) -> BuildFailure {
    failure(BuildError::explained(error, &parse(text)))
}

/// A tune or matrix that stopped: cancelled, or the engine's reason.
fn job_failure(error: EngineError) -> BuildFailure {
    BuildFailure {
        cancelled: matches!(error, EngineError::Cancelled),
        message: error.to_string(),
        ..BuildFailure::default()
    }
}

fn failure(error: BuildError) -> BuildFailure {
    match error {
        BuildError::Engine(EngineError::Cancelled) => BuildFailure {
            message: "cancelled".into(),
            cancelled: true,
            ..BuildFailure::default()
        },
        BuildError::Failed(failed) => {
            let line = failed.line;
            BuildFailure {
                message: failed.message,
                line,
                other_lines: failed
                    .failures
                    .iter()
                    .skip(1)
                    .filter_map(|r| r.line)
                    .filter(|l| Some(*l) != line)
                    .collect(),
                explanations: failed
                    .failures
                    .into_iter()
                    .filter_map(|r| r.explanation)
                    .collect(),
                cancelled: false,
            }
        }
        BuildError::Engine(EngineError::MissingImages(missing)) => {
            let lines: Vec<usize> = missing.iter().map(|m| m.line).collect();
            BuildFailure {
                message: EngineError::MissingImages(missing).to_string(),
                line: lines.first().copied(),
                other_lines: lines.into_iter().skip(1).collect(),
                ..BuildFailure::default()
            }
        }
        BuildError::Engine(other) => BuildFailure {
            message: other.to_string(),
            ..BuildFailure::default()
        },
    }
}
