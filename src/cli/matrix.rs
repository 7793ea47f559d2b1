//! `dockstage matrix`: build and run the Dockerfile as written and on several
//! runtime bases at once, and mark the smallest that still behaves like the
//! file as written (or as --expect says). Ctrl-C cancels and cleans up.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::build::BuildFormat;
use super::{Failure, layers_table, status};
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, apply_changes};
use crate::engine::Engine;
use crate::human::human_bytes;
use crate::outcome::RunResult;
use crate::pipeline::Event;
use crate::pipeline::matrix::{MatrixJob, MatrixReport, matrix as measure};
use crate::workbench::expect::Expectation;
use crate::workbench::matrix::MatrixRow;
use crate::workbench::tune::run_summary;

#[derive(Debug, Clone)]
pub struct MatrixArgs {
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    pub bases: Option<String>,
    pub set: Vec<String>,
    pub expect: Option<String>,
    pub expect_exit: Option<i64>,
    pub format: BuildFormat,
    pub timeout: u64,
    pub service: super::service_flags::ServiceFlags,
}

#[derive(serde::Serialize)]
struct MatrixJson<'a> {
    variants: &'a [MatrixRow],
    /// The chosen variant's per-layer breakdown.
    chosen_layers: Option<&'a [crate::engine::layers::Layer]>,
}

pub fn run(args: MatrixArgs) -> Result<u8, Failure> {
    super::runtime()?.block_on(matrix(args))
}

async fn matrix(args: MatrixArgs) -> Result<u8, Failure> {
    let catalog = Catalog::bundled();
    let path = super::dockerfile_in(&args.dir, args.file.as_deref())?;
    let original = crate::input::read_dockerfile(&path)?;
    let changes: Vec<Change> = args
        .set
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(Failure::usage)?;
    let text = apply_changes(&original, &changes, catalog).map_err(Failure::usage)?;
    let expect = Expectation::new(args.expect.clone(), args.expect_exit);
    let engine = Engine::connect().await.map_err(Failure::usage)?;
    let cancel = super::cancel_on_ctrl_c();
    let job = MatrixJob {
        dir: args.dir.clone(),
        text,
        toggles: changes.iter().map(ToString::to_string).collect(),
        bases: super::comma_list(args.bases.as_deref()),
        expect: expect.clone(),
        timeout: Duration::from_secs(args.timeout),
        args: args.service.args.clone(),
        probe: args.service.probe(),
    };
    // Each variant as soon as it is measured: a matrix takes a while.
    let mut on_event = |event: Event| match event {
        Event::Note(text) => eprintln!("{text}"),
        Event::Measured(row) => eprintln!(
            "  {} {} · {:.1} s · {}",
            row.base,
            human_bytes(row.size_bytes),
            row.build_seconds,
            row.run
                .as_ref()
                .map_or("did not run".to_string(), run_summary)
        ),
        _ => {}
    };
    let measured = measure(&engine, &job, &mut on_event, &cancel).await;
    // Whatever happened, this session's containers and images go.
    let cleaned = engine.cleanup_session().await;
    if cancel.is_cancelled() {
        return Err(Failure {
            status: 130,
            message: match cleaned {
                Ok(_) => "cancelled; nothing was left behind".into(),
                Err(e) => format!("cancelled, but cleanup failed: {e}; run `dockstage clean`"),
            },
        });
    }
    if let Err(e) = cleaned {
        eprintln!("warning: cleanup failed: {e}; run `dockstage clean`");
    }
    let report = measured.map_err(Failure::usage)?;
    if report.reference_failed(&expect) {
        eprintln!(
            "as written, the image does not work ({}), so no variant can match it; say what a \
             good run is with --expect TEXT (and --expect-exit N when the exit code matters)",
            outcome(report.rows.first().and_then(|r| r.run.as_ref()))
        );
    }
    let toggles = &job.toggles;
    let MatrixReport {
        rows,
        chosen_layers,
        seconds,
    } = report;
    match args.format {
        BuildFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&MatrixJson {
                variants: &rows,
                chosen_layers: chosen_layers.as_ref().map(|l| l.layers.as_slice()),
            })
            .map_err(Failure::usage)?
        ),
        BuildFormat::Markdown => {
            println!("### dockstage matrix: {}\n", path.display());
            if !toggles.is_empty() {
                println!("Every variant with {}.\n", toggles.join(", "));
            }
            print!("{}", markdown(&rows));
            println!("\n★ {}.", star_means(&expect));
            if let (Some(row), Some(layers)) = (rows.iter().find(|r| r.chosen), &chosen_layers) {
                println!(
                    "\n#### Layers of {}: {}\n",
                    row.base,
                    human_bytes(layers.size_bytes)
                );
                print!(
                    "{}",
                    layers_table::markdown(&layers.layers, layers.size_bytes)
                );
            }
        }
        BuildFormat::Text => {
            print!("{}", text_table(&rows, seconds, &expect));
            if let (Some(row), Some(layers)) = (rows.iter().find(|r| r.chosen), &chosen_layers) {
                println!("\nLayers of {} (oldest first):", row.base);
                print!("{}", layers_table::text(&layers.layers, layers.size_bytes));
            }
        }
    }
    Ok(if rows.iter().any(|r| r.chosen) {
        status::OK
    } else {
        status::FINDINGS
    })
}

/// What the star means, saying whether the exit code counts.
fn star_means(expect: &Expectation) -> String {
    if expect.is_given() {
        format!("is the smallest whose run has {}", expect.describe())
    } else {
        "is the smallest that runs like the Dockerfile as written (same exit code and output; a service: same status and answer)"
            .into()
    }
}

fn outcome(run: Option<&RunResult>) -> String {
    match run {
        None => "not run".into(),
        Some(r) if r.service.is_some() => crate::workbench::tune::run_summary(r),
        Some(r) if r.timed_out => "timed out".into(),
        Some(r) if r.oom_killed => "out of memory".into(),
        Some(r) => format!(
            "exit {} · {}",
            r.exit_code.map_or("?".into(), |c| c.to_string()),
            r.first_line()
        ),
    }
}

/// The row's base as the tables show it; the reference says it is the file.
fn label(row: &MatrixRow) -> String {
    if row.reference {
        format!("{} (as written)", row.base)
    } else {
        row.base.clone()
    }
}

fn text_table(rows: &[MatrixRow], total: f64, expect: &Expectation) -> String {
    let width = rows
        .iter()
        .map(|r| label(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(18);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<width$} {:>9} {:>7}  {:<4} run",
        "base", "size", "build", "same"
    );
    for r in rows {
        let mark = if r.chosen { "★" } else { " " };
        let same = if r.ok { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "{mark} {:<width$} {:>9} {:>6.1}s  {same:<4} {}",
            label(r),
            human_bytes(r.size_bytes),
            r.build_seconds,
            outcome(r.run.as_ref())
        );
    }
    let _ = writeln!(
        out,
        "{} variants in {total:.1} s; ★ {}",
        rows.len(),
        star_means(expect)
    );
    out
}

fn markdown(rows: &[MatrixRow]) -> String {
    let mut out = String::from(
        "| | base | size | build | same as reference | run |\n|---|---|---:|---:|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} s | {} | {} |",
            if r.chosen { "★" } else { "" },
            label(r),
            human_bytes(r.size_bytes),
            r.build_seconds,
            if r.ok { "yes" } else { "no" },
            outcome(r.run.as_ref()).replace('|', "\\|")
        );
    }
    out
}
