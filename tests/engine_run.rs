//! Running images in the sandbox against a real Docker daemon: results for
//! working, broken, slow, chatty and greedy programs, the sandbox's limits,
//! service mode with a HEALTHCHECK, cancellation, and no container left
//! behind in any of those cases.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptions;
use dockstage::engine::run::{RunOptions, RunResult};
use dockstage::engine::{Engine, EngineError, SESSION_LABEL};
use tokio_util::sync::CancellationToken;

const BUSYBOX: &str = "busybox:stable";
const GOLANG: &str = "golang:1.24";
const MIB: usize = 1024 * 1024;

/// A test image built with the docker CLI (not dockstage's own build engine),
/// removed again when the test ends, pass or fail.
struct TestImage {
    tag: String,
}

impl TestImage {
    /// Builds `example` with its Dockerfile rewritten by `edit`, under a tag
    /// unique to this test and process.
    fn build(name: &str, example: &str, edit: impl Fn(&str) -> String) -> Self {
        let tag = format!("dockstage-test/run-{name}-{}", std::process::id());
        let context = support::example_dir(example);
        let original = read(&context.join("Dockerfile"));
        let edited = edit(&original);
        let dir = std::env::temp_dir().join(format!("dockstage-run-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let dockerfile = dir.join("Dockerfile");
        std::fs::write(&dockerfile, edited)
            .unwrap_or_else(|e| panic!("{}: {e}", dockerfile.display()));
        let image = Self { tag };
        let out = Command::new("docker")
            .args(["build", "-q", "-t", &image.tag])
            .args(["--label", &format!("{SESSION_LABEL}=test-run")])
            .arg("-f")
            .arg(&dockerfile)
            .arg(&context)
            .output()
            .unwrap_or_else(|e| panic!("docker CLI: {e}"));
        let _ = std::fs::remove_dir_all(&dir);
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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn replace_line(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.lines().any(|l| l == from),
        "the example no longer has `{from}`"
    );
    text.lines()
        .map(|l| if l == from { to } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cmd(args: &[&str]) -> Option<Vec<String>> {
    Some(args.iter().map(|a| a.to_string()).collect())
}

fn sh(script: &str) -> Option<Vec<String>> {
    cmd(&["sh", "-c", script])
}

async fn run(engine: &Engine, image: &str, opts: &RunOptions) -> RunResult {
    engine
        .run_image(image, opts, &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("run {image}: {e}"))
}

/// The containers this test's session still has, running or not.
async fn leftovers(engine: &Engine) -> Vec<String> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{SESSION_LABEL}={}", engine.session)],
    )]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..ListContainersOptions::default()
    };
    engine
        .docker()
        .list_containers(Some(options))
        .await
        .unwrap_or_else(|e| panic!("list containers: {e}"))
        .into_iter()
        .map(|c| format!("{:?} {:?}", c.id, c.state))
        .collect()
}

async fn assert_no_leftovers(engine: &Engine) {
    let left = leftovers(engine).await;
    assert!(left.is_empty(), "containers left behind: {left:?}");
}

async fn engine_with(test: &str, images: &[&str]) -> Option<Engine> {
    let engine = support::docker(test).await?;
    for image in images {
        if !support::has_image(&engine, test, image).await {
            return None;
        }
    }
    Some(engine)
}

#[tokio::test]
async fn hello_on_scratch_prints_hello_world() {
    let Some(engine) = engine_with("hello_on_scratch", &[GOLANG]).await else {
        return;
    };
    let image = TestImage::build("hello", "hello", |d| {
        replace_line(d, "FROM debian:bookworm-slim", "FROM scratch")
    });

    let began = Instant::now();
    let result = run(&engine, &image.tag, &RunOptions::default()).await;
    let total = began.elapsed();
    eprintln!(
        "hello: create+run+remove {total:?}, run {} ms",
        result.duration_ms
    );

    assert_eq!(result.exit_code, Some(0), "{result:?}");
    assert_eq!(result.stdout, "Hello World!\n");
    assert_eq!(result.stderr, "");
    assert!(result.duration_ms > 0);
    assert!(result.ok());
    assert_eq!(result.first_line(), "Hello World!");
    assert!(!result.timed_out && !result.oom_killed && result.error.is_none());
    let json = serde_json::to_value(&result).unwrap_or_else(|e| panic!("{e}"));
    for key in ["exit_code", "stdout", "stderr", "duration_ms", "timed_out"] {
        assert!(json.get(key).is_some(), "JSON lacks `{key}`: {json}");
    }
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn probe_built_with_cgo_cannot_exec_on_scratch() {
    let Some(engine) = engine_with("probe_cgo_scratch", &[GOLANG]).await else {
        return;
    };
    let image = TestImage::build("probe-cgo", "probe", |d| {
        let d = replace_line(
            d,
            "RUN CGO_ENABLED=0 go build -o /probe .",
            "RUN CGO_ENABLED=1 go build -o /probe .",
        );
        replace_line(&d, "FROM gcr.io/distroless/static-debian12", "FROM scratch")
    });

    let result = run(&engine, &image.tag, &RunOptions::default()).await;
    eprintln!("probe with cgo on scratch: {result:?}");

    assert_ne!(result.exit_code, Some(0), "{result:?}");
    assert!(result.exit_code.is_some(), "{result:?}");
    let said = format!(
        "{} {}",
        result.stderr,
        result.error.as_deref().unwrap_or("")
    );
    assert!(said.contains("no such file or directory"), "{result:?}");
    assert!(!result.ok());
    assert!(
        result.first_line().contains("no such file or directory"),
        "{result:?}"
    );
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn a_missing_entrypoint_is_a_run_result_with_the_daemons_reason() {
    let Some(engine) = engine_with("missing_entrypoint", &[BUSYBOX]).await else {
        return;
    };
    let opts = RunOptions {
        cmd: cmd(&["/nonexistent"]),
        ..RunOptions::default()
    };

    let result = run(&engine, BUSYBOX, &opts).await;
    eprintln!("missing entrypoint: {result:?}");

    assert_eq!(result.exit_code, Some(127), "{result:?}");
    let error = result.error.clone().unwrap_or_default();
    assert!(error.contains("no such file or directory"), "{result:?}");
    assert!(
        result.stderr.contains("no such file or directory"),
        "{result:?}"
    );
    assert_eq!(result.duration_ms, 0, "it never ran");
    assert!(!result.ok());
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn a_slow_program_is_killed_at_the_timeout() {
    let Some(engine) = engine_with("timeout", &[BUSYBOX]).await else {
        return;
    };
    let opts = RunOptions {
        timeout: Duration::from_secs(1),
        cmd: cmd(&["sleep", "30"]),
        ..RunOptions::default()
    };

    let began = Instant::now();
    let result = run(&engine, BUSYBOX, &opts).await;
    let took = began.elapsed();
    eprintln!("timeout: {took:?} {result:?}");

    assert!(result.timed_out, "{result:?}");
    assert!(!result.ok());
    // Stopped by the 1 s timeout, not by the program's 30 s sleep.
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(result.duration_ms >= 1000, "{result:?}");
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn output_beyond_the_cap_is_cut_and_marked() {
    let Some(engine) = engine_with("output_cap", &[BUSYBOX]).await else {
        return;
    };
    let opts = RunOptions {
        output_cap: MIB,
        cmd: sh("yes | head -c 3000000; echo done >&2"),
        ..RunOptions::default()
    };

    let result = run(&engine, BUSYBOX, &opts).await;

    assert_eq!(result.exit_code, Some(0));
    assert!(result.stdout_truncated);
    assert!(!result.stderr_truncated);
    assert!(result.stdout.ends_with("\n… [output truncated at 1 MiB]"));
    assert!(
        result.stdout.len() >= MIB && result.stdout.len() < MIB + 64,
        "{}",
        result.stdout.len()
    );
    assert!(result.stdout.starts_with("y\ny\n"));
    assert_eq!(result.stderr, "done\n");
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn a_program_over_its_memory_limit_is_oom_killed() {
    let Some(engine) = engine_with("oom", &[BUSYBOX]).await else {
        return;
    };
    let opts = RunOptions {
        memory_bytes: 8 * MIB as i64,
        timeout: Duration::from_secs(10),
        cmd: sh("x=a; while true; do x=$x$x; done"),
        ..RunOptions::default()
    };

    let result = run(&engine, BUSYBOX, &opts).await;
    eprintln!("oom: {result:?}");

    assert!(!result.timed_out, "{result:?}");
    assert!(
        result.oom_killed || result.exit_code == Some(137),
        "{result:?}"
    );
    assert!(!result.ok());
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn cancelling_a_run_stops_it_and_removes_the_container() {
    let Some(engine) = engine_with("cancel", &[BUSYBOX]).await else {
        return;
    };
    let opts = RunOptions {
        timeout: Duration::from_secs(30),
        cmd: cmd(&["sleep", "30"]),
        ..RunOptions::default()
    };
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });

    let began = Instant::now();
    let outcome = engine.run_image(BUSYBOX, &opts, &cancel).await;
    let took = began.elapsed();
    eprintln!("cancel: {took:?}");

    assert!(
        matches!(outcome, Err(EngineError::Cancelled)),
        "{outcome:?}"
    );
    // The program sleeps 30 s: ending well before that is the cancel, not
    // the program. How long a loaded machine takes is not this test's business.
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn an_abandoned_run_still_removes_its_container() {
    let Some(engine) = engine_with("abandoned", &[BUSYBOX]).await else {
        return;
    };
    // Abort the caller at different moments: during create, during start and
    // while the program runs.
    for delay_ms in [0, 10, 25, 50, 100, 200, 400] {
        let runner = engine.clone();
        let task = tokio::spawn(async move {
            let opts = RunOptions {
                timeout: Duration::from_secs(30),
                cmd: cmd(&["sleep", "30"]),
                ..RunOptions::default()
            };
            runner
                .run_image(BUSYBOX, &opts, &CancellationToken::new())
                .await
        });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        task.abort();
        assert!(task.await.is_err_and(|e| e.is_cancelled()));

        let gone_by = Instant::now() + Duration::from_secs(3);
        loop {
            // Long enough for a create that was in flight to have landed.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let left = leftovers(&engine).await;
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < gone_by,
                "aborted after {delay_ms} ms, left behind: {left:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_sandbox_has_a_read_only_root_no_capabilities_and_no_network() {
    let Some(engine) = engine_with("sandbox", &[BUSYBOX]).await else {
        return;
    };
    let with = |script: &str| RunOptions {
        cmd: sh(script),
        ..RunOptions::default()
    };

    let root = run(&engine, BUSYBOX, &with("touch /x")).await;
    assert_ne!(root.exit_code, Some(0), "{root:?}");
    assert!(root.stderr.contains("Read-only file system"), "{root:?}");

    let tmp = run(&engine, BUSYBOX, &with("touch /tmp/x && echo written")).await;
    assert_eq!(tmp.exit_code, Some(0), "{tmp:?}");
    assert_eq!(tmp.stdout, "written\n");

    let inside = run(
        &engine,
        BUSYBOX,
        &with("grep CapEff /proc/self/status; ls /sys/class/net"),
    )
    .await;
    assert_eq!(inside.exit_code, Some(0), "{inside:?}");
    let lines: Vec<&str> = inside.stdout.lines().collect();
    assert_eq!(lines, ["CapEff:\t0000000000000000", "lo"], "{inside:?}");
    assert_no_leftovers(&engine).await;
}

#[tokio::test]
async fn a_service_runs_until_healthy_then_stops() {
    let Some(engine) = engine_with("service", &[GOLANG]).await else {
        return;
    };
    let image = TestImage::build("webserver", "webserver", str::to_string);
    let opts = RunOptions {
        service: true,
        timeout: Duration::from_secs(15),
        ..RunOptions::default()
    };

    let began = Instant::now();
    let result = run(&engine, &image.tag, &opts).await;
    eprintln!("service: {:?} {result:?}", began.elapsed());

    assert_eq!(result.health.as_deref(), Some("healthy"), "{result:?}");
    assert!(!result.timed_out, "{result:?}");
    assert!(result.ok(), "{result:?}");
    // The server handles SIGTERM, so the graceful stop is a clean exit.
    assert_eq!(result.exit_code, Some(0), "{result:?}");
    assert!(result.stderr.contains("listening on :8080"), "{result:?}");
    assert_no_leftovers(&engine).await;
}
