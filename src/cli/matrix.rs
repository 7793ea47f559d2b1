//! `dockstage matrix`: build and run the Dockerfile as written and on several
//! runtime bases at once, and mark the smallest that still behaves like the
//! file as written (or as --expect says). Ctrl-C cancels and cleans up.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use super::build::BuildFormat;
use super::{Failure, input, layers_table, status};
use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, apply_changes};
use crate::dockerfile::{StageGraph, parse};
use crate::engine::build::{BuildOutcome, BuildRequest, BuilderChoice};
use crate::engine::context::{self, human_bytes};
use crate::engine::events::StepMapper;
use crate::engine::layers::ImageLayers;
use crate::engine::run::{RunOptions, RunResult};
use crate::engine::{Engine, EngineError};
use crate::workbench::expect::Expectation;
use crate::workbench::matrix::{MatrixRow, Plan, choose, own_base, plan, variant_stage};

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

/// What building and running every variant gave.
struct Measured {
    rows: Vec<MatrixRow>,
    chosen_layers: Option<ImageLayers>,
    seconds: f64,
}

pub fn run(args: MatrixArgs) -> Result<u8, Failure> {
    super::runtime()?.block_on(matrix(args))
}

async fn matrix(args: MatrixArgs) -> Result<u8, Failure> {
    let catalog = Catalog::bundled();
    let path = super::dockerfile_in(&args.dir, args.file.as_deref())?;
    let original = input::read_dockerfile(&path)?;
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
    let (on_hand, missing) = engine
        .bases_on_hand(&super::comma_list(args.bases.as_deref()), catalog)
        .await
        .map_err(Failure::usage)?;
    // The file as written is always built, as the reference: "works" means
    // "as before", also when the catalog does not have its base.
    let own = own_base(&text, catalog);
    for key in missing
        .iter()
        .filter(|k| own.as_deref() != Some(k.as_str()))
    {
        eprintln!(
            "skipping {key}: its image is not on this machine (dockstage bases pull, or scripts/offline-bases.sh)"
        );
    }
    let keys: Vec<String> = on_hand.into_iter().map(|b| b.key).collect();
    let the_plan = plan(&text, &keys, catalog).map_err(Failure::usage)?;
    let toggles: Vec<String> = changes.iter().map(ToString::to_string).collect();
    let measured = measure(&engine, &args, &the_plan, &toggles, &expect, &cancel).await;
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
    let Measured {
        rows,
        chosen_layers,
        seconds,
    } = measured?;
    let reference_failed = !expect.is_given() && rows.first().is_some_and(|r| !r.ok);
    if reference_failed {
        eprintln!(
            "as written, the image does not work ({}), so no variant can match it; say what a \
             good run is with --expect TEXT (and --expect-exit N when the exit code matters)",
            outcome(rows.first().and_then(|r| r.run.as_ref()))
        );
    }
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

/// Builds and runs every variant of `the_plan` and reads the chosen one's
/// layers, all before the session's images are removed.
async fn measure(
    engine: &Engine,
    args: &MatrixArgs,
    the_plan: &Plan,
    toggles: &[String],
    expect: &Expectation,
    cancel: &CancellationToken,
) -> Result<Measured, Failure> {
    let cancelled = || Failure {
        status: 130,
        message: "cancelled".into(),
    };
    let df = parse(&the_plan.combined);
    let graph = StageGraph::new(&df);
    let ctx = context::pack_for(&args.dir, &the_plan.combined, None).map_err(Failure::usage)?;
    let required = crate::engine::images::required_images(&df, &graph, true);
    engine
        .preflight(&required, &mut |_| {})
        .await
        .map_err(Failure::usage)?;
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let mapper = StepMapper::new(&df, &graph);
    let count = the_plan.variants.len();
    let build_one = |i: usize| {
        let request = BuildRequest {
            context: &ctx,
            mapper: &mapper,
            target: Some(variant_stage(i)),
            builder: BuilderChoice::Buildkit,
            tag: format!(
                "dockstage/matrix:{}-{i}",
                &engine.session[..12.min(engine.session.len())]
            ),
            labels: engine.labels(),
        };
        async move {
            let started = Instant::now();
            let outcome = engine.build(&request, &mut |_| {}, cancel).await;
            (outcome, started.elapsed().as_secs_f64())
        }
    };
    let started = Instant::now();
    let options = RunOptions {
        timeout: Duration::from_secs(args.timeout),
        service: df
            .instructions()
            .any(|i| i.keyword == crate::dockerfile::Keyword::Healthcheck),
        cmd: (!args.service.args.is_empty()).then(|| args.service.args.clone()),
        probe: args.service.probe().with_sources(&args.dir),
        ..RunOptions::default()
    };
    let run_one = |outcome: &Result<BuildOutcome, EngineError>| {
        let image = outcome.as_ref().ok().map(|o| o.image_id.clone());
        let options = &options;
        async move {
            match image {
                Some(id) => engine.run_image(&id, options, cancel).await.ok(),
                None => None,
            }
        }
    };
    // The first variant builds the shared stages. Then its run and the other
    // variants go at once, each variant running as soon as it is built.
    let first = build_one(0).await;
    let others = join_all((1..count).map(|i| async move {
        let built = build_one(i).await;
        let run = run_one(&built.0).await;
        (built, run)
    }));
    let (first_run, others) = tokio::join!(run_one(&first.0), others);
    let mut results = vec![(first, first_run)];
    results.extend(others);
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let mut rows = Vec::new();
    for (i, ((outcome, seconds), run)) in results.iter().enumerate() {
        let label = the_plan.variants[i].0.clone();
        let size = match outcome {
            Ok(o) => engine
                .local_image(&o.image_id)
                .await
                .ok()
                .flatten()
                .map_or(0, |l| l.size_bytes),
            Err(e) => {
                eprintln!("{label}: {e}");
                0
            }
        };
        rows.push(MatrixRow {
            base: label,
            toggles: toggles.to_vec(),
            size_bytes: size,
            build_seconds: *seconds,
            run: run.clone(),
            ok: false,
            chosen: false,
            reference: i == 0,
        });
    }
    choose(&mut rows, expect);
    let seconds = started.elapsed().as_secs_f64();
    // Lines as in the variant's own Dockerfile, the one a user keeps.
    let chosen_layers = match rows.iter().position(|r| r.chosen) {
        Some(i) => match &results[i].0.0 {
            Ok(o) => {
                let own = parse(&the_plan.variants[i].1);
                let graph = StageGraph::new(&own);
                engine.image_layers(&o.image_id, &own, &graph).await.ok()
            }
            Err(_) => None,
        },
        None => None,
    };
    Ok(Measured {
        rows,
        chosen_layers,
        seconds,
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
