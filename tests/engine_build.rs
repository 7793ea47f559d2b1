//! The engine against a real Docker daemon: BuildKit and legacy builds of
//! the bundled examples, layer sizes, sandboxed runs, failures mapped to
//! lines, offline pre-flight, cancellation and cleanup.

mod support;

use std::time::{Duration, Instant};

use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, apply_changes};
use dockstage::dockerfile::{StageGraph, parse};
use dockstage::engine::build::{BuildOutcome, BuildRequest, BuilderChoice, BuilderKind};
use dockstage::engine::context;
use dockstage::engine::events::{BuildEvent, StepMapper, StepState};
use dockstage::engine::images::required_images;
use dockstage::engine::layers::ImageLayers;
use dockstage::engine::run::{RunOptions, RunResult};
use dockstage::engine::{Engine, EngineError};
use tokio_util::sync::CancellationToken;

struct Built {
    outcome: BuildOutcome,
    layers: ImageLayers,
    events: Vec<BuildEvent>,
}

fn edited(example: &str, file: &str, changes: &[&str]) -> String {
    let path = support::example_dir(example).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let changes: Vec<Change> = changes
        .iter()
        .map(|c| c.parse().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    apply_changes(&text, &changes, Catalog::bundled()).unwrap_or_else(|e| panic!("{e}"))
}

async fn build_text(
    engine: &Engine,
    dir: &std::path::Path,
    text: &str,
    builder: BuilderChoice,
    cancel: &CancellationToken,
) -> Result<Built, EngineError> {
    let df = parse(text);
    let graph = StageGraph::new(&df);
    let ctx = context::pack(dir, text)?;
    engine
        .preflight(&required_images(&df, &graph, true), &mut |_| {})
        .await?;
    let mapper = StepMapper::new(&df, &graph);
    let request = BuildRequest {
        context: &ctx,
        mapper: &mapper,
        target: None,
        builder,
        tag: format!("dockstage/test:{}", &engine.session[..12]),
        labels: engine.labels(),
    };
    let mut events = Vec::new();
    let outcome = engine
        .build(&request, &mut |e| events.push(e), cancel)
        .await?;
    let layers = engine.image_layers(&outcome.image_id, &df, &graph).await?;
    Ok(Built {
        outcome,
        layers,
        events,
    })
}

async fn build_example(
    engine: &Engine,
    example: &str,
    file: &str,
    changes: &[&str],
    builder: BuilderChoice,
) -> Built {
    let text = edited(example, file, changes);
    let dir = support::example_dir(example);
    match build_text(engine, &dir, &text, builder, &CancellationToken::new()).await {
        Ok(b) => b,
        Err(e) => panic!("{example} {changes:?}: {e}"),
    }
}

async fn run(engine: &Engine, image: &str) -> RunResult {
    engine
        .run_image(image, &RunOptions::default(), &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("run {image}: {e}"))
}

fn docker_cli_size(image: &str) -> u64 {
    let out = std::process::Command::new("docker")
        .args(["image", "inspect", "-f", "{{.Size}}", image])
        .output()
        .unwrap_or_else(|e| panic!("docker CLI: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

async fn assert_clean(engine: &Engine) {
    let removed = engine
        .cleanup_session()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = removed;
    let label = format!("io.dockstage.session={}", engine.session);
    let (containers, images) = engine
        .labelled(&label)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        containers.is_empty() && images.is_empty(),
        "left behind: {containers:?} {images:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_single_stage_and_scratch_both_print_hello_world() {
    let Some(engine) = support::docker_with("hello", &["golang:1.24"]).await else {
        return;
    };
    let single = build_example(
        &engine,
        "hello",
        "Dockerfile.single",
        &[],
        BuilderChoice::Auto,
    )
    .await;
    let small = build_example(
        &engine,
        "hello",
        "Dockerfile",
        &["base=scratch", "cgo=off", "strip=on", "trimpath=on"],
        BuilderChoice::Auto,
    )
    .await;
    for built in [&single, &small] {
        assert_eq!(built.outcome.builder, BuilderKind::Buildkit);
        let result = run(&engine, &built.outcome.image_id).await;
        assert_eq!(result.exit_code, Some(0), "{result:?}");
        assert_eq!(result.stdout, "Hello World!\n");
        assert_eq!(
            built.layers.size_bytes,
            docker_cli_size(&built.outcome.image_id)
        );
        let sum: u64 = built.layers.layers.iter().map(|l| l.size_bytes).sum();
        assert_eq!(
            sum, built.layers.size_bytes,
            "layer sizes add up to the image size"
        );
    }
    println!(
        "hello: single-stage {} B, scratch {} B",
        single.layers.size_bytes, small.layers.size_bytes
    );
    assert!(
        small.layers.size_bytes <= 1_500_000,
        "scratch image is {} B",
        small.layers.size_bytes
    );
    assert!(single.layers.size_bytes > 100 * small.layers.size_bytes);
    // The scratch image's only sized layer is the binary, from its COPY line.
    let copy = small.layers.layers.iter().find(|l| l.size_bytes > 0);
    let text = edited("hello", "Dockerfile", &["base=scratch"]);
    let copy_line = text
        .lines()
        .position(|l| l.starts_with("COPY --from=builder"))
        .map(|i| i + 1);
    assert_eq!(copy.and_then(|l| l.line), copy_line);
    assert!(single.layers.layers.iter().any(|l| l.from_base));
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_counts_ca_certificates_per_base() {
    let Some(engine) = support::docker("probe").await else {
        return;
    };
    for image in ["golang:1.24", "gcr.io/distroless/static-debian12"] {
        if !support::has_image(&engine, "probe", image).await {
            return;
        }
    }
    let count = |r: &RunResult| -> usize {
        r.stdout
            .lines()
            .find_map(|l| l.strip_prefix("ca_certs="))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no ca_certs line in {r:?}"))
    };
    let scratch = build_example(
        &engine,
        "probe",
        "Dockerfile",
        &["base=scratch"],
        BuilderChoice::Auto,
    )
    .await;
    let on_scratch = run(&engine, &scratch.outcome.image_id).await;
    assert_eq!(count(&on_scratch), 0);
    let distroless = build_example(
        &engine,
        "probe",
        "Dockerfile",
        &["base=distroless-static"],
        BuilderChoice::Auto,
    )
    .await;
    let on_distroless = run(&engine, &distroless.outcome.image_id).await;
    assert!(count(&on_distroless) > 100, "{on_distroless:?}");
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cgo_on_scratch_fails_as_a_run_result() {
    let Some(engine) = support::docker_with("cgo", &["golang:1.24"]).await else {
        return;
    };
    let built = build_example(
        &engine,
        "probe",
        "Dockerfile",
        &["base=scratch", "cgo=on"],
        BuilderChoice::Auto,
    )
    .await;
    let result = run(&engine, &built.outcome.image_id).await;
    assert!(!result.ok());
    assert!(result.exit_code.is_some_and(|c| c != 0), "{result:?}");
    let said = format!(
        "{} {}",
        result.stderr,
        result.error.clone().unwrap_or_default()
    );
    assert!(said.contains("no such file or directory"), "{result:?}");
    let why = dockstage::workbench::explain::explain_failure(&[&said]);
    assert_eq!(
        why.and_then(|w| w.fix).map(|c| c.to_string()),
        Some("cgo=off".to_string())
    );
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_run_step_reports_its_line_under_both_builders() {
    let Some(engine) = support::docker_with("failing", &["busybox:stable"]).await else {
        return;
    };
    let dir = support::example_dir("hello");
    let text = "FROM busybox:stable\nRUN echo first\n# the next line fails\nRUN echo about to fail && exit 3\nRUN echo never\n";
    for builder in [BuilderChoice::Buildkit, BuilderChoice::Legacy] {
        let err = build_text(&engine, &dir, text, builder, &CancellationToken::new()).await;
        match err {
            Err(EngineError::BuildFailed { line, message, .. }) => {
                assert_eq!(line, Some(4), "{builder:?}: {message}");
            }
            Err(e) => panic!("{builder:?}: unexpected error {e}"),
            Ok(_) => panic!("{builder:?}: the build should fail"),
        }
    }
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_base_image_names_the_image_and_line_offline() {
    let Some(engine) = support::docker("missing").await else {
        return;
    };
    let dir = support::example_dir("hello");
    let text = "FROM busybox:stable AS tools\n\nFROM example.invalid/no-such-base:1.0\nCOPY --from=tools /bin/busybox /busybox\n";
    let started = Instant::now();
    let err = build_text(
        &engine,
        &dir,
        text,
        BuilderChoice::Auto,
        &CancellationToken::new(),
    )
    .await;
    match err {
        Err(EngineError::MissingImages(missing)) => {
            let [m] = missing.as_slice() else {
                panic!("one image is missing: {missing:?}");
            };
            assert_eq!(m.image, "example.invalid/no-such-base:1.0");
            assert_eq!(m.line, 3);
            assert!(m.hint.contains("dockstage bases load"), "{}", m.hint);
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the build should stop before it starts"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_build_leaves_nothing_behind() {
    let Some(engine) = support::docker_with("cancel", &["busybox:stable"]).await else {
        return;
    };
    let dir = support::example_dir("hello");
    // A cache-busting argument makes the slow step run every time.
    let text = format!(
        "FROM busybox:stable\nRUN echo {} && sleep 30\n",
        engine.session
    );
    for builder in [BuilderChoice::Buildkit, BuilderChoice::Legacy] {
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            trigger.cancel();
        });
        let started = Instant::now();
        let result = build_text(&engine, &dir, &text, builder, &cancel).await;
        assert!(matches!(result, Err(EngineError::Cancelled)), "{builder:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The daemon's work stops within a second: no container runs `sleep 30`.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let ps = std::process::Command::new("docker")
            .args(["ps", "-a", "--format", "{{.ID}} {{.Command}}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        assert!(
            !ps.contains("sleep 30"),
            "{builder:?}: still running:\n{ps}"
        );
    }
    let dangling = std::process::Command::new("docker")
        .args([
            "images",
            "-q",
            "--filter",
            "dangling=true",
            "--filter",
            &format!("label=io.dockstage.session={}", engine.session),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(dangling.trim().is_empty(), "dangling: {dangling}");
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buildkit_and_legacy_agree_on_the_copy_layer() {
    let Some(engine) = support::docker_with("agree", &["golang:1.24"]).await else {
        return;
    };
    let changes = ["base=scratch", "cgo=off", "strip=on"];
    let kit = build_example(
        &engine,
        "hello",
        "Dockerfile",
        &changes,
        BuilderChoice::Buildkit,
    )
    .await;
    let legacy = build_example(
        &engine,
        "hello",
        "Dockerfile",
        &changes,
        BuilderChoice::Legacy,
    )
    .await;
    assert_eq!(legacy.outcome.builder, BuilderKind::Legacy);
    let copy = |b: &Built| {
        b.layers
            .layers
            .iter()
            .find(|l| l.size_bytes > 0)
            .map(|l| (l.size_bytes, l.line))
    };
    assert_eq!(copy(&kit), copy(&legacy));
    assert!(copy(&kit).is_some_and(|(_, line)| line.is_some()));
    // Both builders report steps with lines and at least one cached step on a rebuild.
    let again = build_example(
        &engine,
        "hello",
        "Dockerfile",
        &changes,
        BuilderChoice::Buildkit,
    )
    .await;
    assert!(again.outcome.cached_steps > 0, "{:?}", again.outcome);
    let steps_with_lines = |b: &Built| {
        b.events
            .iter()
            .filter(|e| matches!(e, BuildEvent::Step { step, state: StepState::Done | StepState::Cached } if step.line.is_some()))
            .count()
    };
    assert!(steps_with_lines(&kit) >= 4 && steps_with_lines(&legacy) >= 4);
    assert_clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_sizes_come_from_cached_target_builds() {
    let Some(engine) = support::docker_with("stages", &["golang:1.24"]).await else {
        return;
    };
    let text = edited("hello", "Dockerfile", &["base=scratch"]);
    let dir = support::example_dir("hello");
    let built = build_text(
        &engine,
        &dir,
        &text,
        BuilderChoice::Buildkit,
        &CancellationToken::new(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let df = parse(&text);
    let graph = StageGraph::new(&df);
    let ctx = context::pack(&dir, &text).unwrap_or_else(|e| panic!("{e}"));
    let mapper = StepMapper::new(&df, &graph);
    let started = Instant::now();
    let sizes = engine
        .stage_sizes(
            built.layers.size_bytes,
            &ctx,
            &mapper,
            &graph,
            BuilderChoice::Buildkit,
            &CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let took = started.elapsed();
    assert_eq!(sizes.len(), 2);
    let builder = sizes[0].size_bytes.unwrap_or(0);
    assert!(builder > 500_000_000, "builder stage is {builder} B");
    assert!(
        builder > docker_cli_size("golang:1.24"),
        "the builder adds to its base"
    );
    assert!(
        took < Duration::from_secs(10),
        "stage builds are cache hits: {took:?}"
    );
    assert_eq!(sizes[1].size_bytes, Some(built.layers.size_bytes));
    println!("stage sizes {sizes:?} in {took:?}");
    assert_clean(&engine).await;
}
