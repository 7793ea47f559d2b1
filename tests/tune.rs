//! `dockstage tune` on the bundled examples, on the real daemon.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of a bundled example, removed when dropped, for tests that write.
struct Copy(PathBuf);

impl Copy {
    fn of(example: &str, tag: &str) -> Copy {
        let dir = std::env::temp_dir().join(format!("dockstage-tune-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let from = support::example_dir(example);
        for entry in std::fs::read_dir(&from)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            std::fs::copy(entry.path(), dir.join(entry.file_name()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        Copy(dir)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dockstage(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tune_json(dir: &Path) -> serde_json::Value {
    let dir = dir.to_string_lossy();
    let (code, stdout, stderr) = dockstage(&["tune", &dir, "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn hello_is_tuned_to_scratch_with_strip_and_nothing_is_written() {
    if support::docker_with("tune_hello", &["golang:1.24", "debian:bookworm-slim"])
        .await
        .is_none()
    {
        return;
    }
    let dir = support::example_dir("hello");
    let before = std::fs::read(dir.join("Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
    let v = tune_json(&dir);
    let chosen = &v["chosen"];
    assert_eq!(chosen["base"], "scratch", "{v}");
    let changes: Vec<&str> = chosen["changes"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
        .unwrap_or_default();
    assert!(changes.contains(&"strip=on"), "{changes:?}");
    let size = chosen["size_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(size <= 1_300_000, "scratch image is {size} bytes");
    assert!(
        chosen["dockerfile"]
            .as_str()
            .is_some_and(|d| d.contains("FROM scratch") && d.contains("-ldflags=\"-s -w\"")),
        "{v}"
    );
    assert!(
        chosen["layers"].as_array().is_some_and(|l| !l.is_empty()),
        "no layers: {v}"
    );
    let variants = v["variants"].as_array().cloned().unwrap_or_default();
    assert!(variants.len() >= 2, "{v}");
    for row in &variants {
        assert_eq!(row["run"]["stdout"], "Hello World!\n", "{row}");
    }
    assert_eq!(v["written"], false);
    assert_eq!(
        std::fs::read(dir.join("Dockerfile")).unwrap_or_else(|e| panic!("{e}")),
        before,
        "tune without --write changed the Dockerfile"
    );
}

#[tokio::test]
async fn every_tried_variant_can_be_opened_until_the_session_ends() {
    let Some(engine) =
        support::docker_with("tune_keeps", &["golang:1.24", "debian:bookworm-slim"]).await
    else {
        return;
    };
    let copy = Copy::of("hello", "keeps");
    let text = std::fs::read_to_string(copy.0.join("Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
    let job = dockstage::pipeline::tune::TuneJob {
        dir: copy.0.clone(),
        text,
        options: Default::default(),
    };
    let mut tried = Vec::new();
    let mut on_event = |event: dockstage::pipeline::Event| {
        if let dockstage::pipeline::Event::Tried {
            image: Some(id), ..
        } = event
        {
            tried.push(id);
        }
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let result = dockstage::pipeline::tune::tune(&engine, &job, &mut on_event, &cancel).await;
    assert!(result.is_ok(), "{result:?}");
    assert!(tried.len() >= 2, "{tried:?}");
    // The workbench lists each as a variant, to open and compare.
    for id in &tried {
        assert!(
            engine.docker().inspect_image(id).await.is_ok(),
            "{id} is gone once the tune ended"
        );
    }
    // The session's end removes them, as it does a matrix's.
    let removed = engine
        .cleanup_session()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(removed.images >= tried.len(), "{removed:?}");
    for id in &tried {
        assert!(
            engine.docker().inspect_image(id).await.is_err(),
            "{id} outlived its session"
        );
    }
}

#[tokio::test]
async fn probe_keeps_its_ca_certificate_count() {
    if support::docker_with(
        "tune_probe",
        &["golang:1.24", "gcr.io/distroless/static-debian12"],
    )
    .await
    .is_none()
    {
        return;
    }
    let v = tune_json(&support::example_dir("probe"));
    let variants = v["variants"].as_array().cloned().unwrap_or_default();
    let certs = |row: &serde_json::Value| {
        row["run"]["stdout"]
            .as_str()
            .and_then(|s| s.lines().find(|l| l.starts_with("ca_certs=")))
            .map(str::to_string)
    };
    let reference = variants.first().and_then(certs);
    assert!(
        reference.as_deref().is_some_and(|c| c != "ca_certs=0"),
        "{reference:?}"
    );
    let chosen = variants
        .iter()
        .find(|r| r["chosen"] == true)
        .unwrap_or_else(|| panic!("nothing chosen: {v}"));
    assert_eq!(certs(chosen), reference, "{v}");
    assert_ne!(chosen["base"], "scratch", "{v}");
    // Bases without certificates were tried and explained, not chosen.
    let steps = v["steps"].to_string();
    assert!(
        steps.contains("scratch")
            && steps.contains("prints “ca_certs=0” where the reference printed"),
        "{steps}"
    );
}

#[tokio::test]
async fn a_dynamic_binary_is_explained_fixed_and_written_with_write() {
    if support::docker_with(
        "tune_cgo",
        &["golang:1.24", "debian:bookworm-slim", "busybox:stable"],
    )
    .await
    .is_none()
    {
        return;
    }
    let copy = Copy::of("probe", "cgo");
    let file = copy.0.join("Dockerfile");
    let file_text = file.to_string_lossy().to_string();
    let (code, _, stderr) = dockstage(&[
        "edit",
        &file_text,
        "--set",
        "cgo=on",
        "--base",
        "debian-slim",
        "--write",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let dir = copy.0.to_string_lossy().to_string();
    let (code, md, stderr) = dockstage(&[
        "tune",
        &dir,
        "--bases",
        "scratch,busybox,debian-slim",
        "--format",
        "markdown",
        "--write",
    ]);
    assert_eq!(code, Some(0), "{stderr}\n{md}");
    assert!(
        md.contains("exit 1: exec /probe: no such file or directory (dynamically linked binary on a base without libc) → cgo=off"),
        "{md}"
    );
    assert!(md.contains("| # | variant | size |"), "{md}");
    assert!(md.contains("#### Chosen: "), "{md}");
    assert!(md.contains("| size | line | created by |"), "{md}");
    assert!(md.contains("```diff"), "{md}");
    assert!(stderr.contains("wrote "), "{stderr}");
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(written.contains("CGO_ENABLED=0"), "{written}");
    assert!(!written.contains("FROM debian:bookworm-slim"), "{written}");
    // What was written is what tune chose, and it builds and runs the same.
    let (code, out, stderr) = dockstage(&["build", &dir, "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["run"]["exit_code"], 0, "{v}");
}

#[tokio::test]
async fn a_module_without_a_dockerfile_starts_from_inits_and_write_writes_both_files() {
    if support::docker_with("tune_init", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let dir = std::env::temp_dir().join(format!("dockstage-tune-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let _cleanup = Copy(dir.clone());
    std::fs::write(dir.join("go.mod"), "module example.com/zones\n\ngo 1.24\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\nfunc main() {\n\tloc, err := time.LoadLocation(\"Europe/Berlin\")\n\tif err != nil {\n\t\tfmt.Println(\"error:\", err)\n\t\treturn\n\t}\n\tfmt.Println(\"zone:\", time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC).In(loc).Format(\"15:04 MST\"))\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dir_text = dir.to_string_lossy().to_string();
    let (code, out, stderr) = dockstage(&["tune", &dir_text, "--write"]);
    assert_eq!(code, Some(0), "{stderr}\n{out}");
    assert!(
        stderr.contains("no Dockerfile in") && stderr.contains("dockstage init"),
        "{stderr}"
    );
    assert!(out.contains("zone: 13:00 CET"), "{out}");
    let written = std::fs::read_to_string(dir.join("Dockerfile")).unwrap_or_default();
    assert!(written.contains("timetzdata"), "{written}");
    assert!(dir.join(".dockerignore").is_file());
}
