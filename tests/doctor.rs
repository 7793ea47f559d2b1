//! `dockstage doctor` and `dockstage bases save|load` as a presenter uses
//! them the morning of a workshop, on the real daemon where one is needed.

mod support;

use std::process::{Command, Output};

use dockstage::catalog::Catalog;
use dockstage::workbench::readiness::needs;

fn dockstage(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockstage"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn docker(args: &[&str]) -> bool {
    Command::new("docker")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every image the doctor requires, as the tests' skip list.
fn required() -> Vec<String> {
    needs(Catalog::bundled())
        .into_iter()
        .map(|n| n.image)
        .collect()
}

/// A throwaway tag of busybox:stable (a few MB), untagged when dropped. The
/// stand-in image itself keeps its own tag, so other work never loses it.
struct ThrowawayTag(String);

impl ThrowawayTag {
    fn new(name: &str) -> ThrowawayTag {
        let tag = format!("dockstage-test/{name}:{}", std::process::id());
        assert!(docker(&["tag", "busybox:stable", &tag]), "docker tag {tag}");
        ThrowawayTag(tag)
    }
}

impl Drop for ThrowawayTag {
    fn drop(&mut self) {
        docker(&["rmi", &self.0]);
    }
}

#[tokio::test]
async fn doctor_is_ready_on_a_machine_with_every_image() {
    let images = required();
    let names: Vec<&str> = images.iter().map(String::as_str).collect();
    let Some(_engine) = support::docker_with("doctor_ready", &names).await else {
        return;
    };
    let out = dockstage(&["doctor"], &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("✓ daemon"), "{text}");
    for image in &images {
        assert!(text.contains(&format!("✓ {image}")), "{image}:\n{text}");
    }
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with("Ready:")),
        "{text}"
    );

    let out = dockstage(&["doctor", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    assert_eq!(v["ready"], true);
    let checks = v["checks"].as_array().cloned().unwrap_or_default();
    for image in &images {
        let check = checks.iter().find(|c| c["name"] == image.as_str());
        assert_eq!(
            check.map(|c| (c["status"].clone(), c["fix"].clone())),
            Some(("ok".into(), serde_json::Value::Null)),
            "{image}"
        );
    }
    assert!(
        checks
            .iter()
            .all(|c| c["detail"].is_string() && c["status"].is_string()),
        "{checks:?}"
    );
}

#[test]
fn doctor_without_a_daemon_exits_1_and_says_how_to_start_one() {
    let out = dockstage(
        &["doctor"],
        &[("DOCKER_HOST", "unix:///nonexistent/dockstage-doctor.sock")],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "✗ daemon  no answer at unix:///nonexistent/dockstage-doctor.sock (DOCKER_HOST)"
        ),
        "{text}"
    );
    assert!(text.contains("✗ daemon: Start Docker"), "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("Not ready: ")),
        "{text}"
    );
    let json = dockstage(
        &["doctor", "--format", "json"],
        &[("DOCKER_HOST", "unix:///nonexistent/dockstage-doctor.sock")],
    );
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["ready"], false);
    assert_eq!(v["checks"][0]["name"], "daemon");
    assert_eq!(v["checks"][0]["status"], "fail");
    assert!(
        v["checks"][0]["fix"]
            .as_str()
            .is_some_and(|f| f.contains("Start Docker")),
        "{v}"
    );
}

#[tokio::test]
async fn doctor_names_a_missing_image_and_the_command_that_gets_it() {
    let Some(_engine) = support::docker("doctor_missing").await else {
        return;
    };
    let absent = format!("dockstage-test/doctor-absent:{}", std::process::id());
    let out = dockstage(&["doctor", "--image", &absent], &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    // The name column is as wide as the longest name, which depends on the pid.
    assert!(
        text.lines().any(|l| l
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&format!("✗ {absent} missing (named with --image)"))),
        "{text}"
    );
    // No registry answers here, and no stand-in exists for it: a bundle.
    assert!(
        text.contains(&format!(
            "✗ {absent}: `dockstage bases load FILE` with a bundle made by `dockstage bases \
             save FILE` on a machine that has {absent}"
        )) || text.contains(&format!("✗ {absent}: `docker pull {absent}`")),
        "{text}"
    );
    assert!(text.contains("Not ready: 1 thing"), "{text}");
}

#[test]
fn bases_save_never_writes_over_an_existing_file() {
    let dir = support::TempTree::new("doctor", "save-exists", &[("bases.tar", "my notes\n")]);
    let file = dir.path().join("bases.tar");
    let file = file.to_string_lossy();
    // Refused before the daemon is asked, so it holds without one too.
    for host in [None, Some("unix:///nonexistent/dockstage-doctor.sock")] {
        let env: Vec<(&str, &str)> = host.map(|h| ("DOCKER_HOST", h)).into_iter().collect();
        let out = dockstage(&["bases", "save", &file], &env);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("the file exists; nothing was written (give --force"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bases.tar"))
            .ok()
            .as_deref(),
        Some("my notes\n")
    );
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        1,
        "no temporary file is left"
    );
}

#[test]
fn bases_load_says_what_is_wrong_with_the_file() {
    let dir = support::TempTree::new("doctor", "load-bad", &[("notes.txt", "not a bundle\n")]);
    let bad = dir.path().join("notes.txt");
    let out = dockstage(&["bases", "load", &bad.to_string_lossy()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an image bundle"),
        "{}",
        stderr(&out)
    );
    let none = dir.path().join("none.tar");
    let out = dockstage(&["bases", "load", &none.to_string_lossy()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such file"), "{}", stderr(&out));
}

#[tokio::test]
async fn bases_save_then_load_brings_a_small_image_back() {
    let Some(engine) = support::docker_with("bases_round_trip", &["busybox:stable"]).await else {
        return;
    };
    let dir = support::TempTree::new("doctor", "round-trip", &[]);
    let file = dir.path().join("tiny.tar");
    let file_arg = file.to_string_lossy().into_owned();
    let tag = ThrowawayTag::new("doctor-tiny");

    let absent = format!("dockstage-test/doctor-absent:{}", std::process::id());
    let out = dockstage(&["bases", "save", &file_arg, &tag.0, &absent], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("not here, so not in the bundle: {absent}")),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("  {} (offline stand-in)", tag.0)),
        "{}",
        stdout(&out)
    );
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    assert!(size > 1_000_000, "{size}");

    // Saved once, a second save without --force leaves it as it was.
    let again = dockstage(&["bases", "save", &file_arg, &tag.0], &[]);
    assert_eq!(again.status.code(), Some(2));
    let forced = dockstage(&["bases", "save", &file_arg, &tag.0, "--force"], &[]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));

    assert!(docker(&["rmi", &tag.0]), "untag {}", tag.0);
    assert!(engine.local_image(&tag.0).await.ok().flatten().is_none());
    let out = dockstage(&["bases", "load", &file_arg], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("  {}, ", tag.0)),
        "{}",
        stdout(&out)
    );
    let back = engine.local_image(&tag.0).await.ok().flatten();
    assert!(back.is_some_and(|l| l.standin), "{} is back", tag.0);
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        1,
        "only the bundle, no temporary file"
    );
}

#[test]
fn doctor_help_teaches_what_it_checks_and_what_its_exit_means() {
    let out = dockstage(&["doctor", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for part in [
        "DOCKER_HOST",
        "offline stand-in",
        "bases load FILE",
        "under 2 GB",
        "NO_COLOR",
        "Examples:\n  dockstage doctor\n",
        "Exit status:\n  0  ready",
        "1  not ready",
    ] {
        assert!(help.contains(part), "{part}: {help}");
    }
    let bad = dockstage(&["doctor", "--format", "xml"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The size line needs a real terminal: the doctor runs inside a detached
/// tmux window of a known size (skipped where tmux is missing).
#[test]
fn doctor_in_a_terminal_judges_its_size_and_notes_no_color() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipping doctor_in_a_terminal: no tmux");
        return;
    }
    let dir = support::TempTree::new("doctor", "tmux", &[]);
    let out = dir.path().join("out.txt");
    let socket = format!("dockstage-doctor-{}", std::process::id());
    let script = format!(
        "env TERM=xterm-256color NO_COLOR=1 LANG=C.UTF-8 LC_ALL= LC_CTYPE= \
         DOCKER_HOST=unix:///nonexistent/dockstage-doctor.sock {} doctor > {} 2>&1; \
         echo \"exit $?\" >> {}",
        env!("CARGO_BIN_EXE_dockstage"),
        out.display(),
        out.display()
    );
    let started = Command::new("tmux")
        .args([
            "-L",
            &socket,
            "new-session",
            "-d",
            "-x",
            "90",
            "-y",
            "28",
            &script,
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(started, "tmux new-session");
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.contains("exit ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .output();
    assert!(
        text.contains(
            "! terminal size  90x28: usable, but presenter mode and the lessons want 100x30"
        ),
        "{text}"
    );
    assert!(
        text.contains("✓ colour         256 colours (TERM=xterm-256color)"),
        "{text}"
    );
    assert!(
        text.contains("! NO_COLOR       set (NO_COLOR=1): dockstage draws without colour"),
        "{text}"
    );
    assert!(text.contains("exit 1"), "no daemon, so not ready: {text}");
}
