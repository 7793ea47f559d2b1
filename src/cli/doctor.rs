//! `dockstage doctor`: on the morning of a workshop, whether this machine
//! can run the lessons, and the command that fixes each thing it cannot.
//!
//! This file gathers facts (the daemon, its images and disk, the terminal)
//! and prints them; what they mean is decided in `workbench::readiness`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Failure, Format, status};
use crate::catalog::Catalog;
use crate::engine::connect::{home_dir, process_env};
use crate::engine::daemon_info::free_bytes;
use crate::engine::images::{registry_host, registry_reachable};
use crate::engine::{Engine, EngineError};
use crate::workbench::readiness::terminal::terminal_checks;
use crate::workbench::readiness::{
    Area, Check, DaemonSeen, DiskPlace, ImageSeen, Need, Status, Verdict, images_unchecked,
    judge_buildkit, judge_daemon, judge_disk, judge_image, needs, push_need, standin_possible,
    verdict,
};

/// What `doctor --format json` prints; `ready` and `checks` are the stable part.
#[derive(Serialize)]
struct Report<'a> {
    ready: bool,
    verdict: &'a str,
    checks: &'a [Check],
    needs: &'a [Need],
}

/// Checks, prints and turns the verdict into the exit status scripts
/// read: 0 ready, 1 not.
pub fn run(format: Format, extra_images: &[String]) -> Result<u8, Failure> {
    let catalog = Catalog::bundled();
    let mut needs = needs(catalog);
    for image in extra_images {
        push_need(
            &mut needs,
            Need {
                image: image.clone(),
                why: "named with --image".into(),
            },
        );
    }
    let mut checks = super::runtime()?.block_on(docker_checks(&needs, catalog));
    checks.extend(terminal_checks(terminal_size(), &process_env));
    let verdict = verdict(&checks);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Report {
                ready: verdict.ready,
                verdict: &verdict.line,
                checks: &checks,
                needs: &needs,
            })
            .map_err(Failure::usage)?
        ),
        Format::Text => print!("{}", checklist(&checks, &verdict)),
    }
    Ok(if verdict.ready {
        status::OK
    } else {
        status::NOT_READY
    })
}

/// The daemon, the images and the disk, in that order: without a daemon
/// the images cannot be looked at, and the disk is measured where the
/// daemon says its data is.
async fn docker_checks(needs: &[Need], catalog: &Catalog) -> Vec<Check> {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(e) => {
            let (endpoint, reason, fix) = match e {
                EngineError::Unreachable {
                    endpoint,
                    reason,
                    hint,
                } => (endpoint, reason, hint),
                other => (
                    "the configured endpoint".to_string(),
                    other.to_string(),
                    "Check DOCKER_HOST or the docker context.".to_string(),
                ),
            };
            return vec![
                judge_daemon(&DaemonSeen::Silent {
                    endpoint,
                    reason,
                    fix,
                }),
                images_unchecked(needs),
                disk_check(None, "the daemon does not answer"),
            ];
        }
    };
    let mut checks = vec![judge_daemon(&DaemonSeen::Answers {
        endpoint: engine.endpoint.to_string(),
        version: engine.server.version.clone(),
        api_version: engine.server.api_version.clone(),
    })];
    let info = engine.daemon_info().await;
    match &info {
        Ok(info) => checks.push(judge_buildkit(
            info.buildkit,
            &engine.server.api_version,
            &info.os_type,
        )),
        Err(e) => checks.push(Check {
            name: "buildkit".into(),
            status: Status::Warn,
            detail: format!("cannot tell: the daemon's info failed ({e})"),
            fix: None,
            area: Area::Docker,
            required: false,
        }),
    }
    let script_here = Path::new("scripts/offline-bases.sh").is_file();
    let mut registries: HashMap<String, bool> = HashMap::new();
    for need in needs {
        let seen = match engine.local_image(&need.image).await {
            Ok(Some(local)) if local.standin => ImageSeen::Standin {
                size_bytes: local.size_bytes,
            },
            Ok(Some(local)) => ImageSeen::Real {
                size_bytes: local.size_bytes,
            },
            Ok(None) => {
                let host = registry_host(&need.image).to_string();
                let registry_answers = match registries.get(&host) {
                    Some(answers) => *answers,
                    None => {
                        let answers = registry_reachable(&need.image).await;
                        registries.insert(host, answers);
                        answers
                    }
                };
                ImageSeen::Missing {
                    registry_answers,
                    script_here,
                }
            }
            Err(e) => {
                checks.push(Check {
                    name: need.image.clone(),
                    status: Status::Fail,
                    detail: format!("cannot look it up: {e}"),
                    fix: Some("check the daemon, then run `dockstage doctor` again".into()),
                    area: Area::Images,
                    required: true,
                });
                continue;
            }
        };
        checks.push(judge_image(
            need,
            &seen,
            standin_possible(catalog, &need.image),
        ));
    }
    let root = match info {
        Ok(info) if engine.is_local() => info.root_dir,
        _ => None,
    };
    let why = if !engine.is_local() {
        "the daemon is not on this machine"
    } else {
        "the daemon did not say where its data is"
    };
    checks.push(disk_check(root.as_deref(), why));
    checks
}

/// Free space where the daemon keeps its data when that is here and
/// readable, else in the user's data directory, saying why.
fn disk_check(docker_root: Option<&Path>, why_not_root: &str) -> Check {
    let mut why = why_not_root.to_string();
    if let Some(root) = docker_root {
        match free_bytes(root) {
            Ok(free) => {
                return judge_disk(Ok(free), &DiskPlace::DockerRoot(root.display().to_string()));
            }
            Err(e) => why = format!("Docker's data directory is unreadable ({e})"),
        }
    }
    let dir = user_data_dir();
    let measured = existing_ancestor(&dir);
    judge_disk(
        free_bytes(&measured).map_err(|e| e.to_string()),
        &DiskPlace::UserData {
            path: measured.display().to_string(),
            why,
        },
    )
}

/// Where dockstage keeps the user's files: XDG_DATA_HOME, else
/// ~/.local/share, as the workbench does.
fn user_data_dir() -> PathBuf {
    process_env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
}

/// statvfs needs a path that exists; a data directory not made yet lives
/// on its nearest existing parent's file system.
fn existing_ancestor(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|p| p.exists())
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

/// The terminal's size, when the doctor runs in one: crossterm would
/// otherwise guess 80x24 from terminfo and judge a size nobody has.
fn terminal_size() -> Option<(u16, u16)> {
    let in_terminal = std::io::stdout().is_terminal()
        || std::io::stdin().is_terminal()
        || std::io::stderr().is_terminal();
    if !in_terminal {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .filter(|&(cols, rows)| cols > 0 && rows > 0)
}

/// The checklist as text: each area under its heading with one line per
/// check, then every fix, then the verdict.
fn checklist(checks: &[Check], verdict: &Verdict) -> String {
    let mut out = String::new();
    let mut areas: Vec<Area> = Vec::new();
    for c in checks {
        if !areas.contains(&c.area) {
            areas.push(c.area);
        }
    }
    for area in areas {
        let in_area: Vec<&Check> = checks.iter().filter(|c| c.area == area).collect();
        let width = in_area
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        out.push_str(area.title());
        out.push('\n');
        for c in in_area {
            out.push_str(&format!(
                "  {} {:<width$}  {}\n",
                c.status.mark(),
                c.name,
                c.detail
            ));
        }
    }
    let fixes: Vec<&Check> = checks
        .iter()
        .filter(|c| c.status != Status::Ok && c.fix.is_some())
        .collect();
    if !fixes.is_empty() {
        out.push_str("\nTo fix:\n");
        for c in fixes {
            out.push_str(&format!(
                "  {} {}: {}\n",
                c.status.mark(),
                c.name,
                c.fix.as_deref().unwrap_or_default()
            ));
        }
    }
    out.push('\n');
    out.push_str(&verdict.line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbench::readiness::terminal::judge_size;

    #[test]
    fn the_checklist_groups_lines_lists_fixes_and_ends_with_the_verdict() {
        let need = Need {
            image: "alpine:3.20".into(),
            why: "the `alpine` runtime base".into(),
        };
        let checks = vec![
            judge_daemon(&DaemonSeen::Answers {
                endpoint: "unix:///var/run/docker.sock".into(),
                version: "20.10.24".into(),
                api_version: "1.41".into(),
            }),
            judge_image(
                &need,
                &ImageSeen::Missing {
                    registry_answers: true,
                    script_here: false,
                },
                true,
            ),
            judge_size(None),
        ];
        let v = verdict(&checks);
        let text = checklist(&checks, &v);
        assert_eq!(
            text,
            "Docker\n  \
             ✓ daemon  Docker 20.10.24 (API 1.41) answers at unix:///var/run/docker.sock\n\
             Images\n  \
             ✗ alpine:3.20  missing (the `alpine` runtime base)\n\
             Terminal\n  \
             ! terminal size  unknown: the doctor is not running in a terminal\n\
             \nTo fix:\n  \
             ✗ alpine:3.20: `docker pull alpine:3.20`\n  \
             ! terminal size: run `dockstage doctor` in the terminal the workshop will use\n\
             \nNot ready: 1 thing the lessons need is missing; run the fixes above, then \
             `dockstage doctor` again. Also 1 thing to look at.\n"
        );
    }

    #[test]
    fn a_data_dir_not_made_yet_is_measured_on_its_parent() {
        assert_eq!(
            existing_ancestor(Path::new("/nonexistent/a/b")),
            PathBuf::from("/")
        );
        let tmp = std::env::temp_dir();
        assert_eq!(existing_ancestor(&tmp.join("dockstage-none/x")), tmp);
    }
}
