//! The tune job: drives the search (`workbench::tune`) on the daemon, for
//! the CLI and the workbench alike.
//!
//! Every Dockerfile the search may try is packed into one build context up
//! front. BuildKit applies no `.dockerignore` to an uploaded context, so a
//! context carrying only the Dockerfile being built would differ from build to
//! build, and `COPY . .` (and the compile after it) would run again each time.
//! With all of them on board, the context is the same for every attempt, the
//! builder stage is compiled once per set of Go flags, and trying another base
//! only builds its runtime stage.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{Event, EventSink};
use crate::catalog::Catalog;
use crate::dockerfile::syntax::ItemKind;
use crate::dockerfile::{Keyword, StageGraph, parse};
use crate::engine::build::{BuildRequest, BuilderChoice};
use crate::engine::events::StepMapper;
use crate::engine::images::required_images;
use crate::engine::layers::ImageLayers;
use crate::engine::run::RunOptions;
use crate::engine::service::ServiceProbe;
use crate::engine::{Engine, EngineError, context};
use crate::goproject::GoFacts;
use crate::workbench::build_failure::explain_steps;
use crate::workbench::expect::Expectation;
use crate::workbench::tune::{Outcome, Proposal, TuneReport, Tuner};

#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Catalog keys to consider; all of them when empty.
    pub bases: Vec<String>,
    /// What a good run is, instead of "what the Dockerfile as written does".
    pub expect: Expectation,
    pub timeout: Duration,
    /// Run arguments, in place of the image's CMD.
    pub args: Vec<String>,
    /// --port, --probe and --ready for an image that listens.
    pub probe: ServiceProbe,
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self {
            bases: Vec::new(),
            expect: Expectation::default(),
            timeout: Duration::from_secs(10),
            args: Vec::new(),
            probe: ServiceProbe::default(),
        }
    }
}

/// A search to do: the Dockerfile as written (or as edited) and its
/// context directory.
#[derive(Debug, Clone)]
pub struct TuneJob {
    pub dir: PathBuf,
    pub text: String,
    pub options: TuneOptions,
}

#[derive(Debug, Clone)]
pub struct TuneResult {
    pub report: TuneReport,
    /// The chosen image's layers, mapped onto its Dockerfile.
    pub layers: Option<ImageLayers>,
    pub seconds: f64,
}

/// Searches runtime bases and toggles for the smallest image that behaves
/// like `original` (the Dockerfile at `on_disk` in `dir`, or as edited).
pub async fn tune(
    engine: &Engine,
    job: &TuneJob,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<TuneResult, EngineError> {
    let (dir, original, options) = (job.dir.as_path(), job.text.as_str(), &job.options);
    let started = Instant::now();
    let catalog = Catalog::bundled();
    let (bases, missing) = engine.bases_on_hand(&options.bases, catalog).await?;
    if !missing.is_empty() {
        on_event(Event::Note(format!(
            "not on this machine, so not tried: {} (dockstage bases pull, or scripts/offline-bases.sh)",
            missing.join(", ")
        )));
    }
    let facts = GoFacts::scan_dir(dir, 5_000);
    let options = &TuneOptions {
        probe: options.probe.clone().with_facts(&facts),
        ..options.clone()
    };
    let mut tuner = Tuner::new(original, facts, bases, options.expect.clone(), catalog)
        .map_err(|e| EngineError::Other(e.to_string()))?;
    let candidates = tuner.candidates();
    let index: HashMap<&str, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    // When the final image copies from the context itself, the other
    // Dockerfiles would end up in it (and in its size): then each attempt
    // sends only its own.
    let shared = !final_image_copies_context(original);
    let texts: Vec<&str> = if shared {
        candidates.iter().map(String::as_str).collect()
    } else {
        vec![original]
    };
    let ctx = context::pack_many(dir, &texts)?;
    on_event(Event::Note(if shared {
        format!(
            "{}; sent once, with the {} Dockerfiles the search may try",
            ctx.summary(),
            candidates.len()
        )
    } else {
        format!(
            "{}; the final image copies from the context, so each attempt sends only its \
             own Dockerfile (and COPY . . runs again each time)",
            ctx.summary()
        )
    }));
    let df = parse(original);
    let graph = StageGraph::new(&df);
    engine
        .preflight(&required_images(&df, &graph, true), &mut |_| {})
        .await?;

    let mut images: Vec<(usize, String)> = Vec::new();
    // Its own tags, so a second tune in the same session never replaces the
    // first one's images. They stay until the session ends, as matrix's do:
    // each is a row of the variants table that can be opened and compared.
    let tag_prefix = format!(
        "{}/tune:{}",
        crate::engine::IMAGE_REPOSITORY,
        &crate::engine::new_session_id()[..12]
    );
    let outcome = async {
        while let Some(proposal) = tuner.propose() {
            let number = tuner.attempts().len() + 1;
            on_event(Event::Trying {
                number,
                summary: proposal.summary(),
            });
            let own = match index.get(proposal.dockerfile.as_str()) {
                Some(&i) if shared => ctx.for_dockerfile(i),
                // Its own context: when the final image copies from the
                // context, or for a text not foreseen (it should not happen).
                _ => context::pack(dir, &proposal.dockerfile)?,
            };
            let tag = format!("{tag_prefix}-{number}");
            let (outcome, image) =
                try_proposal(engine, &proposal, &own, &tag, options, on_event, cancel).await?;
            if let Some(id) = &image {
                images.push((number, id.clone()));
            }
            tuner.record(proposal, outcome);
            if let Some(attempt) = tuner.attempts().last().cloned() {
                on_event(Event::Tried {
                    attempt: Box::new(attempt),
                    steps: tuner.account(),
                    image,
                });
            }
        }
        Ok::<(), EngineError>(())
    }
    .await;
    let report = tuner.finish();
    let layers = match (&outcome, report.chosen()) {
        (Ok(()), Some(chosen)) => match images.iter().find(|(n, _)| *n == chosen.number) {
            Some((_, id)) => {
                let df = parse(&chosen.dockerfile);
                let graph = StageGraph::new(&df);
                engine.image_layers(id, &df, &graph).await.ok()
            }
            None => None,
        },
        _ => None,
    };
    outcome?;
    Ok(TuneResult {
        report,
        layers,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Builds and runs one proposal. A failed build is an outcome, not an
/// error: the search explains it and moves on.
async fn try_proposal(
    engine: &Engine,
    proposal: &Proposal,
    ctx: &context::BuildContext,
    tag: &str,
    options: &TuneOptions,
    on_event: &mut EventSink<'_>,
    cancel: &CancellationToken,
) -> Result<(Outcome, Option<String>), EngineError> {
    let df = parse(&proposal.dockerfile);
    let graph = StageGraph::new(&df);
    let mapper = StepMapper::new(&df, &graph);
    let request = BuildRequest {
        context: ctx,
        mapper: &mapper,
        target: None,
        builder: BuilderChoice::Auto,
        tag: tag.to_string(),
        labels: engine.labels(),
    };
    let started = Instant::now();
    let built = engine
        .build(&request, &mut |e| on_event(Event::Build(e)), cancel)
        .await;
    let build_seconds = started.elapsed().as_secs_f64();
    let outcome = match built {
        Ok(o) => o,
        Err(EngineError::BuildFailed {
            line,
            message,
            steps,
        }) => {
            // The cause in the user's words when it is a known one.
            let explained = explain_steps(&steps, &df)
                .into_iter()
                .next()
                .and_then(|r| r.explanation);
            let message = match explained {
                Some(explained) => explained.to_string(),
                None => {
                    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
                    format!("{at}{message}")
                }
            };
            return Ok((
                Outcome::BuildFailed {
                    message,
                    build_seconds,
                },
                None,
            ));
        }
        Err(e) => return Err(e),
    };
    let size_bytes = engine
        .local_image(&outcome.image_id)
        .await?
        .map_or(0, |l| l.size_bytes);
    let run_options = RunOptions {
        timeout: options.timeout,
        service: df.instructions().any(|i| i.keyword == Keyword::Healthcheck),
        cmd: (!options.args.is_empty()).then(|| options.args.clone()),
        probe: options.probe.clone(),
        ..RunOptions::default()
    };
    let run = engine
        .run_image(&outcome.image_id, &run_options, cancel)
        .await?;
    Ok((
        Outcome::Ran {
            size_bytes,
            build_seconds,
            run,
        },
        Some(outcome.image_id),
    ))
}

/// Whether a stage the final image is made of copies from the build context
/// (COPY or ADD without --from).
fn final_image_copies_context(text: &str) -> bool {
    let df = parse(text);
    let graph = StageGraph::new(&df);
    let Some(target) = graph.target else {
        return false;
    };
    crate::engine::layers::stage_chain(&graph, target)
        .into_iter()
        .filter_map(|i| graph.stage(i))
        .flat_map(|stage| {
            df.items
                .get(stage.from_item + 1..stage.end_item)
                .unwrap_or(&[])
        })
        .any(|item| match &item.kind {
            ItemKind::Instruction(ins) => {
                matches!(ins.keyword, Keyword::Copy | Keyword::Add) && ins.flag("from").is_none()
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::final_image_copies_context;

    #[test]
    fn a_runtime_stage_that_copies_from_the_context_is_noticed() {
        let builder = "FROM golang:1.24 AS b\nCOPY . .\nRUN go build -o /a .\n";
        assert!(!final_image_copies_context(&format!(
            "{builder}FROM scratch\nCOPY --from=b /a /a\n"
        )));
        assert!(final_image_copies_context(&format!(
            "{builder}FROM scratch\nCOPY --from=b /a /a\nCOPY static/ /static/\n"
        )));
        assert!(final_image_copies_context(builder));
    }
}
