//! The matrix job: build and run the Dockerfile as written and on several
//! runtime bases at once, and mark the smallest that still behaves like the
//! file as written (or as the expectation says).
//!
//! All variants go into one generated Dockerfile (`workbench::matrix::plan`),
//! so the builder stage runs once and the runtime stages build at once.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use super::{Event, EventSink};
use crate::catalog::Catalog;
use crate::dockerfile::{Keyword, StageGraph, parse};
use crate::engine::build::{BuildOutcome, BuildRequest, BuilderChoice};
use crate::engine::context;
use crate::engine::events::StepMapper;
use crate::engine::images::required_images;
use crate::engine::layers::ImageLayers;
use crate::engine::run::RunOptions;
use crate::engine::service::ServiceProbe;
use crate::engine::{Engine, EngineError};
use crate::workbench::expect::Expectation;
use crate::workbench::matrix::{MatrixRow, Plan, choose, own_base, plan, variant_stage};

/// A matrix to measure: the Dockerfile (toggles already applied) in its
/// context directory, the catalog bases to try (all when empty), and what a
/// good run is.
#[derive(Debug, Clone)]
pub struct MatrixJob {
    pub dir: PathBuf,
    pub text: String,
    /// The toggles applied to every variant, as `name=on|off`.
    pub toggles: Vec<String>,
    pub bases: Vec<String>,
    pub expect: Expectation,
    pub timeout: Duration,
    /// Run arguments, in place of the image's CMD.
    pub args: Vec<String>,
    /// --port, --probe and --ready for an image that listens.
    pub probe: ServiceProbe,
}

/// What building and running every variant gave.
#[derive(Debug, Clone)]
pub struct MatrixReport {
    /// The file as written first, then one row per base; the smallest good
    /// run is `chosen`.
    pub rows: Vec<MatrixRow>,
    /// The chosen variant's layers, with lines as in its own Dockerfile.
    pub chosen_layers: Option<ImageLayers>,
    pub seconds: f64,
}

impl MatrixReport {
    /// Whether the file as written failed its own run, so no variant can
    /// match it (only without an expectation of one's own).
    pub fn reference_failed(&self, expect: &Expectation) -> bool {
        !expect.is_given() && self.rows.first().is_some_and(|r| !r.ok)
    }
}

/// Measures every variant of the job's Dockerfile, all before the session's
/// images are removed (the caller removes them).
pub async fn matrix(
    engine: &Engine,
    job: &MatrixJob,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<MatrixReport, EngineError> {
    let catalog = Catalog::bundled();
    let (on_hand, missing) = engine.bases_on_hand(&job.bases, catalog).await?;
    // The file as written is always built, as the reference: "works" means
    // "as before", also when the catalog does not have its base.
    let own = own_base(&job.text, catalog);
    for key in missing
        .iter()
        .filter(|k| own.as_deref() != Some(k.as_str()))
    {
        on_event(Event::Note(format!(
            "skipping {key}: its image is not on this machine (dockstage bases pull, or scripts/offline-bases.sh)"
        )));
    }
    let keys: Vec<String> = on_hand.into_iter().map(|b| b.key).collect();
    let the_plan =
        plan(&job.text, &keys, catalog).map_err(|e| EngineError::Other(e.to_string()))?;
    measure(engine, job, &the_plan, on_event, cancel).await
}

/// Builds and runs every variant of `the_plan` and reads the chosen one's
/// layers.
async fn measure(
    engine: &Engine,
    job: &MatrixJob,
    the_plan: &Plan,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<MatrixReport, EngineError> {
    let df = parse(&the_plan.combined);
    let graph = StageGraph::new(&df);
    let ctx = context::pack_for(&job.dir, &the_plan.combined, None)?;
    let required = required_images(&df, &graph, true);
    engine.preflight(&required, &mut |_| {}).await?;
    if cancel.is_cancelled() {
        return Err(EngineError::Cancelled);
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
        timeout: job.timeout,
        service: df.instructions().any(|i| i.keyword == Keyword::Healthcheck),
        cmd: (!job.args.is_empty()).then(|| job.args.clone()),
        probe: job.probe.clone().with_sources(&job.dir),
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
    // Each variant's row, sent the moment it is measured, so a front end can
    // show it while the others still build.
    let (measured, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<MatrixRow>();
    let measure_one = |i: usize, built: (Result<BuildOutcome, EngineError>, f64)| {
        let measured = measured.clone();
        let label = the_plan.variants[i].0.clone();
        let run_it = run_one(&built.0);
        async move {
            let run = run_it.await;
            let size = match &built.0 {
                Ok(o) => engine
                    .local_image(&o.image_id)
                    .await
                    .ok()
                    .flatten()
                    .map_or(0, |l| l.size_bytes),
                Err(_) => 0,
            };
            let row = MatrixRow {
                base: label,
                toggles: job.toggles.clone(),
                size_bytes: size,
                build_seconds: built.1,
                run,
                ok: false,
                chosen: false,
                reference: i == 0,
                dockerfile: the_plan.variants[i].1.clone(),
                image_id: built.0.as_ref().ok().map(|o| o.image_id.clone()),
            };
            let _ = measured.send(row.clone());
            (built.0, row)
        }
    };
    // The first variant builds the shared stages. Then its run and the other
    // variants go at once, each variant running as soon as it is built.
    let all = async {
        let first = build_one(0).await;
        let others = join_all((1..count).map(|i| async move {
            let built = build_one(i).await;
            measure_one(i, built).await
        }));
        let (first, others) = tokio::join!(measure_one(0, first), others);
        let mut results = vec![first];
        results.extend(others);
        results
    };
    tokio::pin!(all);
    let results = loop {
        tokio::select! {
            results = &mut all => break results,
            Some(row) = arrivals.recv() => on_event(Event::Measured(Box::new(row))),
        }
    };
    while let Ok(row) = arrivals.try_recv() {
        on_event(Event::Measured(Box::new(row)));
    }
    if cancel.is_cancelled() {
        return Err(EngineError::Cancelled);
    }
    let mut rows = Vec::new();
    for (outcome, row) in &results {
        if let Err(e) = outcome {
            on_event(Event::Note(format!("{}: {e}", row.base)));
        }
        rows.push(row.clone());
    }
    choose(&mut rows, &job.expect);
    let seconds = started.elapsed().as_secs_f64();
    // Lines as in the variant's own Dockerfile, the one a user keeps.
    let chosen_layers = match rows.iter().position(|r| r.chosen) {
        Some(i) => match &results[i].0 {
            Ok(o) => {
                let own = parse(&the_plan.variants[i].1);
                let graph = StageGraph::new(&own);
                engine.image_layers(&o.image_id, &own, &graph).await.ok()
            }
            Err(_) => None,
        },
        None => None,
    };
    Ok(MatrixReport {
        rows,
        chosen_layers,
        seconds,
    })
}
