//! `dockstage build`: build (and run) a project's image headless, with
//! progress on stderr and a summary for people or scripts on stdout.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Failure, status};
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, apply_changes};
use crate::dockerfile::{StageGraph, parse};
use crate::engine::build::BuilderChoice;
use crate::engine::events::{BuildEvent, StepState};
use crate::engine::{Engine, EngineError};
use crate::human::human_bytes;
use crate::ondisk::{self, Seen};
use crate::outcome::RunResult;
use crate::pipeline::Event;
use crate::pipeline::build::{BuildError, BuildJob, BuildOptions, BuildReport, build};
use crate::pipeline::build_memory;
use crate::workbench::build_failure::StepReport;
use crate::workbench::cache_misses::{self, CacheMiss};

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

pub fn run(args: BuildArgs) -> Result<u8, Failure> {
    super::runtime()?.block_on(build_and_run(args))
}

async fn build_and_run(args: BuildArgs) -> Result<u8, Failure> {
    let path = super::dockerfile_in(&args.dir, args.file.as_deref())?;
    let original = crate::input::read_dockerfile(&path)?;
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
    let job = BuildJob {
        dir: args.dir.clone(),
        dockerfile: Some(path.clone()),
        text,
        options: BuildOptions {
            target: args.target.clone(),
            builder: args.builder,
            run: !args.no_run,
            timeout: Duration::from_secs(args.timeout),
            tag: args.tag.clone(),
            stage_sizes: args.stage_sizes,
            args: args.service.args.clone(),
            probe: args.service.probe(),
            previous_build: build_memory::recall(&args.dir, Some(&path)).map(Arc::new),
        },
    };
    let mut printer = Printer::default();
    let result = build(&engine, &job, &mut |e| printer.print(e), &cancel).await;
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
        Ok(mut result) => {
            if let Some(record) = result.record.take()
                && let Err(e) = build_memory::remember(&args.dir, Some(&path), &record)
            {
                eprintln!("warning: the next build cannot say why the cache missed: {e}");
            }
            result.report(&job.text, changes.iter().map(ToString::to_string).collect())
        }
        Err(BuildError::Engine(EngineError::Cancelled)) => {
            return Err(Failure {
                status: 130,
                message: "cancelled; nothing was left behind".into(),
            });
        }
        Err(BuildError::Failed(failed)) => {
            eprintln!("{}: {}", path.display(), failed.summary);
            eprint!("{}", failure_lines(&failed.failures));
            if args.format == BuildFormat::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&failed).map_err(Failure::usage)?
                );
            }
            return Ok(status::FINDINGS);
        }
        Err(BuildError::Engine(e)) => return Err(Failure::usage(e)),
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

/// Prints a build's events on stderr, each pull line once.
#[derive(Default)]
pub(super) struct Printer {
    last_pull: String,
}

impl Printer {
    pub(super) fn print(&mut self, event: Event) {
        match event {
            Event::Context { summary, secrets } => {
                eprintln!("{summary}");
                for secret in secrets {
                    eprintln!(
                        "warning: {secret} looks like a secret and is sent to the daemon; add it to .dockerignore"
                    );
                }
            }
            Event::Pull(p) => {
                let line = format!(
                    "pull {} {} {}",
                    p.image,
                    p.layer.unwrap_or_default(),
                    p.status
                );
                if line != self.last_pull {
                    eprintln!("{line}");
                    self.last_pull = line;
                }
            }
            Event::Base { image, local } => {
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
            Event::Build(e) => print_event(e),
            Event::Built(outcome) => eprintln!(
                "built {} with {} in {:.2} s ({} of {} steps cached)",
                short_id(&outcome.image_id),
                outcome.builder.name(),
                outcome.seconds,
                outcome.cached_steps,
                outcome.steps
            ),
            Event::Note(text) => eprintln!("{text}"),
            Event::CacheMisses { misses, .. } => eprint!("{}", cache_lines(&misses)),
            Event::Trying { .. } | Event::Tried { .. } | Event::Measured(_) => {}
        }
    }
}

/// "cache broke at line 5: main.go changed" and the steps that ran because
/// of it, one a line; nothing when every step came from the cache or the
/// build is the project's first.
fn cache_lines(misses: &[CacheMiss]) -> String {
    let Some(summary) = cache_misses::summary(misses) else {
        return String::new();
    };
    let mut out = format!("{summary}\n");
    let first = cache_misses::first_cause(misses).map(|m| m.line);
    for miss in misses.iter().filter(|m| Some(m.line) != first) {
        let how = match miss.is_cascade() {
            true => "reran",
            false => "also missed",
        };
        let _ = writeln!(
            out,
            "l.{:<4} {how}: {}",
            miss.line,
            cache_misses::cause_text(miss)
        );
    }
    out
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
    if let Some(summary) = cache_misses::summary(&r.cache_misses) {
        let reran = r.cache_misses.iter().filter(|m| m.is_cascade()).count();
        let _ = writeln!(out, "\n{summary} ({reran} later step(s) reran)");
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
    if let Some(summary) = cache_misses::summary(&r.cache_misses) {
        let _ = writeln!(out, "\n{summary}");
    }
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
