//! `dockstage matrix`: build and run the Dockerfile on several runtime bases
//! at once and mark the smallest that still behaves like the first.

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
use crate::engine::Engine;
use crate::engine::build::{BuildRequest, BuilderChoice};
use crate::engine::context::{self, human_bytes};
use crate::engine::events::StepMapper;
use crate::engine::run::{RunOptions, RunResult};
use crate::workbench::matrix::{MatrixRow, choose, plan, variant_stage};

#[derive(Debug, Clone)]
pub struct MatrixArgs {
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    pub bases: Option<String>,
    pub set: Vec<String>,
    pub expect: Option<String>,
    pub format: BuildFormat,
    pub timeout: u64,
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
    let original = input::read_dockerfile(&path)?;
    let changes: Vec<Change> = args
        .set
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()
        .map_err(Failure::usage)?;
    let text = apply_changes(&original, &changes, catalog).map_err(Failure::usage)?;
    let engine = Engine::connect().await.map_err(Failure::usage)?;
    let (on_hand, missing) = engine
        .bases_on_hand(&super::comma_list(args.bases.as_deref()), catalog)
        .await
        .map_err(Failure::usage)?;
    let mut present: Vec<String> = on_hand.into_iter().map(|b| b.key).collect();
    // The file's own base is the reference, so "works" means "as before".
    let df0 = parse(&text);
    let own = crate::dockerfile::edit::Context::new(&df0, catalog)
        .base()
        .map(|b| b.key.clone());
    if let Some(pos) = own.and_then(|k| present.iter().position(|p| *p == k)) {
        let key = present.remove(pos);
        present.insert(0, key);
    }
    for key in &missing {
        eprintln!(
            "skipping {key}: its image is not on this machine (dockstage bases pull, or scripts/offline-bases.sh)"
        );
    }
    let the_plan = plan(&text, &present, catalog).map_err(Failure::usage)?;
    let df = parse(&the_plan.combined);
    let graph = StageGraph::new(&df);
    let ctx = context::pack_for(&args.dir, &the_plan.combined, None).map_err(Failure::usage)?;
    let required = crate::engine::images::required_images(&df, &graph, true);
    engine
        .preflight(&required, &mut |_| {})
        .await
        .map_err(Failure::usage)?;
    let mapper = StepMapper::new(&df, &graph);
    let cancel = CancellationToken::new();
    let toggles: Vec<String> = changes.iter().map(ToString::to_string).collect();
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
        let engine = &engine;
        let cancel = &cancel;
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
        ..RunOptions::default()
    };
    let run_one =
        |outcome: &Result<crate::engine::build::BuildOutcome, crate::engine::EngineError>| {
            let image = outcome.as_ref().ok().map(|o| o.image_id.clone());
            let (engine, options, cancel) = (&engine, &options, &cancel);
            async move {
                match image {
                    Some(id) => engine.run_image(&id, options, cancel).await.ok(),
                    None => None,
                }
            }
        };
    // The first variant builds the shared stages. Then its run and the other
    // variants go at once, each variant running as soon as it is built.
    let mut results = Vec::new();
    let mut runs = Vec::new();
    if !present.is_empty() {
        let first = build_one(0).await;
        let others = join_all((1..present.len()).map(|i| async move {
            let built = build_one(i).await;
            let run = run_one(&built.0).await;
            (built, run)
        }));
        let (first_run, others) = tokio::join!(run_one(&first.0), others);
        results.push(first);
        runs.push(first_run);
        for (built, run) in others {
            results.push(built);
            runs.push(run);
        }
    }
    let mut rows = Vec::new();
    for (i, ((outcome, seconds), run)) in results.iter().zip(runs).enumerate() {
        let size = match outcome {
            Ok(o) => engine
                .local_image(&o.image_id)
                .await
                .ok()
                .flatten()
                .map_or(0, |l| l.size_bytes),
            Err(e) => {
                eprintln!("{}: {e}", present[i]);
                0
            }
        };
        rows.push(MatrixRow {
            base: present[i].clone(),
            toggles: toggles.clone(),
            size_bytes: size,
            build_seconds: *seconds,
            run,
            ok: false,
            chosen: false,
        });
    }
    choose(&mut rows, args.expect.as_deref());
    let total = started.elapsed().as_secs_f64();
    // The chosen variant's layers, read from the combined Dockerfile before
    // its images go with the session.
    let chosen_layers = match rows.iter().position(|r| r.chosen) {
        Some(i) => match &results[i].0 {
            Ok(o) => {
                // Lines as in the variant's own Dockerfile, the one a user keeps.
                let own = parse(&the_plan.variants[i].1);
                let graph = StageGraph::new(&own);
                engine.image_layers(&o.image_id, &own, &graph).await.ok()
            }
            Err(_) => None,
        },
        None => None,
    };
    let _ = engine.cleanup_session().await;
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
            println!(
                "\n★ the smallest whose run matches the reference ({}).",
                match &args.expect {
                    Some(e) => format!("output containing “{e}”"),
                    None => format!(
                        "exit code and output of the first row, {}",
                        rows.first().map_or("", |r| r.base.as_str())
                    ),
                }
            );
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
            print!("{}", text_table(&rows, total));
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

fn outcome(run: Option<&RunResult>) -> String {
    match run {
        None => "not run".into(),
        Some(r) if r.timed_out => "timed out".into(),
        Some(r) if r.oom_killed => "out of memory".into(),
        Some(r) => format!(
            "exit {} · {}",
            r.exit_code.map_or("?".into(), |c| c.to_string()),
            r.first_line()
        ),
    }
}

fn text_table(rows: &[MatrixRow], total: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<18} {:>9} {:>7}  {:<4} run",
        "base", "size", "build", "same"
    );
    for r in rows {
        let mark = if r.chosen { "★" } else { " " };
        let same = if r.ok { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "{mark} {:<18} {:>9} {:>6.1}s  {same:<4} {}",
            r.base,
            human_bytes(r.size_bytes),
            r.build_seconds,
            outcome(r.run.as_ref())
        );
    }
    let _ = writeln!(
        out,
        "{} variants in {total:.1} s; ★ is the smallest that runs like the first",
        rows.len()
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
            r.base,
            human_bytes(r.size_bytes),
            r.build_seconds,
            if r.ok { "yes" } else { "no" },
            outcome(r.run.as_ref()).replace('|', "\\|")
        );
    }
    out
}
