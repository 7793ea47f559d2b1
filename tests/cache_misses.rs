//! `dockstage build --format json` says why the cache missed, on the real
//! daemon: an edited main.go breaks `COPY . .`, an edited ignored file
//! breaks nothing.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BASES: &[&str] = &["golang:1.24", "debian:bookworm-slim"];

/// Builds `dir` (no run) with its memory in `state`, under `tag`, and returns
/// the JSON report.
fn build(dir: &Path, state: &Path, tag: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["build", "--format", "json", "--no-run", "--tag", tag])
        .arg(dir)
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed:\n{stderr}");
    eprintln!("{stderr}");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn cache_misses(report: &Value) -> Vec<Value> {
    report["cache_misses"]
        .as_array()
        .unwrap_or_else(|| panic!("no cache_misses in {report}"))
        .clone()
}

#[tokio::test]
async fn an_edited_file_is_named_and_an_ignored_one_breaks_nothing() {
    let test = "an_edited_file_is_named_and_an_ignored_one_breaks_nothing";
    if support::docker_with(test, BASES).await.is_none() {
        return;
    }
    let example = support::example_dir("hello");
    let read = |name: &str| {
        std::fs::read_to_string(example.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (dockerfile, main_go) = (read("Dockerfile"), read("main.go"));
    let project = support::TempTree::new(
        "cache-misses",
        "hello",
        &[
            ("Dockerfile", &dockerfile),
            (".dockerignore", &read(".dockerignore")),
            ("go.mod", &read("go.mod")),
            ("main.go", &main_go),
            ("notes.swp", "ignored by *.swp\n"),
        ],
    );
    let state = support::TempTree::new("cache-misses", "state", &[]);
    let tag = format!("dockstage-test-cache-misses:{}", std::process::id());
    let line_of = |start: &str| {
        dockerfile
            .lines()
            .position(|l| l.starts_with(start))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("the hello example has no `{start}`"))
    };
    let (copy_line, build_line) = (line_of("COPY . ."), line_of("RUN go build"));

    // Nothing remembered yet: at most a first build, never a guessed cause.
    let first = build(project.path(), state.path(), &tag);
    for miss in cache_misses(&first) {
        assert!(
            miss["cause"] == "first_build" || miss["cause"] == "previous_step_ran",
            "{miss}"
        );
    }
    let edit = |name: &str, text: &str| {
        std::fs::write(project.path().join(name), text).unwrap_or_else(|e| panic!("{e}"))
    };
    edit(
        "main.go",
        &format!("{main_go}\n// edited {}\n", std::process::id()),
    );
    let report = build(project.path(), state.path(), &tag);
    let misses = cache_misses(&report);
    let first = misses
        .iter()
        .find(|m| m["cause"] != "previous_step_ran")
        .unwrap_or_else(|| panic!("no cause among {misses:?}"));
    assert_eq!(first["line"], copy_line, "{misses:?}");
    assert_eq!(first["cause"], "files_changed", "{misses:?}");
    assert_eq!(first["files"], serde_json::json!(["main.go"]), "{misses:?}");
    assert!(
        misses
            .iter()
            .any(|m| m["cause"] == "previous_step_ran" && m["line"] == build_line),
        "the go build after it reran because of it: {misses:?}"
    );

    edit("notes.swp", "still ignored, now changed\n");
    let report = build(project.path(), state.path(), &tag);
    assert_eq!(cache_misses(&report), Vec::<Value>::new());

    let _ = Command::new("docker").args(["rmi", &tag]).output();
}

#[test]
fn build_help_lists_every_cause_json_can_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["build", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
    let help = String::from_utf8_lossy(&out.stdout);
    for (cause, _) in dockstage::workbench::cache_misses::MissCause::ALL {
        assert!(
            help.contains(cause),
            "`build --help` lacks {cause}:\n{help}"
        );
    }
}
