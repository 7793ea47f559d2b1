//! The two ways to an image's files give the same answer: the daemon's layer
//! directories (read when its storage is on this machine) and its export
//! (`DOCKSTAGE_FILES_FROM=export`), on an image with an overwritten file, a
//! removed file, a removed directory, a directory made opaque and a hard
//! link: per-layer sizes, every change, the tree's bytes, waste and
//! efficiency.

mod support;

use std::process::Command;

const IMAGE: &str = "dockstage-test/whiteouts:latest";

const DOCKERFILE: &str = "FROM busybox:stable
RUN mkdir -p /data/a /data/b /keep && head -c 300000 /dev/zero > /data/a/f1 \\
 && head -c 200000 /dev/zero > /data/b/f2 && head -c 1000 /dev/zero > /keep/k && ln /keep/k /keep/k2
RUN head -c 500000 /dev/zero > /data/a/f1 && rm /data/b/f2
RUN rm -rf /data/a && mkdir /data/a && echo new > /data/a/n && rm -rf /keep
";

fn files(from_export: bool) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockstage"));
    cmd.args(["files", IMAGE, "--format", "json"]);
    if from_export {
        cmd.env("DOCKSTAGE_FILES_FROM", "export");
    } else {
        cmd.env_remove("DOCKSTAGE_FILES_FROM");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("dockstage files: {e}"));
    assert!(
        out.status.success(),
        "dockstage files failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// Each layer's changes as sorted (path, change, kind, size) rows.
fn changes(v: &serde_json::Value) -> Vec<Vec<String>> {
    v["layers"]
        .as_array()
        .map(|layers| {
            layers
                .iter()
                .map(|l| {
                    let mut rows: Vec<String> = l["changes"]
                        .as_array()
                        .map(|c| c.iter().map(|c| c.to_string()).collect())
                        .unwrap_or_default();
                    rows.sort();
                    rows
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn layer_directories_and_the_export_agree_on_whiteouts_and_hard_links() {
    let test = "files_local";
    let Some(engine) = support::docker_with(test, &["busybox:stable"]).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("dockstage-files-local-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("Dockerfile"), DOCKERFILE).unwrap_or_else(|e| panic!("{e}"));
    let built = Command::new("docker")
        .args(["build", "-q", "-t", IMAGE])
        .arg(&dir)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap_or_else(|e| panic!("docker build: {e}"));
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let (local, export) = (files(false), files(true));
    // A file's first bytes come from the topmost layer that has it, and a
    // removed one (a whiteout, its directory removed, an opaque directory)
    // is gone.
    let read = |path: &'static str| {
        let engine = engine.clone();
        async move {
            engine
                .read_image_file(IMAGE, path, 64)
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"))
        }
    };
    match read("/data/a/n").await.map(|f| f.head) {
        Some(dockstage::engine::image_file::FileHead::File { head, size_bytes }) => {
            assert_eq!((head.as_slice(), size_bytes), (&b"new\n"[..], 4));
        }
        other => panic!("/data/a/n: {other:?}"),
    }
    for gone in ["/data/a/f1", "/data/b/f2", "/keep/k", "/keep"] {
        assert_eq!(read(gone).await, None, "{gone} was removed");
    }
    assert!(read("/bin/busybox").await.is_some());
    let _ = Command::new("docker")
        .args(["image", "rm", "-f", IMAGE])
        .output();
    let _ = std::fs::remove_dir_all(&dir);

    for key in [
        "layer_bytes",
        "final_bytes",
        "wasted_bytes",
        "efficiency",
        "dive_wasted_bytes",
    ] {
        assert_eq!(local[key], export[key], "{key}");
    }
    assert_eq!(changes(&local), changes(&export));
    // What the image did, counted once: f1 twice (300 kB, 500 kB), f2 and
    // /keep/k removed; dive's figure misses /keep/k, removed with its
    // directory, and counts both copies of f1.
    assert_eq!(export["wasted_bytes"], 1_001_000);
    assert_eq!(export["dive_wasted_bytes"], 1_000_000);
    assert_eq!(export["final_bytes"], local["final_bytes"]);
}
