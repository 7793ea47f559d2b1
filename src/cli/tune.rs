//! `dockstage tune`: search bases and toggles for the smallest image that
//! still behaves like the Dockerfile as written, say what each step found,
//! and offer the winning Dockerfile (written only with --write).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::build::BuildFormat;
use super::{Failure, layers_table, status};
use crate::engine::events::{BuildEvent, StepState};
use crate::engine::layers::Layer;
use crate::engine::{Engine, EngineError};
use crate::human::human_bytes;
use crate::ondisk::{self, Planned, Seen};
use crate::pipeline::Event;
use crate::pipeline::tune::{TuneJob, TuneOptions, TuneResult, tune as search};
use crate::workbench::expect::Expectation;
use crate::workbench::init;
use crate::workbench::tune::{Attempt, run_summary};

#[derive(Debug, Clone)]
pub struct TuneArgs {
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    pub bases: Option<String>,
    pub expect: Option<String>,
    pub expect_exit: Option<i64>,
    pub format: BuildFormat,
    pub timeout: u64,
    pub write: bool,
    pub service: super::service_flags::ServiceFlags,
}

/// The tune report as scripts read it.
#[derive(Serialize)]
struct TuneJson<'a> {
    steps: &'a [String],
    variants: &'a [Attempt],
    chosen: Option<ChosenJson<'a>>,
    builds: usize,
    seconds: f64,
    written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
}

#[derive(Serialize)]
struct ChosenJson<'a> {
    number: usize,
    base: &'a str,
    changes: Vec<String>,
    size_bytes: Option<u64>,
    dockerfile: &'a str,
    layers: &'a [Layer],
}

pub fn run(args: TuneArgs) -> Result<u8, Failure> {
    super::runtime()?.block_on(tune(args))
}

async fn tune(args: TuneArgs) -> Result<u8, Failure> {
    // A module with no Dockerfile yet starts from the one init would write.
    let default = args.dir.join("Dockerfile");
    let from_init = args.file.is_none()
        && args.dir.is_dir()
        && !default.exists()
        && args.dir.join("go.mod").is_file();
    let path = if from_init {
        default
    } else {
        super::dockerfile_in(&args.dir, args.file.as_deref())?
    };
    let original = if from_init {
        let mut module = init::scan(&args.dir).map_err(Failure::usage)?;
        let main = init::choose_main(&module, None, &args.dir).map_err(|e| {
            Failure::usage(format!(
                "{e}; write the Dockerfile first with `dockstage init {} --main PKG`",
                args.dir.display()
            ))
        })?;
        eprintln!(
            "no Dockerfile in {}: tuning the one `dockstage init` writes for main package {main}",
            args.dir.display()
        );
        module.builder = super::init::builder_here(&module).await;
        init::dockerfile(&module, &main)
    } else {
        crate::input::read_dockerfile(&path)?
    };
    let engine = Engine::connect().await.map_err(Failure::usage)?;
    let expect = Expectation::new(args.expect.clone(), args.expect_exit);
    let options = TuneOptions {
        bases: super::comma_list(args.bases.as_deref()),
        expect: expect.clone(),
        timeout: Duration::from_secs(args.timeout),
        args: args.service.args.clone(),
        probe: args.service.probe(),
    };
    let cancel = super::cancel_on_ctrl_c();
    let job = TuneJob {
        dir: args.dir.clone(),
        text: original.clone(),
        options,
    };
    let result = search(&engine, &job, &mut print_event, &cancel).await;
    if let Err(e) = engine.cleanup_session().await {
        eprintln!("warning: cleanup failed: {e}; run `dockstage clean`");
    }
    let result = match result {
        Ok(r) => r,
        Err(EngineError::Cancelled) => {
            return Err(Failure {
                status: 130,
                message: "cancelled; nothing was written and nothing left behind".into(),
            });
        }
        Err(e) => return Err(Failure::usage(e)),
    };
    let report = &result.report;
    let chosen = report.chosen();
    let better = chosen.filter(|c| c.dockerfile != original);
    let better = if from_init { chosen } else { better };
    // A search takes a while: never write over a file changed meanwhile.
    let was = if from_init {
        Seen::Absent
    } else {
        Seen::Text(original.clone())
    };
    let again = "run tune again on the file as it is now";
    let written = match better {
        Some(c) if args.write && from_init => {
            // Its .dockerignore too, as init would, unless one is there.
            let mut files = vec![Planned {
                path: path.clone(),
                text: c.dockerfile.clone(),
                was: Some(was),
            }];
            let ignore = args.dir.join(".dockerignore");
            if !ignore.exists() {
                files.push(Planned {
                    path: ignore,
                    text: init::DOCKERIGNORE.to_string(),
                    was: Some(Seen::Absent),
                });
            }
            ondisk::write_all_or_nothing(&files).map_err(Failure::usage)?;
            true
        }
        Some(c) if args.write => {
            ondisk::write_if_unchanged(&path, &was, &c.dockerfile)
                .map_err(|e| super::refused_write(e, again))?;
            true
        }
        _ => false,
    };
    let name = path.display().to_string();
    match args.format {
        BuildFormat::Json => {
            let json = TuneJson {
                steps: &report.steps,
                variants: &report.attempts,
                chosen: chosen.map(|c| ChosenJson {
                    number: c.number,
                    base: &c.base,
                    changes: c.changes.iter().map(ToString::to_string).collect(),
                    size_bytes: c.size_bytes,
                    dockerfile: &c.dockerfile,
                    layers: result.layers.as_ref().map_or(&[], |l| l.layers.as_slice()),
                }),
                builds: report.builds(),
                seconds: result.seconds,
                written,
                problem: report.problem.as_deref(),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&json).map_err(Failure::usage)?
            );
        }
        BuildFormat::Markdown => print!("{}", markdown(&name, &original, &result, &expect)),
        BuildFormat::Text => {
            print!("{}", text(&name, &original, &result, &expect));
            if written {
                println!("wrote {name}");
            } else if better.is_some() {
                println!("nothing written: add --write to save it to {name}");
            }
        }
    }
    if written && args.format != BuildFormat::Text {
        eprintln!("wrote {name}");
    }
    Ok(match (&report.problem, chosen) {
        (None, Some(_)) => status::OK,
        _ => status::FINDINGS,
    })
}

fn print_event(event: Event) {
    match event {
        Event::Note(text) => eprintln!("{text}"),
        Event::Trying { number, summary } => eprintln!("[{number}] {summary} …"),
        Event::Build(BuildEvent::Step {
            step,
            state: StepState::Failed(e),
        }) => {
            let line = step.line.map_or(String::new(), |l| format!("l.{l} "));
            eprintln!("    {line}failed: {}", e.lines().next().unwrap_or(""));
        }
        Event::Build(_) => {}
        // Build-only progress: a tune prints its own account instead.
        Event::Context { .. } | Event::Pull(_) | Event::Base { .. } | Event::Built(_) => {}
        Event::Tried { attempt, .. } => eprintln!("    {}", attempt_outcome(&attempt)),
        Event::Measured(_) | Event::CacheMisses { .. } => {}
    }
}

fn attempt_outcome(a: &Attempt) -> String {
    let size = a.size_bytes.map(human_bytes).unwrap_or_default();
    match (&a.run, a.ok) {
        (Some(run), true) => format!("ok · {size} · {}", run_summary(run)),
        (Some(_), false) => format!("not the same · {size} · {}", a.why),
        (None, _) => a.why.clone(),
    }
}

/// What the star means, saying whether the exit code counts.
fn star_means(expect: &Expectation) -> String {
    if expect.is_given() {
        format!("is the smallest whose run has {}", expect.describe())
    } else {
        "is the smallest that behaves like the Dockerfile as written (same exit code and output; a service: same status and answer)"
            .into()
    }
}

fn unified_diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(1)
        .header(name, &format!("{name} (tuned)"))
        .to_string()
}

fn text(name: &str, original: &str, result: &TuneResult, expect: &Expectation) -> String {
    let report = &result.report;
    let mut out = String::new();
    let _ = writeln!(out, "Tuning {name}:");
    for (i, step) in report.steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {step}", i + 1);
    }
    let _ = writeln!(
        out,
        "\n  #  {:<44} {:>9} {:>7}  same  run",
        "variant", "size", "build"
    );
    for a in &report.attempts {
        let mark = if a.chosen { "★" } else { " " };
        let size = a.size_bytes.map(human_bytes).unwrap_or("-".into());
        let same = if a.ok { "yes" } else { "no" };
        let run = match &a.run {
            Some(r) => run_summary(r),
            None => a.why.clone(),
        };
        let _ = writeln!(
            out,
            "{mark} {:>2}  {:<44} {size:>9} {:>6.1}s  {same:<4}  {run}",
            a.number,
            a.summary(),
            a.build_seconds
        );
    }
    let _ = writeln!(
        out,
        "{} builds in {:.1} s; ★ {}",
        report.builds(),
        result.seconds,
        star_means(expect)
    );
    if let Some(chosen) = report.chosen()
        && chosen.dockerfile != original
    {
        if let Some(layers) = &result.layers {
            let _ = writeln!(out, "\nLayers of the chosen image (oldest first):");
            out.push_str(&layers_table::text(&layers.layers, layers.size_bytes));
        }
        let _ = writeln!(out, "\nThe tuned Dockerfile:");
        out.push_str(&unified_diff(name, original, &chosen.dockerfile));
    }
    out
}

fn markdown(name: &str, original: &str, result: &TuneResult, expect: &Expectation) -> String {
    let report = &result.report;
    let mut out = String::new();
    let _ = writeln!(out, "### dockstage tune: {name}\n");
    for (i, step) in report.steps.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, step.replace('|', "\\|"));
    }
    let _ = writeln!(
        out,
        "\n| # | variant | size | build + run | same as written | run |\n|---:|---|---:|---|---|---|"
    );
    for a in &report.attempts {
        let star = if a.chosen { " ★" } else { "" };
        let run = match &a.run {
            Some(r) => run_summary(r),
            None => a.why.clone(),
        };
        let _ = writeln!(
            out,
            "| {}{star} | {} | {} | {} | {} | {} |",
            a.number,
            a.summary(),
            a.size_bytes.map(human_bytes).unwrap_or("-".into()),
            a.run
                .as_ref()
                .map_or(format!("{:.1} s", a.build_seconds), |r| format!(
                    "{:.1} s + {} ms",
                    a.build_seconds, r.duration_ms
                )),
            if a.ok { "yes" } else { "no" },
            run.replace('|', "\\|")
        );
    }
    let _ = writeln!(
        out,
        "\n{} builds in {:.1} s; ★ {}.",
        report.builds(),
        result.seconds,
        star_means(expect)
    );
    if let Some(chosen) = report.chosen() {
        let _ = writeln!(
            out,
            "\n#### Chosen: {} — {}\n",
            chosen.summary(),
            chosen.size_bytes.map(human_bytes).unwrap_or_default()
        );
        if let Some(layers) = &result.layers {
            out.push_str(&layers_table::markdown(&layers.layers, layers.size_bytes));
        }
        if chosen.dockerfile != original {
            let _ = writeln!(
                out,
                "\n```diff\n{}```",
                unified_diff(name, original, &chosen.dockerfile)
            );
        }
    }
    out
}
