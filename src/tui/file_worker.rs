//! The file worker: every read and write of the files the workbench saves,
//! one at a time and in order, so a check never overtakes a save. Between
//! commands it looks at the Dockerfile on a timer, for terminals that do not
//! report focus.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use super::msg::{Cmd, DiskFile, Msg};
use crate::ondisk::{Seen, WriteError, write_if_unchanged};

/// How often the Dockerfile on disk is compared with what the workbench saw.
pub const DISK_CHECK: Duration = Duration::from_secs(2);

pub(super) async fn file_worker(
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let mut watched: Option<PathBuf> = None;
    let mut timer = tokio::time::interval(DISK_CHECK);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let msg = tokio::select! {
            cmd = cmds.recv() => match cmd {
                Some(Cmd::Save { path, text, was }) => {
                    watched.get_or_insert_with(|| path.clone());
                    blocking(move || saved(&path, &was, &text)).await
                }
                Some(Cmd::Export { path, text, was }) => {
                    blocking(move || exported(&path, &was, &text)).await
                }
                Some(Cmd::SaveLessonProgress { name, progress }) => {
                    // Progress is a convenience: a failed save costs the
                    // learner a step's check again, never their work.
                    blocking(move || {
                        if let Err(e) = crate::workbench::lesson::progress::save(&name, &progress) {
                            tracing::warn!(lesson = %name, error = %e, "cannot save lesson progress");
                        }
                        None
                    })
                    .await
                }
                Some(Cmd::ResetLesson { lesson, version }) => {
                    blocking(move || {
                        let fresh = crate::workbench::lesson::progress::start(&lesson, true);
                        let (path, text) = match fresh {
                            Ok((dir, _)) => {
                                let path = dir.join(&lesson.open);
                                let text = crate::input::read_dockerfile(&path)
                                    .map_err(|e| e.to_string());
                                (path, text)
                            }
                            Err(e) => (
                                crate::workbench::lesson::progress::work_dir(&lesson.name),
                                Err(format!("cannot start lesson `{}` over: {e}", lesson.name)),
                            ),
                        };
                        Some(Msg::Opened { path, version, text })
                    })
                    .await
                }
                Some(Cmd::ListDockerfiles { dir }) => {
                    blocking(move || Some(Msg::Dockerfiles(super::file_switch::list(&dir)))).await
                }
                Some(Cmd::OpenFile { path, version }) => {
                    blocking(move || {
                        let text = crate::input::read_dockerfile(&path).map_err(|e| e.to_string());
                        Some(Msg::Opened { path, version, text })
                    })
                    .await
                }
                Some(Cmd::CheckDisk { path }) => {
                    watched = Some(path.clone());
                    blocking(move || check(&path)).await
                }
                Some(_) => None,
                None => return,
            },
            _ = timer.tick() => match watched.clone() {
                Some(path) => blocking(move || check(&path)).await,
                None => None,
            },
        };
        if let Some(msg) = msg
            && tx.send(msg).is_err()
        {
            return;
        }
    }
}

async fn blocking(job: impl FnOnce() -> Option<Msg> + Send + 'static) -> Option<Msg> {
    tokio::task::spawn_blocking(job).await.ok().flatten()
}

fn saved(path: &Path, was: &Seen, text: &str) -> Option<Msg> {
    Some(match write_if_unchanged(path, was, text) {
        Ok(()) => Msg::Saved(Ok(path.to_path_buf())),
        Err(WriteError::Changed { now, .. }) => Msg::OnDisk {
            file: DiskFile::Dockerfile,
            now,
            refused: true,
        },
        Err(e @ WriteError::Io { .. }) => Msg::Saved(Err(e.to_string())),
    })
}

fn exported(path: &Path, was: &Seen, text: &str) -> Option<Msg> {
    Some(match write_if_unchanged(path, was, text) {
        Ok(()) => Msg::Exported(Ok(path.to_path_buf())),
        Err(WriteError::Changed { now, .. }) => Msg::OnDisk {
            file: DiskFile::Export,
            now,
            refused: true,
        },
        Err(e @ WriteError::Io { .. }) => Msg::Exported(Err(e.to_string())),
    })
}

/// What the Dockerfile holds now. A file that cannot be read says nothing:
/// a save says why if it comes to that.
fn check(path: &Path) -> Option<Msg> {
    let now = Seen::read(path).ok()?;
    Some(Msg::OnDisk {
        file: DiskFile::Dockerfile,
        now,
        refused: false,
    })
}
