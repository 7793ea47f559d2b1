//! The alpine look-alike from scripts/offline-bases.sh teaches what the real
//! alpine does, on the real daemon: a glibc-linked cgo binary cannot start on
//! musl, a static one runs, the image is a few MB, and there is no apk.

mod support;

use std::path::Path;
use std::process::{Command, Output};

const MAIN_GO: &str = r#"package main

import (
	"fmt"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("running as", u.Username)
}
"#;

/// os/user makes a cgo build link against glibc, as real programs do.
const DOCKERFILE: &str = "FROM golang:1.24 AS builder
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 go build -o /app .

FROM alpine:3.20
COPY --from=builder /app /app
ENTRYPOINT [\"/app\"]
";

struct Project(support::TempTree);

impl Project {
    fn new(tag: &str, dockerfile: &str) -> Project {
        Project(support::TempTree::new(
            "alpine",
            tag,
            &[
                ("go.mod", "module alpinelesson\n\ngo 1.24\n"),
                ("main.go", MAIN_GO),
                ("Dockerfile", dockerfile),
            ],
        ))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

fn build(dir: &Path, set: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["build".to_string(), dir.to_string_lossy().into_owned()];
    for s in set {
        args.push("--set".into());
        args.push((*s).into());
    }
    args.extend(["--format".into(), "json".into()]);
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, json)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn a_glibc_cgo_binary_fails_on_the_alpine_look_alike_and_a_static_one_runs() {
    let test = "alpine_lessons";
    let Some(_engine) = support::docker_with(test, &["golang:1.24", "alpine:3.20"]).await else {
        return;
    };
    let project = Project::new("cgo", DOCKERFILE);

    let (out, v) = build(project.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let run = &v["run"];
    assert_ne!(run["exit_code"], 0, "{v}");
    let said = format!("{}{}", run["stderr"], run["error"]);
    assert!(said.contains("no such file or directory"), "{v}");
    assert!(
        stderr(&out).contains("cgo=off") || v.to_string().contains("cgo=off"),
        "the failure names the toggle that fixes it: {}\n{v}",
        stderr(&out)
    );

    let (out, v) = build(project.path(), &["cgo=off"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["run"]["exit_code"], 0, "{v}");
    assert_eq!(v["run"]["stdout"], "running as root\n", "{v}");
    let size = v["size_bytes"].as_u64().unwrap_or(0);
    assert!(
        (2_000_000..8_000_000).contains(&size),
        "alpine look-alike with a small Go program: {size} bytes"
    );
}

#[tokio::test]
async fn the_alpine_look_alike_has_musl_busybox_and_no_apk() {
    let test = "alpine_contents";
    let Some(_engine) = support::docker_with(test, &["alpine:3.20"]).await else {
        return;
    };
    let run = |script: &str| -> Output {
        Command::new("docker")
            .args([
                "run",
                "--rm",
                "--network",
                "none",
                "alpine:3.20",
                "sh",
                "-c",
                script,
            ])
            .output()
            .unwrap_or_else(|e| panic!("docker: {e}"))
    };
    let out = run(
        "cat /etc/alpine-release; ls /lib/ld-musl-*.so.1; test -s /etc/ssl/certs/ca-certificates.crt && echo certs",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("3.20"), "{text}");
    assert!(text.contains("/lib/ld-musl-"), "{text}");
    assert!(text.contains("certs"), "{text}");
    let out = run("apk add --no-cache curl");
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apk: not found"));
    let label = Command::new("docker")
        .args([
            "image",
            "inspect",
            "-f",
            "{{index .Config.Labels \"io.dockstage.standin\"}}",
            "alpine:3.20",
        ])
        .output()
        .unwrap_or_else(|e| panic!("docker: {e}"));
    let label = String::from_utf8_lossy(&label.stdout);
    // A real alpine pulled or loaded by the user has no label; only check ours.
    if !label.trim().is_empty() {
        assert_eq!(label.trim(), "true");
    }
}

/// `apk add` on the look-alike fails as "command not found", and the
/// explanation says the real image has apk but needs a registry.
#[tokio::test]
async fn apk_on_the_alpine_look_alike_is_explained() {
    let test = "alpine_apk";
    let Some(engine) = support::docker_with(test, &["golang:1.24", "alpine:3.20"]).await else {
        return;
    };
    let standin = engine
        .docker()
        .inspect_image("alpine:3.20")
        .await
        .ok()
        .and_then(|i| i.config?.labels?.get("io.dockstage.standin").cloned())
        .is_some_and(|v| v == "true");
    if !standin {
        eprintln!("skipping {test}: alpine:3.20 here is the real image, which has apk");
        return;
    }
    let dockerfile = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM alpine:3.20\nRUN apk add --no-cache ca-certificates\nCOPY --from=builder /app /app\nENTRYPOINT [\"/app\"]\n";
    let project = Project::new("apk", dockerfile);
    let (out, v) = build(project.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let explanation = &v["explanation"];
    assert_eq!(explanation["id"], "CommandNotFound", "{v}");
    assert_eq!(v["line"], 7, "{v}");
    let hint = explanation.to_string();
    assert!(
        hint.contains("stand-in") && hint.contains("registry"),
        "{hint}"
    );
}

/// Tutorials write `FROM alpine:latest`; offline, the tag on hand is named.
#[tokio::test]
async fn a_missing_tag_names_the_tag_on_hand() {
    let test = "alpine_latest";
    let Some(_engine) = support::docker_with(test, &["golang:1.24", "alpine:3.20"]).await else {
        return;
    };
    let present = Command::new("docker")
        .args(["image", "inspect", "alpine:latest"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        eprintln!("skipping {test}: alpine:latest is on this machine");
        return;
    }
    let project = Project::new(
        "latest",
        &DOCKERFILE.replace("alpine:3.20", "alpine:latest"),
    );
    let (out, _) = build(project.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("`alpine:latest`") && said.contains("`alpine:3.20`; change line 6"),
        "{said}"
    );
}
