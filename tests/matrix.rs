//! `dockstage matrix` on the bundled examples, on the real daemon.

mod support;

use std::process::Command;

fn matrix(example: &str, extra: &[&str]) -> serde_json::Value {
    let dir = support::example_dir(example);
    let dir = dir.to_string_lossy();
    let mut args = vec!["matrix", &dir, "--format", "json"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn chosen(v: &serde_json::Value) -> Option<serde_json::Value> {
    v["variants"]
        .as_array()?
        .iter()
        .find(|r| r["chosen"] == true)
        .cloned()
}

#[tokio::test]
async fn hello_picks_scratch_when_stripped_and_static() {
    if support::docker_with(
        "matrix_hello",
        &["golang:1.24", "debian:bookworm-slim", "busybox:stable"],
    )
    .await
    .is_none()
    {
        return;
    }
    let v = matrix(
        "hello",
        &[
            "--bases",
            "debian-slim,busybox,scratch",
            "--set",
            "cgo=off",
            "--set",
            "strip=on",
        ],
    );
    let rows = v["variants"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        for key in [
            "base",
            "toggles",
            "size_bytes",
            "build_seconds",
            "run",
            "ok",
        ] {
            assert!(r.get(key).is_some(), "row lacks {key}: {r}");
        }
        assert_eq!(r["run"]["stdout"], "Hello World!\n");
    }
    let best = chosen(&v).unwrap_or_else(|| panic!("nothing chosen: {v}"));
    assert_eq!(best["base"], "scratch");
    assert!(
        best["size_bytes"].as_u64().is_some_and(|s| s <= 1_300_000),
        "{best}"
    );
}

#[tokio::test]
async fn probe_keeps_a_base_with_its_ca_certificates() {
    if support::docker_with(
        "matrix_probe",
        &["golang:1.24", "gcr.io/distroless/static-debian12"],
    )
    .await
    .is_none()
    {
        return;
    }
    let v = matrix("probe", &["--bases", "scratch,distroless-static"]);
    let best = chosen(&v).unwrap_or_else(|| panic!("nothing chosen: {v}"));
    assert_eq!(best["base"], "distroless-static", "{v}");
    let scratch = v["variants"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["base"] == "scratch").cloned());
    assert_eq!(scratch.map(|s| s["ok"].clone()), Some(false.into()));
}

#[tokio::test]
async fn markdown_has_the_table_and_the_chosen_variants_layers() {
    if support::docker_with(
        "matrix_markdown",
        &["golang:1.24", "gcr.io/distroless/static-debian12"],
    )
    .await
    .is_none()
    {
        return;
    }
    let dir = support::example_dir("probe");
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args([
            "matrix",
            &dir.to_string_lossy(),
            "--bases",
            "scratch,distroless-static",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{md}");
    assert!(
        md.contains("| | base | size | build | same as reference | run |"),
        "{md}"
    );
    assert!(
        md.contains("| ★ | distroless-static (as written) |"),
        "{md}"
    );
    assert!(md.contains("#### Layers of distroless-static"), "{md}");
    assert!(md.contains("| size | line | created by |"), "{md}");
    assert!(md.contains("`COPY /probe /probe`"), "{md}");
}
