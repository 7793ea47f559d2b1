//! `dockstage build`, `bases` and `clean` as scripts use them, on the real daemon.

mod support;

use std::process::{Command, Output};

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("docker: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `dockstage clean` removes every session's objects, so the tests here
/// take turns rather than clean up each other's builds.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn labelled_count() -> usize {
    let images = docker(&["images", "-aq", "--filter", "label=io.dockstage.session"]);
    let containers = docker(&["ps", "-aq", "--filter", "label=io.dockstage.session"]);
    images.lines().count() + containers.lines().count()
}

/// An image labelled and tagged as a build kept for reuse, made offline.
fn kept_build(tag: &str) {
    use std::io::Write;
    let mut child = Command::new("docker")
        .args([
            "build",
            "-q",
            "--label",
            "io.dockstage.cache=true",
            "-t",
            tag,
            "-",
        ])
        .env("DOCKER_BUILDKIT", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("docker build: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"FROM busybox:stable\n");
    }
    let status = child.wait().unwrap_or_else(|e| panic!("docker build: {e}"));
    assert!(status.success(), "docker build of {tag}");
}

#[tokio::test]
async fn build_json_follows_the_contract_and_leaves_nothing() {
    let _turn = TURN.lock().await;
    let Some(_engine) = support::docker_with("build_json", &["golang:1.24"]).await else {
        return;
    };
    let before = labelled_count();
    let dir = support::example_dir("hello");
    let dir = dir.to_string_lossy();
    let out = dockstage(&[
        "build", &dir, "--base", "scratch", "--set", "cgo=off", "--set", "strip=on", "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        v["image_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("sha256:"))
    );
    assert!(
        v["size_bytes"]
            .as_u64()
            .is_some_and(|s| s > 0 && s <= 1_500_000),
        "{}",
        v["size_bytes"]
    );
    assert_eq!(v["builder"], "buildkit");
    assert!(v["build_seconds"].as_f64().is_some());
    let layers = v["layers"].as_array().cloned().unwrap_or_default();
    assert!(!layers.is_empty());
    for l in &layers {
        for key in ["size_bytes", "created_by", "line", "stage"] {
            assert!(l.get(key).is_some(), "layer lacks {key}: {l}");
        }
    }
    assert_eq!(v["run"]["exit_code"], 0);
    assert_eq!(v["run"]["stdout"], "Hello World!\n");
    assert_eq!(v["run"]["timed_out"], false);
    assert!(v["run"]["duration_ms"].as_u64().is_some());
    // Progress went to stderr, the file on disk is unchanged, nothing is left.
    assert!(String::from_utf8_lossy(&out.stderr).contains("RUN CGO_ENABLED=0 go build"));
    let on_disk = std::fs::read_to_string(support::example_dir("hello").join("Dockerfile"))
        .unwrap_or_default();
    assert!(on_disk.contains("FROM debian:bookworm-slim"));
    assert_eq!(labelled_count(), before);
}

#[tokio::test]
async fn build_markdown_and_a_failed_run_exit_1() {
    let _turn = TURN.lock().await;
    let Some(_engine) = support::docker_with("build_md", &["golang:1.24"]).await else {
        return;
    };
    let dir = support::example_dir("probe");
    let dir = dir.to_string_lossy();
    let out = dockstage(&[
        "build", &dir, "--base", "scratch", "--set", "cgo=on", "--format", "markdown",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| size | line | created by |"), "{md}");
    assert!(md.contains("no such file or directory"), "{md}");
}

#[tokio::test]
async fn build_without_a_daemon_says_what_to_do() {
    let _turn = TURN.lock().await;
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["build", "."])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .current_dir(support::example_dir("hello"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Start Docker") && err.contains("DOCKER_HOST"),
        "{err}"
    );
}

#[tokio::test]
async fn clean_removes_leftovers_of_killed_sessions() {
    let _turn = TURN.lock().await;
    let Some(engine) = support::docker_with("clean", &["busybox:stable"]).await else {
        return;
    };
    let id = docker(&[
        "create",
        "--label",
        "io.dockstage.session=killed-session",
        "busybox:stable",
        "true",
    ]);
    assert!(!id.trim().is_empty());
    // A session running now (a workbench, a build, another test run) keeps
    // its objects through a clean; once it ends they go.
    let live = dockstage::engine::new_session_id();
    let alive = dockstage::engine::liveness::mark_alive(&live);
    assert!(alive.is_some(), "cannot mark a session alive here");
    let live_label = format!("io.dockstage.session={live}");
    let live_id = docker(&["create", "--label", &live_label, "busybox:stable", "true"]);
    assert!(!live_id.trim().is_empty());
    // A kept build that a build is using (its lease held here) stays too.
    let kept = format!("dockstage/cache:clean-lease-{}", std::process::id());
    kept_build(&kept);
    let lease = dockstage::engine::cache_lease::CacheLease::take(&kept).await;
    let out = dockstage(&["clean"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed"));
    assert_eq!(
        docker(&[
            "ps",
            "-aq",
            "--filter",
            "label=io.dockstage.session=killed-session"
        ])
        .trim(),
        ""
    );
    let live_filter = format!("label={live_label}");
    assert_eq!(
        docker(&["ps", "-aq", "--filter", &live_filter])
            .trim()
            .len(),
        12,
        "clean removed the container of a session that is running"
    );
    assert!(
        !docker(&["images", "-q", &kept]).trim().is_empty(),
        "clean removed a kept build that a build holds a lease on"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("in use by a running dockstage"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(alive);
    drop(lease);
    let out = dockstage(&["clean"]);
    assert!(out.status.success());
    assert_eq!(
        docker(&["images", "-q", &kept]).trim(),
        "",
        "the kept build is left once its lease is dropped"
    );
    assert_eq!(
        docker(&["ps", "-aq", "--filter", &live_filter]).trim(),
        "",
        "the ended session's container is left"
    );
    // Stand-in bases are never touched.
    assert!(
        engine
            .local_image("busybox:stable")
            .await
            .ok()
            .flatten()
            .is_some()
    );
}

#[tokio::test]
async fn bases_save_and_load_round_trip() {
    let _turn = TURN.lock().await;
    let Some(engine) = support::docker_with("bases", &["busybox:stable"]).await else {
        return;
    };
    let file = std::env::temp_dir().join(format!("dockstage-bases-{}.tar", std::process::id()));
    let bytes = engine
        .save_images(
            &["busybox:stable"],
            &file,
            true,
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes > 1_000_000, "{bytes}");
    let lines = engine
        .load_images(&file)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        lines.iter().any(|l| l.contains("busybox:stable")),
        "{lines:?}"
    );
    let _ = std::fs::remove_file(&file);
    let list = dockstage(&["bases", "list", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&list.stdout).unwrap_or_else(|e| panic!("{e}"));
    let busybox = v
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["key"] == "busybox")
        .cloned();
    assert_eq!(
        busybox.map(|b| (b["present"].clone(), b["standin"].clone())),
        Some((true.into(), true.into()))
    );
}
