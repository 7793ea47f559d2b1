//! Services judged by answering, against a real Docker daemon: the bundled
//! webserver with its HEALTHCHECK removed (so the probe is what judges it),
//! a service that exits at once, one that listens on another port than the
//! one it EXPOSEs, `--arg` reaching the program, and `--ready` on a log line.
//! After each, no container and no network of the session is left.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dockstage::engine::run::{RunOptions, RunResult};
use dockstage::engine::service::ServiceProbe;
use dockstage::engine::{Engine, SESSION_LABEL};
use tokio_util::sync::CancellationToken;

const GOLANG: &str = "golang:1.24";
const BUSYBOX: &str = "busybox:stable";

/// The webserver example's Dockerfile without its HEALTHCHECK (and with
/// `edit` applied), in a copy of the example under the temp dir.
struct WebserverCopy {
    dir: PathBuf,
}

impl WebserverCopy {
    fn new(name: &str, edit: impl Fn(&str) -> String) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dockstage-service-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let example = support::example_dir("webserver");
        for file in ["Dockerfile", "go.mod", "main.go"] {
            std::fs::copy(example.join(file), dir.join(file))
                .unwrap_or_else(|e| panic!("copy {file}: {e}"));
        }
        // The Dockerfiles differ, the builder stage does not: leaving them
        // out of the context keeps its `COPY . .` and compile cached.
        std::fs::write(dir.join(".dockerignore"), "Dockerfile\n.dockerignore\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let edited = edit(&without_healthcheck(&text));
        std::fs::write(&path, edited).unwrap_or_else(|e| panic!("{e}"));
        Self { dir }
    }
}

impl Drop for WebserverCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Dockerfile with the HEALTHCHECK instruction (and its continuation
/// line) removed.
fn without_healthcheck(text: &str) -> String {
    let mut out = Vec::new();
    let mut continued = false;
    let mut removed = false;
    for line in text.lines() {
        if line.starts_with("HEALTHCHECK") || continued {
            continued = line.trim_end().ends_with('\\');
            removed = true;
            continue;
        }
        out.push(line);
    }
    assert!(removed, "the example no longer has a HEALTHCHECK");
    out.join("\n") + "\n"
}

/// An image built with the docker CLI from a webserver copy, removed when
/// the test ends.
struct TestImage {
    tag: String,
}

impl TestImage {
    fn build(name: &str, copy: &WebserverCopy) -> Self {
        let image = Self {
            tag: format!("dockstage-test/service-{name}-{}", std::process::id()),
        };
        let out = Command::new("docker")
            .args(["build", "-q", "-t", &image.tag])
            .args(["--label", &format!("{SESSION_LABEL}=test-service")])
            .arg(&copy.dir)
            .output()
            .unwrap_or_else(|e| panic!("docker CLI: {e}"));
        assert!(
            out.status.success(),
            "docker build {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        image
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .output();
    }
}

async fn run(engine: &Engine, image: &str, opts: &RunOptions) -> RunResult {
    engine
        .run_image(image, opts, &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("run {image}: {e}"))
}

/// Nothing of this session is left: no container, no probe network.
async fn assert_nothing_left(engine: &Engine) {
    let label = format!("{SESSION_LABEL}={}", engine.session);
    let (containers, _) = engine
        .labelled(&label)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let networks = engine
        .labelled_networks(&label)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(containers.is_empty(), "containers left: {containers:?}");
    assert!(networks.is_empty(), "networks left: {networks:?}");
}

fn opts(timeout_secs: u64) -> RunOptions {
    RunOptions {
        timeout: Duration::from_secs(timeout_secs),
        ..RunOptions::default()
    }
}

#[tokio::test]
async fn the_webserver_without_a_healthcheck_is_judged_by_its_answer() {
    let Some(engine) = support::docker_with("webserver answer", &[GOLANG]).await else {
        return;
    };
    let copy = WebserverCopy::new("answer", str::to_string);
    let image = TestImage::build("answer", &copy);

    let result = run(&engine, &image.tag, &opts(15)).await;
    eprintln!("webserver: {:?}", result.service);

    let service = result
        .service
        .clone()
        .unwrap_or_else(|| panic!("not run as a service: {result:?}"));
    assert!(result.ok() && !result.timed_out, "{result:?}");
    assert_eq!(service.port, Some(8080));
    assert_eq!(service.status, Some(200));
    assert_eq!(service.body, "Hello from a container!\n");
    assert_eq!(
        service.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let ready = service.ready_ms.unwrap_or(u64::MAX);
    assert!(ready < 5_000, "ready after {ready} ms");
    // Stopped with SIGTERM, which the server handles: a clean exit.
    assert_eq!(result.exit_code, Some(0), "{result:?}");
    assert!(result.stderr.contains("stopped"), "{result:?}");

    // The workbench's variants table shows what the service answered.
    let model = support::workbench_build(&copy.dir).await;
    let said: Vec<&str> = model
        .variants
        .iter()
        .map(|v| v.first_line.as_str())
        .collect();
    assert_eq!(
        said,
        ["200 text/plain · “Hello from a container!”"],
        "{:?}",
        model.status
    );

    // --probe asks another path.
    let healthz = RunOptions {
        probe: ServiceProbe {
            path: Some("/healthz".into()),
            ..ServiceProbe::default()
        },
        ..opts(15)
    };
    let result = run(&engine, &image.tag, &healthz).await;
    let body = result.service.as_ref().map(|s| s.body.as_str());
    assert_eq!(body, Some("ok\n"), "{result:?}");
    assert_nothing_left(&engine).await;
}

#[tokio::test]
async fn a_service_that_exits_at_once_fails_with_its_exit_code_and_stderr() {
    let Some(engine) = support::docker_with("service exits", &[GOLANG]).await else {
        return;
    };
    let copy = WebserverCopy::new("exits", str::to_string);
    let image = TestImage::build("exits", &copy);
    // An argument the program does not know: flag's usage and exit 2.
    let bad = RunOptions {
        cmd: Some(vec!["-no-such-flag".into()]),
        ..opts(15)
    };

    let result = run(&engine, &image.tag, &bad).await;

    assert!(!result.ok(), "{result:?}");
    assert!(
        !result.timed_out,
        "it exited, it did not time out: {result:?}"
    );
    assert_eq!(result.exit_code, Some(2), "{result:?}");
    assert!(
        result
            .stderr
            .contains("flag provided but not defined: -no-such-flag"),
        "{result:?}"
    );
    assert_eq!(
        result.error.as_deref(),
        Some("exited with code 2 before answering on port 8080")
    );
    assert_nothing_left(&engine).await;
}

#[tokio::test]
async fn a_service_listening_on_another_port_than_it_exposes_fails_until_port_names_it() {
    let Some(engine) = support::docker_with("other port", &[GOLANG]).await else {
        return;
    };
    let copy = WebserverCopy::new("other-port", |t| t.replace("EXPOSE 8080", "EXPOSE 9090"));
    let image = TestImage::build("other-port", &copy);

    let result = run(&engine, &image.tag, &opts(3)).await;
    assert!(!result.ok() && result.timed_out, "{result:?}");
    assert_eq!(
        result.error.as_deref(),
        Some("nothing answered on port 9090 within 3 s")
    );
    assert_eq!(result.service.as_ref().and_then(|s| s.port), Some(9090));
    assert_nothing_left(&engine).await;

    let told = RunOptions {
        probe: ServiceProbe {
            port: Some(8080),
            ..ServiceProbe::default()
        },
        ..opts(15)
    };
    let result = run(&engine, &image.tag, &told).await;
    assert!(result.ok(), "{result:?}");
    assert_eq!(result.service.as_ref().and_then(|s| s.status), Some(200));
    assert_nothing_left(&engine).await;
}

#[tokio::test]
async fn ready_on_a_log_line_judges_a_program_with_no_port() {
    let Some(engine) = support::docker_with("ready text", &[BUSYBOX]).await else {
        return;
    };
    // A worker with no port: ready once it says so, a second in.
    let script = "trap 'exit 0' TERM; echo starting; sleep 1; echo 'worker ready' >&2; \
                  sleep 60 & wait";
    let ready = RunOptions {
        cmd: Some(vec!["sh".into(), "-c".into(), script.into()]),
        probe: ServiceProbe {
            ready_text: Some("worker ready".into()),
            ..ServiceProbe::default()
        },
        ..opts(10)
    };

    let result = run(&engine, BUSYBOX, &ready).await;

    assert!(result.ok(), "{result:?}");
    let service = result.service.clone().unwrap_or_default();
    assert_eq!(service.port, None);
    let ms = service.ready_ms.unwrap_or(0);
    assert!((900..8_000).contains(&ms), "ready after {ms} ms");
    assert!(result.stdout.contains("starting"), "{result:?}");

    // Text that never comes is a failed run that names it.
    let never = RunOptions {
        probe: ServiceProbe {
            ready_text: Some("never printed".into()),
            ..ServiceProbe::default()
        },
        ..ready
    };
    let ready_secs = 2;
    let never = RunOptions {
        timeout: Duration::from_secs(ready_secs),
        ..never
    };
    let result = run(&engine, BUSYBOX, &never).await;
    assert!(!result.ok() && result.timed_out, "{result:?}");
    assert_eq!(
        result.error.as_deref(),
        Some("“never printed” did not appear on stdout or stderr within 2 s")
    );
    assert_nothing_left(&engine).await;
}

fn dockstage(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("dockstage: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn build_reports_the_answer_and_passes_arguments() {
    let Some(_engine) = support::docker_with("build service", &[GOLANG]).await else {
        return;
    };
    let copy = WebserverCopy::new("cli", str::to_string);

    let (code, stdout, stderr) = dockstage(&["build", "--format", "json"], &copy.dir);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let service = &json["run"]["service"];
    assert_eq!(service["port"], 8080, "{service}");
    assert_eq!(service["status"], 200, "{service}");
    assert_eq!(service["body"], "Hello from a container!\n", "{service}");
    assert!(service["ready_ms"].is_u64(), "{service}");

    let (code, stdout, stderr) = dockstage(&["build", "--arg", "-no-such-flag"], &copy.dir);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Run: exited with code 2 before answering on port 8080"),
        "{stdout}"
    );
    assert!(
        stdout.contains("stderr: flag provided but not defined: -no-such-flag"),
        "{stdout}"
    );

    let (code, stdout, _) = dockstage(&["build"], &copy.dir);
    assert_eq!(code, 0, "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Run: "))
        .unwrap_or("");
    assert!(
        line.starts_with("Run: ready in ")
            && line.ends_with(" ms · 200 text/plain · “Hello from a container!”"),
        "{line}"
    );
}
