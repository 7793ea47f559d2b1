//! The context and the Dockerfile sent through a BuildKit session, on the
//! real daemon: a toggle rebuilds only what it changed, `.dockerignore` is
//! applied as the daemon reads it, an unsaved edit stays out of the image's
//! files, and a build says which way its context went.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bollard::query_parameters::RemoveImageOptions;
use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, apply_changes};
use dockstage::dockerfile::{StageGraph, StageIndex, parse};
use dockstage::engine::Engine;
use dockstage::engine::build::{BuildOutcome, BuildRequest, BuilderChoice};
use dockstage::engine::context;
use dockstage::engine::events::{BuildEvent, StepMapper, StepState};
use dockstage::engine::run::RunOptions;
use dockstage::engine::session::{ContextSent, ContextTransfer};
use tokio_util::sync::CancellationToken;

/// A project directory of the test's own, removed afterwards.
struct Project(PathBuf);

impl Project {
    fn new(test: &str) -> Project {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-session-{test}-{}",
            dockstage::engine::new_session_id()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Project(dir)
    }

    fn file(&self, rel: &str, text: &str) -> &Self {
        std::fs::write(self.0.join(rel), text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        self
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Built {
    outcome: BuildOutcome,
    events: Vec<BuildEvent>,
}

impl Built {
    /// The last state of each step of `stage` that maps to a line. `FROM`
    /// is left out: BuildKit reports it done, never cached, whenever the
    /// stage runs at all.
    fn steps(&self, stage: usize) -> Vec<(usize, StepState)> {
        let mut steps: Vec<(usize, StepState)> = Vec::new();
        for event in &self.events {
            let BuildEvent::Step { step, state } = event else {
                continue;
            };
            let (Some(line), Some(StageIndex(s))) = (step.line, step.stage) else {
                continue;
            };
            if s != stage || step.name.contains("] FROM ") {
                continue;
            }
            match steps.iter_mut().find(|(l, _)| *l == line) {
                Some(entry) => entry.1 = state.clone(),
                None => steps.push((line, state.clone())),
            }
        }
        steps
    }

    fn state_of(&self, line: usize) -> Option<StepState> {
        self.steps(0)
            .into_iter()
            .chain(self.steps(1))
            .find(|(l, _)| *l == line)
            .map(|(_, s)| s)
    }
}

async fn build(engine: &Engine, dir: &Path, text: &str, on_disk: Option<&Path>) -> Built {
    let df = parse(text);
    let graph = StageGraph::new(&df);
    let ctx = context::pack_for(dir, text, on_disk).unwrap_or_else(|e| panic!("{e}"));
    let mapper = StepMapper::new(&df, &graph);
    let request = BuildRequest {
        context: &ctx,
        mapper: &mapper,
        target: None,
        builder: BuilderChoice::Auto,
        tag: format!("dockstage/test-session:{}", &engine.session[..12]),
        labels: engine.labels(),
    };
    let mut events = Vec::new();
    let outcome = engine
        .build(&request, &mut |e| events.push(e), &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("build of {}: {e}", dir.display()));
    Built { outcome, events }
}

fn hello_with(change: &str) -> String {
    let path = support::example_dir("hello").join("Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let change: Change = change.parse().unwrap_or_else(|e| panic!("{e}"));
    apply_changes(&text, &[change], Catalog::bundled()).unwrap_or_else(|e| panic!("{e}"))
}

fn line_of(text: &str, start: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(start))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line starts with {start}"))
}

async fn clean(engine: &Engine) {
    engine
        .cleanup_session()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toggling_the_base_of_hello_leaves_every_builder_step_cached() {
    let Some(engine) =
        support::docker_with("toggle_base", &["golang:1.24", "debian:bookworm-slim"]).await
    else {
        return;
    };
    let dir = support::example_dir("hello");
    let scratch = hello_with("base=scratch");
    let slim = hello_with("base=debian-slim");
    // The first build may compile: the daemon may never have seen this
    // context through a session.
    build(&engine, &dir, &scratch, None).await;
    for text in [&slim, &scratch, &slim] {
        let built = build(&engine, &dir, text, None).await;
        assert_eq!(built.outcome.context_transfer, ContextTransfer::Session);
        let builder = built.steps(0);
        assert_eq!(builder.len(), 5, "builder steps seen: {builder:?}");
        assert!(
            builder.iter().all(|(_, s)| *s == StepState::Cached),
            "a base toggle reran a builder step: {builder:?}"
        );
        assert_eq!(
            built.outcome.context_sent,
            ContextSent {
                files: 0,
                bytes: 0,
                dockerfile: true
            },
            "only the edited Dockerfile travels"
        );
    }
    clean(&engine).await;
}

const COPY_ALL: &str = "FROM busybox:stable AS builder\n\
                        WORKDIR /src\n\
                        COPY . .\n\
                        RUN cat main.txt > /out\n\
                        FROM busybox:stable\n\
                        COPY --from=builder /out /out\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ignored_file_does_not_bust_copy_all_and_a_kept_one_does() {
    let Some(engine) = support::docker_with("ignored_file", &["busybox:stable"]).await else {
        return;
    };
    let project = Project::new("ignore");
    // Contents of this run's own, so no earlier run's cache answers.
    let run_id = dockstage::engine::new_session_id();
    project
        .file(".dockerignore", "*.md\n")
        .file("main.txt", &format!("first {run_id}\n"))
        .file("notes.md", "draft 1\n");
    let copy = line_of(COPY_ALL, "COPY . .");
    let first = build(&engine, &project.0, COPY_ALL, None).await;
    assert_eq!(first.outcome.context_transfer, ContextTransfer::Session);
    assert_ne!(
        first.state_of(copy),
        Some(StepState::Cached),
        "a new context"
    );

    project.file("notes.md", "draft 2, longer than the first\n");
    let ignored = build(&engine, &project.0, COPY_ALL, None).await;
    assert_eq!(ignored.state_of(copy), Some(StepState::Cached));
    assert_eq!(
        ignored.outcome.context_sent.files, 0,
        "the daemon asks for nothing it excluded"
    );

    let changed = format!("second {run_id}\n");
    project.file("main.txt", &changed);
    let kept = build(&engine, &project.0, COPY_ALL, None).await;
    assert_eq!(kept.state_of(copy), Some(StepState::Done));
    assert_eq!(
        (
            kept.outcome.context_sent.files,
            kept.outcome.context_sent.bytes
        ),
        (1, changed.len() as u64),
        "only the changed file travels"
    );
    clean(&engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsaved_edit_is_built_but_never_enters_the_context() {
    let Some(engine) = support::docker_with("unsaved_edit", &["busybox:stable"]).await else {
        return;
    };
    let show = "CMD [\"sh\", \"-c\", \"cat /built-from; ls -A /src; cat /src/Dockerfile\"]\n";
    let saved = format!("FROM busybox:stable\nCOPY . /src\nRUN echo saved > /built-from\n{show}");
    let edited = format!(
        "FROM busybox:stable\n# unsaved-edit-marker\nCOPY . /src\nRUN echo edited > /built-from\n{show}"
    );
    let project = Project::new("unsaved");
    project
        .file("Dockerfile", &saved)
        .file("main.txt", "hello\n");
    let on_disk = project.0.join("Dockerfile");
    let built = build(&engine, &project.0, &edited, Some(&on_disk)).await;
    assert_eq!(built.outcome.context_transfer, ContextTransfer::Session);
    let run = engine
        .run_image(
            &built.outcome.image_id,
            &RunOptions::default(),
            &CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.exit_code, Some(0), "{run:?}");
    let expected = format!("edited\nDockerfile\nmain.txt\n{saved}");
    assert_eq!(
        run.stdout, expected,
        "the image is built from the edited text, and its /src holds the saved file only"
    );
    assert!(!run.stdout.contains("unsaved-edit-marker"));
    clean(&engine).await;
}

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_json_names_the_context_transfer_of_each_builder() {
    let Some(engine) = support::docker_with("transfer_json", &["busybox:stable"]).await else {
        return;
    };
    let project = Project::new("json");
    project
        .file(
            "Dockerfile",
            "FROM busybox:stable\nCOPY main.txt /main.txt\n",
        )
        .file("main.txt", "hello\n");
    let dir = project.0.to_string_lossy().into_owned();
    let tag = format!("dockstage/test-session:json-{}", &engine.session[..12]);
    for (builder, transfer) in [("buildkit", "session"), ("legacy", "tar")] {
        let out = dockstage(&[
            "build",
            &dir,
            "--builder",
            builder,
            "--no-run",
            "--format",
            "json",
            "--tag",
            &tag,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{builder}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["context_transfer"], transfer, "{builder}");
        assert!(
            v["context"]["sent_bytes"].as_u64().is_some_and(|b| b > 0),
            "{builder}: {}",
            v["context"]
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(&format!(
                "context: sent {}",
                if transfer == "tar" {
                    "as a tar"
                } else {
                    "through a BuildKit session"
                }
            )),
            "{builder}: the log says which way the context went: {said}"
        );
    }
    let _ = engine
        .docker()
        .remove_image(&tag, None::<RemoveImageOptions>, None)
        .await;
}

/// Before the session read the daemon's file requests as they came, a
/// context of a few thousand files closed the connection mid-way
/// (`too_many_data_frames`), reported as "context canceled".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_of_five_thousand_files_goes_through_the_session() {
    let Some(engine) = support::docker_with("many_files", &["busybox:stable"]).await else {
        return;
    };
    let project = Project::new("many");
    // Contents of this run's own, so the daemon has none of them yet.
    let run_id = dockstage::engine::new_session_id();
    for d in 0..50 {
        let dir = project.0.join(format!("d{d}"));
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        for f in 0..100 {
            std::fs::write(dir.join(format!("f{f}")), format!("{run_id} {d} {f}\n"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let text = "FROM busybox:stable\nCOPY . /ctx\nRUN find /ctx -type f | wc -l > /count\n";
    project.file("Dockerfile", text);
    let ctx = context::pack_for(&project.0, text, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ctx.files, 5001, "5,000 files and the Dockerfile");

    let first = build(&engine, &project.0, text, None).await;
    assert_eq!(first.outcome.context_transfer, ContextTransfer::Session);
    let sent = first.outcome.context_sent;
    assert_eq!(
        sent.files, ctx.files,
        "every file of a new context is fetched, and only those"
    );
    assert_eq!(sent.bytes, ctx.bytes);
    assert!(sent.dockerfile, "the Dockerfile travels apart");

    std::fs::write(project.0.join("d7/f7"), format!("{run_id} changed\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let again = build(&engine, &project.0, text, None).await;
    assert_eq!(
        (
            again.outcome.context_sent.files,
            again.outcome.context_sent.dockerfile
        ),
        (1, false),
        "one changed file travels, and the unchanged Dockerfile does not"
    );
    clean(&engine).await;
}
