//! The failures Go Dockerfiles meet in practice, each built on the real
//! daemon from a small tutorial-shaped fixture: `dockstage build` must name
//! the failed line and the cause with its fix (text on stderr, `explanation`
//! in the JSON), and the workbench must mark the same lines.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use dockstage::engine::EngineError;
use dockstage::engine::error::MissingImage;
use dockstage::engine::events::StepState;
use dockstage::engine::images::required_images;
use dockstage::tui::model::{BuildState, FileState, Model};
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::update::update;
use dockstage::tui::worker::build_failure;
use dockstage::workbench::explain::explain_run;
use serde_json::Value;

const GOLANG: &str = "golang:1.24";
const BUSYBOX: &str = "busybox:stable";
const SLIM: &str = "debian:bookworm-slim";
const DISTROLESS: &str = "gcr.io/distroless/static-debian12";

const HELLO_GO: &str = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n";

/// A build context in the temporary directory, and the tag its image gets;
/// both are removed when dropped.
struct Fixture {
    dir: support::TempTree,
    tag: String,
}

impl Fixture {
    fn new(name: &str, files: &[(&str, &str)]) -> Fixture {
        Fixture {
            dir: support::TempTree::new("failure", name, files),
            tag: format!("dockstage-test/failure-{name}:{}", std::process::id()),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `dockstage build DIR --format json`: the exit status, the progress
    /// and explanation on stderr, and the JSON on stdout.
    fn build(&self, extra: &[&str]) -> Outcome {
        let dir = self.dir.path().to_string_lossy();
        let mut args = vec!["build", &dir, "--format", "json", "--tag", &self.tag];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        Outcome {
            code: out.status.code(),
            stderr,
            json,
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .output();
    }
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    json: Value,
}

impl Outcome {
    /// A build that failed: exit 1, the JSON names the line, the cause and
    /// the text says why.
    fn failed_with(&self, id: &str, line: u64) -> &Value {
        assert_eq!(self.code, Some(1), "the build must fail:\n{}", self.stderr);
        assert_eq!(self.json["failed"], true, "{}", self.json);
        assert_eq!(self.json["line"], line, "{}\n{}", self.json, self.stderr);
        let why = &self.json["explanation"];
        assert_eq!(why["id"], id, "{}\n{}", self.json, self.stderr);
        assert_eq!(
            self.json["failures"][0]["explanation"], *why,
            "{}",
            self.json
        );
        let cause = why["cause"].as_str().unwrap_or_default();
        assert!(
            self.stderr
                .contains(&format!("  why: {cause} (line {line}: ")),
            "{}",
            self.stderr
        );
        let hint = why["hint"].as_str().unwrap_or_default();
        assert!(
            !hint.is_empty() && self.stderr.contains(&format!("  hint: {hint}")),
            "{}",
            self.stderr
        );
        why
    }

    /// A build that ran and whose run failed with `id`.
    fn ran_with(&self, id: &str) -> &Value {
        assert_eq!(self.code, Some(1), "the run must fail:\n{}", self.stderr);
        let why = &self.json["explanation"];
        assert_eq!(why["id"], id, "{}\n{}", self.json, self.stderr);
        why
    }

    fn hint(&self) -> &str {
        self.json["explanation"]["hint"]
            .as_str()
            .unwrap_or_default()
    }

    /// The lines the progress on stderr marked FAILED, in order.
    fn failed_progress_lines(&self) -> Vec<u64> {
        self.stderr
            .lines()
            .filter(|l| l.contains(" FAILED "))
            .filter_map(|l| {
                l.strip_prefix("l.")?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    }
}

fn go_mod(version: &str) -> String {
    format!("module example.com/app\n\ngo {version}\n")
}

/// The workbench on `fixture`, built once with F5 (see `support`).
async fn workbench_build(fixture: &Fixture) -> Model {
    support::workbench_build(fixture.path()).await
}

fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i as u64 + 1)
}

// ── A. the failed step, named the same way by the CLI and the workbench ──

/// A slow builder step is cancelled when the runtime stage fails first. The
/// report used to take the line of the last step with any error (the
/// cancelled one) and quote the failed one's message; the workbench marked
/// the cancelled line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_cancelled_by_another_failure_is_never_blamed() {
    let Some(_engine) = support::docker_with("cancelled_step", &[GOLANG, SLIM]).await else {
        return;
    };
    // The sleeps make the order certain: the builder's step has started and
    // is still running when the runtime stage's step fails.
    let dockerfile = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod main.go ./\nRUN sleep 8 && go mod download\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM debian:bookworm-slim\nRUN sleep 2 && apk add --no-cache ca-certificates\nCOPY --from=builder /app /app\nENTRYPOINT [\"/app\"]\n";
    let f = Fixture::new(
        "cancelled",
        &[
            ("Dockerfile", dockerfile),
            ("go.mod", &go_mod("1.24")),
            ("main.go", HELLO_GO),
        ],
    );
    let apk = line_of(dockerfile, "apk add");
    let slow = line_of(dockerfile, "sleep 8");
    let out = f.build(&["--no-run"]);
    let why = out.failed_with("CommandNotFound", apk);
    assert!(
        out.hint().starts_with(
            "`apk` is Alpine's package manager and `debian:bookworm-slim` is Debian-based"
        ),
        "{why}"
    );
    assert!(
        out.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("apk add --no-cache ca-certificates")),
        "{}",
        out.json
    );
    let lines: Vec<&Value> = out.json["failures"]
        .as_array()
        .map(|a| a.iter().map(|f| &f["line"]).collect())
        .unwrap_or_default();
    assert_eq!(lines, [apk], "{}", out.json);
    assert!(
        out.stderr.contains(&format!("l.{slow:<4} stopped")),
        "{}",
        out.stderr
    );

    let model = workbench_build(&f).await;
    assert_eq!(model.failed_line(), Some(apk as usize), "{:?}", model.build);
    assert!(!model.is_failed_line(slow as usize));
    assert_eq!(
        model.steps.get(&(slow as usize)),
        Some(&StepState::Cancelled)
    );
    assert_eq!(
        model.explanation.as_ref().map(|e| e.id),
        Some("CommandNotFound")
    );
    let status = model.status.clone().unwrap_or_default();
    assert!(
        status.contains(&format!("line {apk}"))
            && status.contains("a command the image does not have"),
        "{status}"
    );
}

/// Both stages install packages with a tool their Debian-based base lacks.
/// BuildKit runs them in parallel, so one fails or both do, as timing has
/// it; whichever the builder reports is the line named, every step that
/// failed is listed with its own cause, and the workbench marks each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_failures_are_each_listed_with_their_line() {
    let Some(_engine) = support::docker_with("parallel", &[GOLANG, SLIM]).await else {
        return;
    };
    let dockerfile = "FROM golang:1.24 AS builder\nRUN apk add --no-cache git\nWORKDIR /src\nCOPY go.mod main.go ./\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM debian:bookworm-slim\nRUN apk add --no-cache ca-certificates\nCOPY --from=builder /app /app\nENTRYPOINT [\"/app\"]\n";
    let f = Fixture::new(
        "parallel",
        &[
            ("Dockerfile", dockerfile),
            ("go.mod", &go_mod("1.24")),
            ("main.go", HELLO_GO),
        ],
    );
    let builder = line_of(dockerfile, "apk add --no-cache git");
    let runtime = line_of(dockerfile, "apk add --no-cache ca-certificates");
    let mut both = false;
    for _ in 0..10 {
        let out = f.build(&["--no-run"]);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let message = out.json["message"].as_str().unwrap_or_default();
        let named = if message.contains("ca-certificates") {
            runtime
        } else {
            builder
        };
        out.failed_with("CommandNotFound", named);
        let listed: Vec<u64> = out.json["failures"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["line"].as_u64()).collect())
            .unwrap_or_default();
        let mut progress = out.failed_progress_lines();
        assert_eq!(listed[0], named, "{}", out.json);
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        progress.sort_unstable();
        assert_eq!(sorted, progress, "{}\n{}", out.json, out.stderr);
        for f in out.json["failures"].as_array().into_iter().flatten() {
            let base = if f["line"] == runtime {
                "debian:bookworm-slim"
            } else {
                "golang:1.24"
            };
            let hint = f["explanation"]["hint"].as_str().unwrap_or_default();
            assert!(hint.contains(&format!("`{base}` is Debian-based")), "{f}");
        }
        if listed.len() == 2 {
            both = true;
            assert!(
                out.stderr
                    .contains(&format!("  also failed: line {}", listed[1])),
                "{}",
                out.stderr
            );
            break;
        }
    }
    assert!(both, "in ten builds the two stages never failed together");

    // The workbench: the line its status names is one that failed, and every
    // failed step's line is marked.
    let model = workbench_build(&f).await;
    let BuildState::Failed {
        line, other_lines, ..
    } = &model.build
    else {
        panic!("the build must fail: {:?}", model.build);
    };
    let mut marked: Vec<usize> = line.iter().chain(other_lines).copied().collect();
    marked.sort_unstable();
    let mut failed: Vec<usize> = model
        .steps
        .iter()
        .filter(|(_, s)| matches!(s, StepState::Failed(_)))
        .map(|(l, _)| *l)
        .collect();
    failed.sort_unstable();
    assert_eq!(marked, failed);
    for l in &marked {
        assert!(model.is_failed_line(*l));
        assert!(
            [builder as usize, runtime as usize].contains(l),
            "{marked:?}"
        );
    }
}

// ── B. each known cause, built for real ──

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_build_without_go_mod_is_named_by_build_lint_and_tune() {
    let Some(_engine) = support::docker_with("no_go_mod", &[GOLANG]).await else {
        return;
    };
    // As tutorials written before Go 1.16 have it.
    let dockerfile =
        "FROM golang:1.24\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -o /app\nCMD [\"/app\"]\n";
    let f = Fixture::new(
        "nogomod",
        &[("Dockerfile", dockerfile), ("main.go", HELLO_GO)],
    );
    let out = f.build(&[]);
    out.failed_with("NoGoMod", 4);
    assert!(
        out.hint().contains("go mod init") && out.hint().contains("go build -o /app main.go"),
        "{}",
        out.hint()
    );
    let lint = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["lint", &f.path().join("Dockerfile").to_string_lossy()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let said = String::from_utf8_lossy(&lint.stdout);
    assert!(
        said.contains("Dockerfile:4:5: error[MissingGoMod]"),
        "{said}"
    );
    let tune = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["tune", &f.path().to_string_lossy()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let said = String::from_utf8_lossy(&tune.stdout);
    assert!(
        said.contains("does not build: no go.mod where `go build` runs (line 4"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_mod_newer_than_the_builder_names_both_versions() {
    let Some(_engine) = support::docker_with("go_version", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "goversion",
        &[
            (
                "Dockerfile",
                "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
            ),
            ("go.mod", &go_mod("1.99")),
            ("main.go", HELLO_GO),
        ],
    );
    let out = f.build(&["--no-run"]);
    out.failed_with("GoVersionTooNew", 4);
    assert!(
        out.hint().contains("Go 1.99") && out.hint().contains("FROM golang:1.99"),
        "{}",
        out.hint()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_missing_from_go_sum_says_go_mod_tidy() {
    let Some(_engine) = support::docker_with("go_sum", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "gosum",
        &[
            (
                "Dockerfile",
                "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
            ),
            (
                "go.mod",
                "module example.com/app\n\ngo 1.24\n\nrequire github.com/pkg/errors v0.9.1\n",
            ),
            (
                "main.go",
                "package main\n\nimport \"github.com/pkg/errors\"\n\nfunc main() { println(errors.New(\"x\").Error()) }\n",
            ),
        ],
    );
    let out = f.build(&["--no-run"]);
    out.failed_with("MissingGoSum", 4);
    assert!(out.hint().contains("go mod tidy"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_main_package_path_that_leads_nowhere_is_named() {
    let Some(_engine) = support::docker_with("main_package", &[GOLANG]).await else {
        return;
    };
    for (name, copy, target) in [
        ("dir", "COPY . .", "./cmd/server"),
        ("nofiles", "COPY go.mod .", "."),
        ("std", "COPY . .", "server"),
    ] {
        let dockerfile =
            format!("FROM golang:1.24\nWORKDIR /src\n{copy}\nRUN go build -o /app {target}\n");
        let f = Fixture::new(
            &format!("mainpkg-{name}"),
            &[
                ("Dockerfile", &dockerfile),
                ("go.mod", &go_mod("1.24")),
                ("main.go", HELLO_GO),
            ],
        );
        let out = f.build(&["--no-run"]);
        out.failed_with("MainPackageNotFound", 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_install_from_the_network_offline_suggests_vendoring() {
    let Some(_engine) = support::docker_with("offline_go", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "offlinego",
        &[(
            "Dockerfile",
            "FROM golang:1.24\nRUN go install golang.org/x/tools/cmd/stringer@latest\n",
        )],
    );
    let out = f.build(&["--no-run"]);
    out.failed_with("OfflineGoModules", 2);
    assert!(out.hint().contains("go mod vendor"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_get_from_an_unreachable_repository_is_the_network_not_the_package() {
    let Some(_engine) = support::docker_with("offline_apt", &[SLIM]).await else {
        return;
    };
    let f = Fixture::new(
        "offlineapt",
        &[(
            "Dockerfile",
            "FROM debian:bookworm-slim\nRUN echo \"deb http://apt.example.invalid/debian bookworm main\" > /etc/apt/sources.list.d/vendor.list \\\n    && apt-get update && apt-get install -y vendor-tool\n",
        )],
    );
    let out = f.build(&["--no-run"]);
    let why = out.failed_with("OfflinePackages", 2);
    assert!(
        why["detail"]
            .as_str()
            .is_some_and(|d| d.contains("apt.example.invalid")),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_with_wget_offline_is_the_network() {
    let Some(_engine) = support::docker_with("offline_wget", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "offlinewget",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nRUN wget -O /tmp/tool.tar.gz https://downloads.example.invalid/tool.tar.gz\n",
        )],
    );
    let out = f.build(&["--no-run"]);
    out.failed_with("Offline", 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_get_on_busybox_names_the_base_and_that_it_has_no_package_manager() {
    let Some(_engine) = support::docker_with("apt_on_busybox", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "aptbusybox",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nRUN apt-get update && apt-get install -y curl\n",
        )],
    );
    let out = f.build(&["--no-run"]);
    let why = out.failed_with("CommandNotFound", 2);
    // BuildKit sends the shell's message in pieces; the line is whole again.
    assert_eq!(why["detail"], "/bin/sh: apt-get: not found", "{why}");
    assert!(
        out.hint()
            .starts_with("`busybox:stable` has no package manager, so `apt-get` cannot run there"),
        "{}",
        out.hint()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_source_left_out_by_dockerignore_under_both_builders() {
    let Some(_engine) = support::docker_with("copy_source", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "copysource",
        &[
            (
                "Dockerfile",
                "FROM busybox:stable\nCOPY config.yaml /etc/app/\nCMD [\"cat\", \"/etc/app/config.yaml\"]\n",
            ),
            ("config.yaml", "port: 8080\n"),
            (".dockerignore", "*.yaml\n"),
        ],
    );
    for builder in ["buildkit", "legacy"] {
        let out = f.build(&["--no-run", "--builder", builder]);
        out.failed_with("CopySourceMissing", 2);
        assert!(
            out.hint()
                .starts_with("`config.yaml` is not in the build context")
                && out.hint().contains(".dockerignore"),
            "{builder}: {}",
            out.hint()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compile_error_names_the_file_and_line() {
    let Some(_engine) = support::docker_with("compile", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "compile",
        &[
            (
                "Dockerfile",
                "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
            ),
            ("go.mod", &go_mod("1.24")),
            ("main.go", "package main\n\nfunc main() {\n\tgreet()\n}\n"),
        ],
    );
    let out = f.build(&["--no-run"]);
    let why = out.failed_with("CompileError", 4);
    assert_eq!(why["detail"], "./main.go:4:2: undefined: greet", "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_mounts_under_the_legacy_builder_need_buildkit() {
    let Some(_engine) = support::docker_with("needs_buildkit", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "buildkit",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nRUN --mount=type=cache,target=/cache echo cached\n",
        )],
    );
    let out = f.build(&["--no-run", "--builder", "legacy"]);
    out.failed_with("NeedsBuildKit", 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_root_step_that_writes_to_root_s_directory() {
    let Some(_engine) = support::docker_with("permission", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "permission",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nUSER 65532\nRUN mkdir /app\n",
        )],
    );
    let out = f.build(&["--no-run"]);
    out.failed_with("PermissionDenied", 3);
    assert!(out.hint().contains("chown"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_form_on_a_base_without_a_shell_at_build_and_at_run() {
    let Some(_engine) = support::docker_with("no_shell", &[DISTROLESS, BUSYBOX]).await else {
        return;
    };
    let build = Fixture::new(
        "noshell-run-step",
        &[(
            "Dockerfile",
            "FROM gcr.io/distroless/static-debian12\nRUN mkdir -p /data\n",
        )],
    );
    let out = build.build(&["--no-run"]);
    out.failed_with("NoShell", 2);
    assert!(
        out.hint()
            .contains("`gcr.io/distroless/static-debian12` has none"),
        "{}",
        out.hint()
    );
    let run = Fixture::new(
        "noshell-cmd",
        &[(
            "Dockerfile",
            "FROM busybox:stable AS tools\nFROM gcr.io/distroless/static-debian12\nCOPY --from=tools /bin/busybox /busybox\nCMD /busybox echo hello\n",
        )],
    );
    let out = run.build(&[]);
    out.ran_with("NoShell");
    assert!(out.hint().contains("CMD [\"/app\"]"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_for_another_architecture_is_an_exec_format_error() {
    let Some(_engine) = support::docker_with("exec_format", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "execformat",
        &[
            (
                "Dockerfile",
                "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 GOARCH=arm64 go build -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
            ),
            ("go.mod", &go_mod("1.24")),
            (
                "main.go",
                "package main\n\nfunc main() { println(\"hello\") }\n",
            ),
        ],
    );
    let out = f.build(&[]);
    let why = out.ran_with("ExecFormatError");
    assert!(
        why["detail"]
            .as_str()
            .is_some_and(|d| d.contains("exec format error")),
        "{why}"
    );
    assert!(out.hint().contains("GOARCH"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_binary_on_busybox_exec_form_and_shell_form() {
    let Some(_engine) = support::docker_with("dynamic", &[GOLANG, BUSYBOX, SLIM]).await else {
        return;
    };
    // The probe example with cgo on links glibc; busybox has none.
    let probe = support::example_dir("probe");
    let tag = format!("dockstage-test/failure-probe:{}", std::process::id());
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args([
            "build",
            &probe.to_string_lossy(),
            "--base",
            "busybox",
            "--set",
            "cgo=on",
            "--format",
            "json",
            "--tag",
            &tag,
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = Command::new("docker").args(["rmi", "-f", &tag]).output();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(
        v["explanation"]["id"],
        "DynamicBinary",
        "{v}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["explanation"]["fix"], "cgo=off", "{v}");
    // Through a shell the same shows as "not found", exit 127.
    let f = Fixture::new(
        "dynamic-shell",
        &[(
            "Dockerfile",
            "FROM debian:bookworm-slim AS build\nFROM busybox:stable\nCOPY --from=build /usr/bin/ls /app\nCMD /app\n",
        )],
    );
    let out = f.build(&[]);
    let why = out.ran_with("DynamicBinary");
    assert_eq!(why["detail"], "/bin/sh: /app: not found", "{why}");
    assert!(out.stderr.contains("Run: exit 127") || out.json["run"]["exit_code"] == 127);
    // The workbench shows the pipeline's own reading of the run.
    let model = workbench_build(&f).await;
    let seen = model.explanation.as_ref().map(|e| (e.id, e.detail.clone()));
    assert_eq!(
        seen,
        Some(("DynamicBinary", "/bin/sh: /app: not found".to_string())),
        "{:?}",
        model.build
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entrypoint_no_copy_put_there() {
    let Some(_engine) = support::docker_with("entrypoint", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "entrypoint",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nCOPY --from=busybox:stable /bin/busybox /bin/server\nENTRYPOINT [\"/app/server\"]\n",
        )],
    );
    let out = f.build(&[]);
    out.ran_with("EntrypointMissing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_name_the_base_does_not_know() {
    let Some(_engine) = support::docker_with("user", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "user",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nUSER app\nCMD [\"echo\", \"hello\"]\n",
        )],
    );
    let out = f.build(&[]);
    let why = out.ran_with("UnknownUser");
    assert_eq!(why["fix"], "nonroot=on", "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_into_the_image_at_run_time() {
    let Some(_engine) = support::docker_with("read_only", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "readonly",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nWORKDIR /data\nCMD [\"sh\", \"-c\", \"echo started > /data/state\"]\n",
        )],
    );
    let out = f.build(&[]);
    out.ran_with("ReadOnlyRootFs");
    assert!(out.hint().contains("/tmp"), "{}", out.hint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthcheck_with_curl_on_busybox() {
    let Some(_engine) = support::docker_with("healthcheck", &[BUSYBOX]).await else {
        return;
    };
    let f = Fixture::new(
        "healthcheck",
        &[(
            "Dockerfile",
            "FROM busybox:stable\nHEALTHCHECK --interval=1s --retries=1 CMD curl -f http://localhost:8080/ || exit 1\nCMD [\"sleep\", \"30\"]\n",
        )],
    );
    let out = f.build(&[]);
    let why = out.ran_with("HealthcheckCommandMissing");
    assert_eq!(out.json["run"]["health"], "unhealthy", "{}", out.json);
    assert!(
        out.hint().contains("runs `curl`") && out.hint().contains("wget"),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_zones_on_scratch() {
    let Some(_engine) = support::docker_with("tzdata", &[GOLANG]).await else {
        return;
    };
    let f = Fixture::new(
        "tzdata",
        &[
            (
                "Dockerfile",
                "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 go build -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
            ),
            ("go.mod", &go_mod("1.24")),
            (
                "main.go",
                "package main\n\nimport (\n\t\"os\"\n\t\"time\"\n)\n\nfunc main() {\n\tif _, err := time.LoadLocation(\"Europe/Berlin\"); err != nil {\n\t\tos.Stderr.WriteString(err.Error() + \"\\n\")\n\t\tos.Exit(1)\n\t}\n}\n",
            ),
        ],
    );
    let out = f.build(&[]);
    let why = out.ran_with("MissingTzdata");
    assert_eq!(why["fix"], "tzdata=on", "{why}");
}

/// No TLS server can be reached offline, so this cause is read from the
/// message Go prints on a base without CA certificates.
#[test]
fn ca_certificates_from_a_recorded_message() {
    let df = dockstage::dockerfile::parse(
        "FROM golang:1.24 AS b\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n",
    );
    let why = explain_run(
        &[
            "Get \"https://api.github.com\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ],
        None,
        Some(1),
        &df,
    );
    assert_eq!(why.as_ref().map(|w| w.id), Some("MissingCaCertificates"));
    assert_eq!(
        why.and_then(|w| w.fix).map(|c| c.to_string()).as_deref(),
        Some("certs=on")
    );
}

// ── Pre-flight: every missing image at once, with what lint knows ──

/// The workbench keeps the lines of missing images, so each FROM is marked.
#[test]
fn missing_images_keep_their_lines_in_the_workbench() {
    let missing = |image: &str, line| MissingImage {
        image: image.into(),
        line,
        used_by: "FROM",
        hint: "load it".into(),
    };
    let error = EngineError::MissingImages(vec![missing("golang:1.99", 1), missing("stratch", 5)]);
    let text =
        "FROM golang:1.99 AS b\nRUN go build -o /a .\n\n\nFROM stratch\nCOPY --from=b /a /a\n";
    let failure = build_failure(error, text);
    assert_eq!(
        (failure.line, failure.other_lines.clone()),
        (Some(1), vec![5])
    );
    assert!(failure.message.contains("2 images are not on this machine"));
    let file = FileState {
        path: PathBuf::from("/nonexistent/Dockerfile"),
        dir: PathBuf::from("/nonexistent"),
        saved: text.into(),
        note: None,
    };
    let mut model = Model::new(file, text, Theme::monochrome());
    update(
        &mut model,
        Msg::Docker(dockstage::tui::model::DockerStatus::Ready {
            version: "20.10".into(),
            endpoint: "unix:///var/run/docker.sock".into(),
        }),
    );
    let cmds = update(
        &mut model,
        Msg::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::F(5),
        )),
    );
    let Some(Cmd::Build { id, .. }) = cmds.first() else {
        panic!("F5 builds: {cmds:?}");
    };
    update(&mut model, Msg::BuildDone(*id, Err(failure)));
    assert!(model.is_failed_line(1) && model.is_failed_line(5));
    assert!(!model.is_failed_line(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_images_are_named_at_once_and_a_misspelt_one_gets_its_name() {
    let Some(engine) = support::docker_with("preflight", &[GOLANG]).await else {
        return;
    };
    let dockerfile = "# syntax=docker/dockerfile:1.99-nonexistent\nFROM golang:1.24 AS build\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM stratch\nCOPY --from=example.invalid/tools:1 /bin/tool /tool\nCOPY --from=build /app /app\n";
    let f = Fixture::new("preflight", &[("Dockerfile", dockerfile)]);
    let out = f.build(&[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let said = &out.stderr;
    assert!(said.contains("3 images are not on this machine"), "{said}");
    assert!(
        said.contains(
            "line 5 (FROM): `stratch`: `stratch` is not a known image: did you mean `scratch`?"
        ),
        "{said}"
    );
    assert!(!said.contains("docker save stratch"), "{said}");
    assert!(
        said.contains("line 6 (COPY --from): `example.invalid/tools:1`"),
        "{said}"
    );
    assert!(
        said.contains("line 1 (# syntax)")
            && said.contains("the daemon's built-in frontend can build this file without it"),
        "{said}"
    );

    // The same in-process, and the workbench marks every line.
    let df = dockstage::dockerfile::parse(dockerfile);
    let graph = dockstage::dockerfile::StageGraph::new(&df);
    let err = engine
        .preflight(&required_images(&df, &graph, true), &mut |_| {})
        .await;
    let Err(EngineError::MissingImages(missing)) = err else {
        panic!("pre-flight must stop: {err:?}");
    };
    let lines: Vec<usize> = missing.iter().map(|m| m.line).collect();
    assert_eq!(lines, [1, 5, 6]);
    let model = workbench_build(&f).await;
    for line in [1, 5, 6] {
        assert!(model.is_failed_line(line), "{line}: {:?}", model.build);
    }
    assert!(!model.is_failed_line(2));
}
