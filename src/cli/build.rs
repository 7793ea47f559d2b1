//! `dockstage build`: build (and run) a project's image headless, with
//! progress on stderr and a summary for people or scripts on stdout.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{Failure, input, status};
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, apply_changes};
use crate::dockerfile::{StageGraph, parse};
use crate::engine::build::{BuilderChoice, BuilderKind};
use crate::engine::context::human_bytes;
use crate::engine::events::{BuildEvent, StepState};
use crate::engine::layers::Layer;
use crate::engine::pipeline::{PipelineEvent, PipelineOptions};
use crate::engine::run::RunResult;
use crate::engine::session::ContextTransfer;
use crate::engine::stages::StageSize;
use crate::engine::{Engine, EngineError};
use crate::ondisk::{self, Seen};
use crate::workbench::build_failure::{StepReport, explain_steps};
use crate::workbench::explain::{Explanation, explain_run};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuildFormat {
    Text,
    Json,
    Markdown,
}

/// Everything `dockstage build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildArgs {
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    pub base: Option<String>,
    pub set: Vec<String>,
    pub target: Option<String>,
    pub builder: BuilderChoice,
    pub no_run: bool,
    pub format: BuildFormat,
    pub timeout: u64,
    pub write: bool,
    pub tag: Option<String>,
    pub stage_sizes: bool,
    pub service: super::service_flags::ServiceFlags,
}

/// The build's result as scripts read it (the CLI contract's `build` object).
#[derive(Debug, Serialize)]
pub struct BuildReport {
    pub image_id: String,
    pub size_bytes: u64,
    pub builder: BuilderKind,
    pub build_seconds: f64,
    /// `session` (only the files the daemon asked for), `tar` (all of
    /// them), or `none` (an identical earlier build was reused).
    pub context_transfer: ContextTransfer,
    pub steps: usize,
    pub cached_steps: usize,
    pub layers: Vec<Layer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<StageSize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    pub context: ContextReport,
    pub dockerfile: String,
    pub changes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ContextReport {
    pub files: usize,
    pub bytes: u64,
    pub ignored: usize,
    pub secrets: Vec<String>,
    /// Files and bytes the build actually sent.
    pub sent_files: usize,
    pub sent_bytes: u64,
}

pub fn run(args: BuildArgs) -> Result<u8, Failure> {
    super::runtime()?.block_on(build_and_run(args))
}

async fn build_and_run(args: BuildArgs) -> Result<u8, Failure> {
    let path = super::dockerfile_in(&args.dir, args.file.as_deref())?;
    let original = input::read_dockerfile(&path)?;
    let mut changes = Vec::new();
    if let Some(key) = &args.base {
        changes.push(Change::Base(key.clone()));
    }
    for s in &args.set {
        changes.push(s.parse::<Change>().map_err(Failure::usage)?);
    }
    let text = apply_changes(&original, &changes, Catalog::bundled()).map_err(Failure::usage)?;
    if args.write && text != original {
        ondisk::write_if_unchanged(&path, &Seen::Text(original.clone()), &text).map_err(|e| {
            super::refused_write(
                e,
                "nothing was built; run the build again on the file as it is now",
            )
        })?;
        eprintln!("wrote {}", path.display());
    }
    let df = parse(&text);
    let graph = StageGraph::with_target(&df, args.target.as_deref());
    if let Some(d) = graph.diagnostics.iter().find(|d| d.rule == "UnknownTarget") {
        return Err(Failure::usage(&d.message));
    }

    let engine = Engine::connect().await.map_err(Failure::usage)?;
    eprintln!(
        "docker {} (API {}) at {}",
        engine.server.version, engine.server.api_version, engine.endpoint
    );
    let cancel = super::cancel_on_ctrl_c();
    let result = build_steps(&engine, &args, &path, &text, &changes, &cancel).await;
    // Whatever happened, this session's containers and images go.
    let keep_tag = args.tag.is_some();
    match engine.cleanup_session().await {
        Ok(removed) if removed.containers + removed.images > 0 && !keep_tag => {
            eprintln!(
                "removed {} image(s) and {} container(s) this build made",
                removed.images, removed.containers
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("warning: cleanup failed: {e}; run `dockstage clean`"),
    }
    let report = match result {
        Ok(report) => report,
        Err(EngineError::Cancelled) => {
            return Err(Failure {
                status: 130,
                message: "cancelled; nothing was left behind".into(),
            });
        }
        Err(
            ref e @ EngineError::BuildFailed {
                line,
                ref message,
                ref steps,
            },
        ) => {
            eprintln!("{}: {e}", path.display());
            let failures = explain_steps(steps, &df);
            eprint!("{}", failure_lines(&failures));
            if args.format == BuildFormat::Json {
                let failed = FailedReport {
                    failed: true,
                    line,
                    message: message.clone(),
                    explanation: failures.first().and_then(|f| f.explanation.clone()),
                    failures,
                };
                println!(
                    "{}",
                    serde_json::to_string_pretty(&failed).map_err(Failure::usage)?
                );
            }
            return Ok(status::FINDINGS);
        }
        Err(e) => return Err(Failure::usage(e)),
    };
    let name = path.display().to_string();
    match args.format {
        BuildFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(Failure::usage)?
            );
        }
        BuildFormat::Markdown => print!("{}", markdown(&name, &report)),
        BuildFormat::Text => print!("{}", text_summary(&report)),
    }
    let ok = report.run.as_ref().is_none_or(RunResult::ok);
    Ok(if ok { status::OK } else { status::FINDINGS })
}

async fn build_steps(
    engine: &Engine,
    args: &BuildArgs,
    on_disk: &std::path::Path,
    text: &str,
    changes: &[Change],
    cancel: &CancellationToken,
) -> Result<BuildReport, EngineError> {
    let options = PipelineOptions {
        target: args.target.clone(),
        builder: args.builder,
        run: !args.no_run,
        timeout: Duration::from_secs(args.timeout),
        tag: args.tag.clone(),
        stage_sizes: args.stage_sizes,
        args: args.service.args.clone(),
        probe: args.service.probe(),
    };
    let mut last_pull = String::new();
    let mut on_event = |event: PipelineEvent| match event {
        PipelineEvent::Context { summary, secrets } => {
            eprintln!("{summary}");
            for secret in secrets {
                eprintln!(
                    "warning: {secret} looks like a secret and is sent to the daemon; add it to .dockerignore"
                );
            }
        }
        PipelineEvent::Pull(p) => {
            let line = format!(
                "pull {} {} {}",
                p.image,
                p.layer.unwrap_or_default(),
                p.status
            );
            if line != last_pull {
                eprintln!("{line}");
                last_pull = line;
            }
        }
        PipelineEvent::Base { image, local } => {
            let standin = if local.standin {
                " (offline stand-in)"
            } else {
                ""
            };
            eprintln!(
                "base {} line {}: {}{standin}",
                image.image,
                image.line,
                human_bytes(local.size_bytes)
            );
        }
        PipelineEvent::Build(e) => print_event(e),
        PipelineEvent::Built(outcome) => eprintln!(
            "built {} with {} in {:.2} s ({} of {} steps cached)",
            short_id(&outcome.image_id),
            outcome.builder.name(),
            outcome.seconds,
            outcome.cached_steps,
            outcome.steps
        ),
    };
    let result = engine
        .build_and_run(
            &args.dir,
            Some(on_disk),
            text,
            &options,
            &mut on_event,
            cancel,
        )
        .await?;
    let df = parse(text);
    let explanation = result.run.as_ref().filter(|r| !r.ok()).and_then(|r| {
        explain_run(
            &[&r.stderr, r.error.as_deref().unwrap_or("")],
            r.health_log.as_deref(),
            r.exit_code,
            &df,
        )
    });
    Ok(BuildReport {
        image_id: result.outcome.image_id,
        size_bytes: result.layers.size_bytes,
        builder: result.outcome.builder,
        build_seconds: result.outcome.seconds,
        context_transfer: result.outcome.context_transfer,
        steps: result.outcome.steps,
        cached_steps: result.outcome.cached_steps,
        layers: result.layers.layers,
        stages: result.stages,
        run: result.run,
        explanation,
        context: ContextReport {
            files: result.context_files,
            bytes: result.context_bytes,
            ignored: result.context_ignored,
            secrets: result.secrets,
            sent_files: result.outcome.context_sent.files,
            sent_bytes: result.outcome.context_sent.bytes,
        },
        dockerfile: text.to_string(),
        changes: changes.iter().map(ToString::to_string).collect(),
    })
}

/// The JSON printed on stdout when the build fails, so a script learns the
/// cause without parsing the progress on stderr.
#[derive(Debug, Serialize)]
struct FailedReport {
    failed: bool,
    line: Option<usize>,
    message: String,
    /// Why the step in `message` failed, when the cause is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<Explanation>,
    /// Every failed step, that one first.
    failures: Vec<StepReport>,
}

/// Why each step failed and what to do, under the builder's own error:
/// the step that error is about first, then any other that failed with it.
fn failure_lines(failures: &[StepReport]) -> String {
    let mut out = String::new();
    for (i, f) in failures.iter().enumerate() {
        if i > 0 {
            let at = f.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let step = f
                .step
                .as_deref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  also failed: {at}{step}{}", f.message);
        }
        if let Some(why) = &f.explanation {
            let _ = writeln!(out, "  why: {why}");
            let _ = writeln!(out, "  hint: {}", why.hint);
        }
    }
    out
}

fn short_id(id: &str) -> &str {
    let bare = id.strip_prefix("sha256:").unwrap_or(id);
    bare.get(..12).unwrap_or(bare)
}

fn print_event(event: BuildEvent) {
    match event {
        BuildEvent::Step { step, state } => {
            let line = step
                .line
                .map_or("      ".to_string(), |l| format!("l.{l:<4}"));
            let mark = match &state {
                StepState::Running => return,
                StepState::Cached => "cached",
                StepState::Done => "done",
                StepState::Failed(_) => "FAILED",
                StepState::Cancelled => "stopped",
            };
            eprintln!("{line} {mark:<6} {}", step.name);
            if let StepState::Failed(e) = state {
                eprintln!("       {e}");
            }
        }
        BuildEvent::Log { text, .. } => eprintln!("       │ {text}"),
        BuildEvent::Note { text } => eprintln!("       {text}"),
        BuildEvent::Image { .. } => {}
    }
}

fn run_lines(run: &RunResult) -> String {
    let mut out = String::new();
    let outcome = if run.timed_out {
        format!("timed out after {} ms", run.duration_ms)
    } else if run.oom_killed {
        "killed: out of memory".to_string()
    } else {
        format!(
            "exit {}",
            run.exit_code.map_or("?".to_string(), |c| c.to_string())
        )
    };
    let health = run
        .health
        .as_deref()
        .map(|h| format!(" · {h}"))
        .unwrap_or_default();
    match (&run.service, &run.error) {
        // A service: how it answered, or why it never did.
        (Some(s), Some(e)) if s.ready_ms.is_none() && run.timed_out => {
            let _ = writeln!(out, "Run: {e}");
        }
        (Some(s), Some(e)) if s.ready_ms.is_none() => {
            let _ = writeln!(out, "Run: {e} · {} ms", run.duration_ms);
        }
        (Some(s), _) => {
            let _ = writeln!(out, "Run: {}", crate::workbench::service::summary(s));
        }
        (None, _) => {
            let _ = writeln!(out, "Run: {outcome} · {} ms{health}", run.duration_ms);
        }
    }
    if let Some(probe) = run.health_log.as_deref().and_then(|l| l.lines().next()) {
        let _ = writeln!(out, "  health check said: {probe}");
    }
    for line in run.stdout.lines().take(20) {
        let _ = writeln!(out, "  {line}");
    }
    for line in run.stderr.lines().take(20) {
        let _ = writeln!(out, "  stderr: {line}");
    }
    if let Some(e) = run
        .error
        .as_ref()
        .filter(|e| !run.stderr.contains(e.as_str()) && run.service.is_none())
    {
        let _ = writeln!(out, "  error: {e}");
    }
    out
}

fn text_summary(r: &BuildReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "image {} · {} · {} · {:.2} s",
        short_id(&r.image_id),
        human_bytes(r.size_bytes),
        r.builder.name(),
        r.build_seconds
    );
    let _ = writeln!(out, "\nLayers of the final image (oldest first):");
    out.push_str(&super::layers_table::text(&r.layers, r.size_bytes));
    if let Some(stages) = &r.stages {
        let _ = writeln!(out, "\nStages:");
        for s in stages {
            let size = s
                .size_bytes
                .map_or("(unnamed: cannot be a target)".to_string(), human_bytes);
            let _ = writeln!(out, "  [{}] {:<16} {size}", s.index, s.name);
        }
    }
    if let Some(run) = &r.run {
        let _ = writeln!(out);
        out.push_str(&run_lines(run));
    }
    if let Some(e) = &r.explanation {
        let fix = e
            .fix
            .as_ref()
            .map(|c| format!(" → try --set {c}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  why: {}: {}{fix}", e.cause, e.detail);
        let _ = writeln!(out, "  hint: {}", e.hint);
    }
    out
}

fn markdown(name: &str, r: &BuildReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {name}\n");
    let changes = if r.changes.is_empty() {
        "none".to_string()
    } else {
        r.changes.join(", ")
    };
    let _ = writeln!(
        out,
        "**{}** with {} in {:.2} s · changes: {changes}\n",
        human_bytes(r.size_bytes),
        r.builder.name(),
        r.build_seconds
    );
    out.push_str(&super::layers_table::markdown(&r.layers, r.size_bytes));
    if let Some(service) = r.run.as_ref().and_then(|run| run.service.as_deref()) {
        let said = crate::workbench::service::summary(service).replace('|', "\\|");
        let _ = writeln!(out, "\nRun: {said}");
    } else if let Some(run) = &r.run {
        let first = run.first_line().replace('|', "\\|");
        let _ = writeln!(
            out,
            "\nRun: exit {} in {} ms{} — `{first}`",
            run.exit_code.map_or("?".to_string(), |c| c.to_string()),
            run.duration_ms,
            if run.timed_out { " (timed out)" } else { "" }
        );
    }
    out
}
