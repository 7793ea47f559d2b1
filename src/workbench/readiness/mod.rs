//! Whether a machine is ready for a workshop, judged from plain facts.
//!
//! `dockstage doctor` gathers the facts (the daemon, the images, the disk,
//! the terminal) and this module decides what they mean: which line is a
//! pass, a warning or a failure, which command fixes it, and whether the
//! lessons can run at all. Nothing here talks to Docker or reads the
//! terminal, so every threshold and every suggested fix is tested without
//! either.

pub mod terminal;

use serde::Serialize;

use crate::catalog::{Catalog, split_tag};
use crate::human::human_bytes;

/// An image the lessons cannot run without, and why, so the doctor can say
/// what a missing one breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    pub image: String,
    pub why: String,
}

/// Every image a workshop needs on the machine. The doctor checks these and
/// `bases save` bundles them, so this one list is where anything that needs an
/// image (the lessons included) adds it.
pub fn needs(catalog: &Catalog) -> Vec<Need> {
    let mut out = vec![Need {
        image: catalog.builder.image.clone(),
        why: "the builder stage of every example".to_string(),
    }];
    for base in &catalog.bases {
        if base.image.eq_ignore_ascii_case("scratch") {
            continue;
        }
        push_need(
            &mut out,
            Need {
                image: base.image.clone(),
                why: format!("the `{}` runtime base", base.key),
            },
        );
    }
    // The lessons are why a workshop machine needs these; a lesson that
    // names another image adds it.
    let lessons = crate::workbench::lesson::Lesson::all().unwrap_or_default();
    let every = lessons
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for lesson in &lessons {
        for image in &lesson.images {
            match out.iter_mut().find(|n| n.image == *image) {
                Some(need) if need.why.contains("lesson") => {
                    need.why.push_str(&format!(", {}", lesson.name));
                }
                Some(need) => need.why.push_str(&format!("; lessons {}", lesson.name)),
                None => out.push(Need {
                    image: image.clone(),
                    why: format!("lessons {}", lesson.name),
                }),
            }
        }
    }
    if lessons.len() > 1 {
        for need in &mut out {
            need.why = need
                .why
                .replace(&format!("lessons {every}"), "every lesson");
        }
    }
    out
}

/// Adds `need` unless its image is already there, so two lessons (or a
/// lesson and the catalog) asking for one image check it once.
pub fn push_need(needs: &mut Vec<Need>, need: Need) {
    if !needs.iter().any(|n| n.image == need.image) {
        needs.push(need);
    }
}

/// A line's outcome: `Warn` is worth a look but never stops the lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    /// The mark a checklist line starts with.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        }
    }
}

/// Which part of the machine a check is about, so the checklist can group
/// its lines under a heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Docker,
    Images,
    Disk,
    Terminal,
}

impl Area {
    /// The heading the checklist prints above the area's lines.
    pub fn title(self) -> &'static str {
        match self {
            Area::Docker => "Docker",
            Area::Images => "Images",
            Area::Disk => "Disk",
            Area::Terminal => "Terminal",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    /// The command (or the change) that turns this line into a pass.
    pub fix: Option<String>,
    pub area: Area,
    /// Whether the lessons cannot run while this fails. The terminal is not:
    /// the doctor may run in another window than the workshop will.
    pub required: bool,
}

/// How the daemon answered, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonSeen {
    Answers {
        endpoint: String,
        version: String,
        api_version: String,
    },
    Silent {
        endpoint: String,
        reason: String,
        fix: String,
    },
}

/// Without a daemon nothing builds, so a silent one fails with the fix
/// the engine worded for it (start Docker, fix the socket's permissions).
pub fn judge_daemon(seen: &DaemonSeen) -> Check {
    let (status, detail, fix) = match seen {
        DaemonSeen::Answers {
            endpoint,
            version,
            api_version,
        } => (
            Status::Ok,
            format!("Docker {version} (API {api_version}) answers at {endpoint}"),
            None,
        ),
        DaemonSeen::Silent {
            endpoint,
            reason,
            fix,
        } => (
            Status::Fail,
            format!("no answer at {endpoint}: {reason}"),
            Some(fix.clone()),
        ),
    };
    Check {
        name: "daemon".into(),
        status,
        detail,
        fix,
        area: Area::Docker,
        required: true,
    }
}

/// BuildKit is not required: the legacy builder still builds, but cache
/// mounts and parallel stages (which several toggles teach) need BuildKit.
pub fn judge_buildkit(buildkit: bool, api_version: &str, os_type: &str) -> Check {
    let (status, detail, fix) = if buildkit {
        (
            Status::Ok,
            format!("available (API {api_version}, {os_type} daemon)"),
            None,
        )
    } else {
        (
            Status::Warn,
            format!(
                "not available (API {api_version}, {os_type} daemon): builds use the legacy \
                 builder, and cache mounts fail"
            ),
            Some(
                "use a Linux Docker daemon of 18.09 or later (API 1.39), e.g. \
                 `sudo bash scripts/docker-up.sh`"
                    .to_string(),
            ),
        )
    };
    Check {
        name: "buildkit".into(),
        status,
        detail,
        fix,
        area: Area::Docker,
        required: false,
    }
}

/// What the daemon has of one needed image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSeen {
    Real {
        size_bytes: u64,
    },
    /// Made by `scripts/offline-bases.sh`: enough for the lessons offline.
    Standin {
        size_bytes: u64,
    },
    Missing {
        /// Whether the image's registry answered just now.
        registry_answers: bool,
        /// Whether `scripts/offline-bases.sh` is at hand (the doctor runs
        /// in a dockstage checkout).
        script_here: bool,
    },
}

/// Whether `scripts/offline-bases.sh` knows how to make `image`: the
/// catalog's bases and the golang builder.
pub fn standin_possible(catalog: &Catalog, image: &str) -> bool {
    catalog
        .base_for_image(image)
        .is_some_and(|b| b.image != "scratch")
        || split_tag(image).0.ends_with("golang")
}

/// A present image passes, a stand-in included (the lessons run on it
/// offline); a missing one fails with the quickest way to get it.
pub fn judge_image(need: &Need, seen: &ImageSeen, standin_possible: bool) -> Check {
    let (status, detail, fix) = match seen {
        ImageSeen::Real { size_bytes } => (
            Status::Ok,
            format!("here, {} ({})", human_bytes(*size_bytes), need.why),
            None,
        ),
        ImageSeen::Standin { size_bytes } => (
            Status::Ok,
            format!(
                "here as an offline stand-in, {} ({})",
                human_bytes(*size_bytes),
                need.why
            ),
            None,
        ),
        ImageSeen::Missing {
            registry_answers,
            script_here,
        } => (
            Status::Fail,
            format!("missing ({})", need.why),
            Some(image_fix(
                &need.image,
                *registry_answers,
                *script_here,
                standin_possible,
            )),
        ),
    };
    Check {
        name: need.image.clone(),
        status,
        detail,
        fix,
        area: Area::Images,
        required: true,
    }
}

/// The quickest way to get `image`: pull it when its registry answers;
/// offline, make a stand-in from a checkout, or load a bundle made on a
/// machine that has it.
fn image_fix(image: &str, registry_answers: bool, script_here: bool, standin: bool) -> String {
    let bundle = format!(
        "`dockstage bases load FILE` with a bundle made by `dockstage bases save FILE` on a \
         machine that has {image}"
    );
    let script = format!("`sudo OFFLINE_BASES_ONLY={image} bash scripts/offline-bases.sh`");
    match (registry_answers, standin, script_here) {
        (true, _, _) => format!("`docker pull {image}`"),
        (false, true, true) => format!("{script}, or {bundle}"),
        (false, true, false) => {
            format!("{bundle}, or {script} from a dockstage checkout")
        }
        (false, false, _) => bundle,
    }
}

/// With no daemon the images cannot be looked at; one line says so rather
/// than a failure per image.
pub fn images_unchecked(needs: &[Need]) -> Check {
    Check {
        name: "images".into(),
        status: Status::Fail,
        detail: format!(
            "not checked: the daemon does not answer ({} needed: {})",
            needs.len(),
            needs
                .iter()
                .map(|n| n.image.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        fix: Some("start the daemon (see above), then run `dockstage doctor` again".into()),
        area: Area::Images,
        required: true,
    }
}

/// Below this much free space a build of the examples may not finish.
pub const DISK_FAIL_BYTES: u64 = 2_000_000_000;
/// Below this much the images and build cache of a workshop get tight.
pub const DISK_WARN_BYTES: u64 = 5_000_000_000;

/// Where the free space was measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskPlace {
    /// The daemon's DockerRootDir, measured on this machine.
    DockerRoot(String),
    /// The user's data directory, because the daemon's is elsewhere or
    /// unreadable (the reason is given).
    UserData { path: String, why: String },
}

/// Images and the build cache fill the disk the daemon writes to; a
/// measurement that failed is a warning, not a guess.
pub fn judge_disk(free: Result<u64, String>, place: &DiskPlace) -> Check {
    let (path, whose) = match place {
        DiskPlace::DockerRoot(path) => (path.as_str(), "Docker's data".to_string()),
        DiskPlace::UserData { path, why } => (path.as_str(), format!("your data directory; {why}")),
    };
    let prune = "free space: `dockstage clean`, `docker system prune`, or remove unused images \
                 (`docker image prune -a`)";
    let (status, detail, fix) = match free {
        Err(e) => (
            Status::Warn,
            format!("cannot measure the free space on {path} ({whose}): {e}"),
            None,
        ),
        Ok(bytes) => {
            let detail = format!("{} free on {path} ({whose})", human_bytes(bytes));
            if bytes < DISK_FAIL_BYTES {
                (
                    Status::Fail,
                    format!("{detail}: under {}", human_bytes(DISK_FAIL_BYTES)),
                    Some(prune.to_string()),
                )
            } else if bytes < DISK_WARN_BYTES {
                (
                    Status::Warn,
                    format!("{detail}: under {}", human_bytes(DISK_WARN_BYTES)),
                    Some(prune.to_string()),
                )
            } else {
                (Status::Ok, detail, None)
            }
        }
    };
    Check {
        name: "disk".into(),
        status,
        detail,
        fix,
        area: Area::Disk,
        required: true,
    }
}

/// The last line of the checklist, and the exit status it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Every required check passed or only warned.
    pub ready: bool,
    pub line: String,
}

/// Ready unless a required check failed; the line counts what blocks and
/// what is only worth a look, so the presenter knows how far off it is.
pub fn verdict(checks: &[Check]) -> Verdict {
    let blocking = checks
        .iter()
        .filter(|c| c.required && c.status == Status::Fail)
        .count();
    let other = checks
        .iter()
        .filter(|c| c.status != Status::Ok && !(c.required && c.status == Status::Fail))
        .count();
    let things = |n: usize| {
        if n == 1 {
            "1 thing".to_string()
        } else {
            format!("{n} things")
        }
    };
    if blocking > 0 {
        let mut line = format!(
            "Not ready: {} the lessons need {} missing; run the fixes above, then \
             `dockstage doctor` again.",
            things(blocking),
            if blocking == 1 { "is" } else { "are" }
        );
        if other > 0 {
            line.push_str(&format!(" Also {} to look at.", things(other)));
        }
        Verdict { ready: false, line }
    } else if other > 0 {
        Verdict {
            ready: true,
            line: format!(
                "Ready: the daemon answers, every image is here and the disk has room; {} to \
                 look at above.",
                things(other)
            ),
        }
    } else {
        Verdict {
            ready: true,
            line: "Ready: the daemon answers, every image is here, the disk has room and the \
                   terminal fits."
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(image: &str) -> Need {
        Need {
            image: image.into(),
            why: "a test".into(),
        }
    }

    #[test]
    fn needs_are_the_builder_and_every_base_but_scratch() {
        let images: Vec<_> = needs(Catalog::bundled())
            .into_iter()
            .map(|n| n.image)
            .collect();
        assert_eq!(
            images,
            [
                "golang:1.24",
                "gcr.io/distroless/static-debian12",
                "gcr.io/distroless/base-debian12",
                "alpine:3.20",
                "busybox:stable",
                "debian:bookworm-slim",
            ]
        );
        let mut list = needs(Catalog::bundled());
        push_need(&mut list, need("alpine:3.20"));
        push_need(&mut list, need("postgres:16"));
        assert_eq!(list.len(), 7);
    }

    #[test]
    fn a_missing_image_is_pulled_when_the_registry_answers() {
        let c = judge_image(
            &need("golang:1.24"),
            &ImageSeen::Missing {
                registry_answers: true,
                script_here: true,
            },
            true,
        );
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.fix.as_deref(), Some("`docker pull golang:1.24`"));
    }

    #[test]
    fn offline_a_catalog_image_gets_a_standin_first_in_a_checkout() {
        let missing = |script_here| ImageSeen::Missing {
            registry_answers: false,
            script_here,
        };
        let here = judge_image(&need("alpine:3.20"), &missing(true), true);
        let fix = here.fix.unwrap_or_default();
        assert!(
            fix.starts_with("`sudo OFFLINE_BASES_ONLY=alpine:3.20 bash scripts/offline-bases.sh`"),
            "{fix}"
        );
        assert!(fix.contains("dockstage bases load FILE"), "{fix}");
        let elsewhere = judge_image(&need("alpine:3.20"), &missing(false), true);
        let fix = elsewhere.fix.unwrap_or_default();
        assert!(fix.starts_with("`dockstage bases load FILE`"), "{fix}");
        assert!(fix.contains("from a dockstage checkout"), "{fix}");
    }

    #[test]
    fn offline_an_image_without_a_standin_comes_from_a_bundle_only() {
        let c = judge_image(
            &need("postgres:16"),
            &ImageSeen::Missing {
                registry_answers: false,
                script_here: true,
            },
            standin_possible(Catalog::bundled(), "postgres:16"),
        );
        let fix = c.fix.unwrap_or_default();
        assert!(fix.starts_with("`dockstage bases load FILE`"), "{fix}");
        assert!(!fix.contains("offline-bases.sh"), "{fix}");
        assert!(standin_possible(Catalog::bundled(), "golang:1.24"));
        assert!(standin_possible(
            Catalog::bundled(),
            "gcr.io/distroless/static-debian12"
        ));
    }

    #[test]
    fn a_standin_counts_as_present_and_says_so() {
        let c = judge_image(
            &need("busybox:stable"),
            &ImageSeen::Standin {
                size_bytes: 1_980_000,
            },
            true,
        );
        assert_eq!(c.status, Status::Ok);
        assert_eq!(c.detail, "here as an offline stand-in, 2.0 MB (a test)");
        assert_eq!(c.fix, None);
    }

    #[test]
    fn disk_thresholds_warn_at_5_gb_and_fail_at_2_gb() {
        let place = DiskPlace::DockerRoot("/var/lib/docker".into());
        let status = |bytes| judge_disk(Ok(bytes), &place).status;
        assert_eq!(status(41_000_000_000), Status::Ok);
        assert_eq!(status(DISK_WARN_BYTES), Status::Ok);
        assert_eq!(status(DISK_WARN_BYTES - 1), Status::Warn);
        assert_eq!(status(DISK_FAIL_BYTES), Status::Warn);
        assert_eq!(status(DISK_FAIL_BYTES - 1), Status::Fail);
        let low = judge_disk(Ok(1_500_000_000), &place);
        assert_eq!(
            low.detail,
            "1.5 GB free on /var/lib/docker (Docker's data): under 2.0 GB"
        );
        assert!(low.fix.is_some_and(|f| f.contains("docker system prune")));
        let unknown = judge_disk(Err("permission denied".into()), &place);
        assert_eq!(unknown.status, Status::Warn);
    }

    #[test]
    fn the_verdict_blocks_only_on_required_failures() {
        let ok = judge_image(&need("a"), &ImageSeen::Real { size_bytes: 1 }, true);
        let small_terminal = Check {
            name: "terminal size".into(),
            status: Status::Fail,
            detail: "70x20".into(),
            fix: None,
            area: Area::Terminal,
            required: false,
        };
        let v = verdict(&[ok.clone(), small_terminal.clone()]);
        assert!(v.ready);
        assert!(v.line.contains("1 thing to look at"), "{}", v.line);
        assert!(verdict(std::slice::from_ref(&ok)).ready);

        let missing = judge_image(
            &need("b"),
            &ImageSeen::Missing {
                registry_answers: false,
                script_here: false,
            },
            false,
        );
        let v = verdict(&[ok, missing, small_terminal]);
        assert!(!v.ready);
        assert!(
            v.line
                .starts_with("Not ready: 1 thing the lessons need is missing"),
            "{}",
            v.line
        );
    }

    #[test]
    fn a_silent_daemon_fails_with_its_fix() {
        let c = judge_daemon(&DaemonSeen::Silent {
            endpoint: "unix:///nowhere.sock (DOCKER_HOST)".into(),
            reason: "the socket does not exist".into(),
            fix: "Start Docker".into(),
        });
        assert_eq!((c.status, c.required), (Status::Fail, true));
        assert_eq!(c.fix.as_deref(), Some("Start Docker"));
        assert_eq!(images_unchecked(&[need("a")]).status, Status::Fail);
        let old = judge_buildkit(false, "1.38", "linux");
        assert_eq!((old.status, old.required), (Status::Warn, false));
    }
}
