//! A matrix of runtime bases for one Dockerfile. Every variant goes into one
//! generated Dockerfile: the user's stages once, then a copy of the runtime
//! stage per base. Each variant is built as a --target from the same context,
//! so the builder runs once and the rest are cache hits. The first variant is
//! always the file as written, on its own base, whether or not the catalog
//! knows that base: it is the reference the others are judged against.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, Context, apply_changes};
use crate::dockerfile::{StageGraph, parse};
use crate::outcome::RunResult;
use crate::workbench::expect::Expectation;

/// The stage name of variant `i` in the generated Dockerfile.
pub fn variant_stage(i: usize) -> String {
    format!("dockstage-variant-{i}")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MatrixError {
    #[error("unknown base `{0}`; bases are: {1}")]
    UnknownBase(String, String),
    #[error("{0}")]
    Edit(String),
    #[error("the Dockerfile has no FROM")]
    NoStage,
    #[error(
        "the variant on {0} changes the stages before the runtime stage, so the variants \
         cannot share one build; try it alone with `dockstage build --base {0}`"
    )]
    Unshared(String),
}

/// The Dockerfile with one runtime stage per variant, and each variant's
/// label and own Dockerfile (what the user would keep if they chose it).
/// The first variant is the file as written.
pub struct Plan {
    pub combined: String,
    pub variants: Vec<(String, String)>,
}

/// How the matrix names the file's own base: its catalog key, or the image
/// as written when the catalog does not have it.
pub fn own_base(text: &str, catalog: &Catalog) -> Option<String> {
    let df = parse(text);
    let ctx = Context::new(&df, catalog);
    if let Some(base) = ctx.base() {
        return Some(base.key.clone());
    }
    ctx.graph.target_stage().map(|s| s.base.clone())
}

/// Builds the plan for the file as written and `bases` (toggles already
/// applied); a base that is the file's own is not built twice.
pub fn plan(text: &str, bases: &[String], catalog: &Catalog) -> Result<Plan, MatrixError> {
    let own = own_base(text, catalog).ok_or(MatrixError::NoStage)?;
    let mut variants = vec![(own.clone(), text.to_string())];
    for key in bases {
        if catalog.base(key).is_none() {
            let known = catalog.keys().collect::<Vec<_>>().join(", ");
            return Err(MatrixError::UnknownBase(key.clone(), known));
        }
        if key.eq_ignore_ascii_case(&own) {
            continue;
        }
        let variant = apply_changes(text, &[Change::Base(key.clone())], catalog)
            .map_err(|e| MatrixError::Edit(e.to_string()))?;
        variants.push((key.clone(), variant));
    }
    let parts = variants
        .iter()
        .map(|(_, t)| runtime_stage(t))
        .collect::<Result<Vec<_>, _>>()?;
    // The stages before the runtime stage are shared. A single-stage file's
    // only stage stands alone, so it goes after the ones the others share.
    let shared = parts
        .iter()
        .find(|p| !p.alone)
        .map_or(parts[0].before.clone(), |p| p.before.clone());
    let mut combined = shared.clone();
    if !combined.ends_with('\n') && !combined.is_empty() {
        combined.push('\n');
    }
    for (i, (part, (label, _))) in parts.iter().zip(&variants).enumerate() {
        if part.before != shared && !part.alone {
            return Err(MatrixError::Unshared(label.clone()));
        }
        combined.push_str(&format!("FROM {} AS {}\n", part.image, variant_stage(i)));
        combined.push_str(&part.rest);
        if !combined.ends_with('\n') {
            combined.push('\n');
        }
    }
    Ok(Plan { combined, variants })
}

/// A Dockerfile cut at its runtime stage.
struct RuntimeStage {
    /// Everything before the runtime stage's FROM.
    before: String,
    /// The image the runtime stage starts from, as written.
    image: String,
    /// The runtime stage after its FROM line.
    rest: String,
    /// The runtime stage is the first stage, so it needs no other.
    alone: bool,
}

fn runtime_stage(text: &str) -> Result<RuntimeStage, MatrixError> {
    let df = parse(text);
    let graph = StageGraph::new(&df);
    let target = graph.target_stage().ok_or(MatrixError::NoStage)?;
    let from = df
        .items
        .get(target.from_item)
        .map(|i| i.span)
        .ok_or(MatrixError::NoStage)?;
    Ok(RuntimeStage {
        before: text.get(..from.start).unwrap_or("").to_string(),
        image: target.base_written.clone(),
        rest: text
            .get(from.end..)
            .unwrap_or("")
            .trim_start_matches(['\r', '\n'])
            .to_string(),
        alone: target.index.0 == 0,
    })
}

/// One row of the matrix, as the CLI contract's `matrix` JSON has it.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub base: String,
    pub toggles: Vec<String>,
    pub size_bytes: u64,
    pub build_seconds: f64,
    pub run: Option<RunResult>,
    /// The run is a good one: it matches the reference's, or --expect.
    pub ok: bool,
    /// The smallest variant that matched.
    pub chosen: bool,
    /// The Dockerfile as written, the variant the others are compared with.
    pub reference: bool,
    /// This variant's own Dockerfile, the one a user would keep.
    #[serde(skip)]
    pub dockerfile: String,
    /// The image built, for a front end to read its files; `None` when it
    /// did not build.
    #[serde(skip)]
    pub image_id: Option<String>,
}

/// Whether `run` is a good run: one that works (exits 0, or becomes healthy)
/// and does what the reference does (same exit code and stdout; same health
/// for a service); or, when the user said what a good run is, one that does
/// that. A run that timed out or ran out of memory never is.
pub fn matches(
    run: Option<&RunResult>,
    reference: Option<&RunResult>,
    expect: &Expectation,
) -> bool {
    let Some(run) = run else { return false };
    if run.timed_out || run.oom_killed {
        return false;
    }
    if expect.is_given() {
        return expect.met_by(run);
    }
    match reference {
        // A service is judged by its health check: its log has timestamps.
        Some(r) if r.health.is_some() => run.ok() && run.health == r.health,
        // One that listens, by its answer (src/workbench/service.rs).
        Some(r) if r.service.is_some() => run.ok() && super::service::same_answer(run, r),
        Some(r) => run.ok() && run.exit_code == r.exit_code && run.stdout == r.stdout,
        None => run.ok(),
    }
}

/// Marks `ok` on each row and `chosen` on the smallest one that is ok; the
/// first row is the reference. A run that failed is never chosen.
pub fn choose(rows: &mut [MatrixRow], expect: &Expectation) {
    let reference = rows.first().and_then(|r| r.run.clone());
    for row in rows.iter_mut() {
        row.ok = matches(row.run.as_ref(), reference.as_ref(), expect);
        row.chosen = false;
    }
    if let Some(best) = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.ok)
        .min_by_key(|(i, r)| (r.size_bytes, *i))
        .map(|(i, _)| i)
    {
        rows[best].chosen = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "FROM golang:1.24 AS builder\nRUN go build -o /hello .\n\nFROM debian:bookworm-slim\nCOPY --from=builder /hello /hello\nENTRYPOINT [\"/hello\"]\n";

    fn stages(combined: &str) -> Vec<(String, String)> {
        let df = parse(combined);
        StageGraph::new(&df)
            .stages
            .iter()
            .map(|s| (s.display_name(), s.base.clone()))
            .collect()
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn the_file_as_written_first_then_one_runtime_stage_per_base() {
        let bases = vec![
            "scratch".to_string(),
            "debian-slim".to_string(),
            "busybox".to_string(),
        ];
        let p = plan(HELLO, &bases, Catalog::bundled()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            stages(&p.combined),
            [
                pair("builder", "golang:1.24"),
                pair("dockstage-variant-0", "debian:bookworm-slim"),
                pair("dockstage-variant-1", "scratch"),
                pair("dockstage-variant-2", "busybox:stable"),
            ]
        );
        let labels: Vec<&str> = p.variants.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["debian-slim", "scratch", "busybox"]);
        assert_eq!(p.variants[0].1, HELLO);
        assert!(p.variants[2].1.contains("FROM busybox:stable\n"));
        assert_eq!(
            p.combined
                .matches("COPY --from=builder /hello /hello")
                .count(),
            3
        );
    }

    #[test]
    fn a_base_the_catalog_lacks_is_still_the_reference() {
        let text = HELLO.replace("debian:bookworm-slim", "gcr.io/distroless/base-debian10");
        let bases = vec!["scratch".to_string(), "distroless-base".to_string()];
        let p = plan(&text, &bases, Catalog::bundled()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.variants[0],
            (String::from("gcr.io/distroless/base-debian10"), text)
        );
        assert_eq!(
            stages(&p.combined)[1],
            pair("dockstage-variant-0", "gcr.io/distroless/base-debian10")
        );
        assert_eq!(p.variants.len(), 3);
    }

    #[test]
    fn a_single_stage_file_is_its_own_reference_beside_the_split_variants() {
        let single = "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nENTRYPOINT [\"/app\"]\n";
        let p = plan(single, &["scratch".to_string()], Catalog::bundled())
            .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = stages(&p.combined).into_iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            ["builder", "dockstage-variant-0", "dockstage-variant-1"]
        );
        assert_eq!(p.variants[0].1, single);
    }

    fn run(code: i64, out: &str) -> RunResult {
        RunResult {
            exit_code: Some(code),
            stdout: out.into(),
            ..RunResult::default()
        }
    }

    fn row(base: &str, size: u64, r: RunResult) -> MatrixRow {
        MatrixRow {
            dockerfile: String::new(),
            base: base.into(),
            toggles: vec![],
            size_bytes: size,
            build_seconds: 1.0,
            run: Some(r),
            ok: false,
            chosen: false,
            reference: false,
            image_id: None,
        }
    }

    fn chosen(rows: &[MatrixRow]) -> Vec<&str> {
        rows.iter()
            .filter(|r| r.chosen)
            .map(|r| r.base.as_str())
            .collect()
    }

    #[test]
    fn the_smallest_variant_that_behaves_like_the_first_is_chosen() {
        let mut rows = vec![
            row("debian-slim", 76_000_000, run(0, "hi\n")),
            row("scratch", 1_000_000, run(1, "")),
            row("busybox", 3_000_000, run(0, "hi\n")),
        ];
        choose(&mut rows, &Expectation::default());
        assert_eq!(chosen(&rows), ["busybox"]);
        assert!(!rows[1].ok);
        choose(
            &mut rows,
            &Expectation::new(Some("nothing like it".into()), None),
        );
        assert!(rows.iter().all(|r| !r.chosen));
    }

    #[test]
    fn a_run_that_failed_is_never_chosen_even_when_it_is_the_first() {
        let unable = RunResult {
            error: Some("unable to find user nonroot: no matching entries in passwd file".into()),
            ..run(128, "")
        };
        let mut rows = vec![
            row("scratch", 2_200_000, unable.clone()),
            row("distroless-static", 3_700_000, run(0, "hi\n")),
        ];
        choose(&mut rows, &Expectation::default());
        assert!(chosen(&rows).is_empty(), "{rows:?}");
        // With the file as written first, the working bases are the same run.
        let mut rows = vec![
            row(
                "gcr.io/distroless/base-debian10",
                21_000_000,
                run(0, "hi\n"),
            ),
            row("scratch", 2_200_000, unable),
            row("distroless-static", 3_700_000, run(0, "hi\n")),
        ];
        choose(&mut rows, &Expectation::default());
        assert_eq!(chosen(&rows), ["distroless-static"]);
        assert!(rows[0].ok && !rows[1].ok && rows[2].ok);
    }

    #[test]
    fn expect_text_alone_takes_any_exit_code_and_expect_exit_narrows_it() {
        let usage = |code| RunResult {
            stderr: "usage: goawk [-F fs] src\n".into(),
            ..run(code, "")
        };
        let mut rows = vec![
            row("debian-slim", 76_000_000, usage(1)),
            row("scratch", 1_000_000, usage(1)),
        ];
        choose(
            &mut rows,
            &Expectation::new(Some("usage: goawk".into()), None),
        );
        assert_eq!(chosen(&rows), ["scratch"]);
        choose(
            &mut rows,
            &Expectation::new(Some("usage: goawk".into()), Some(0)),
        );
        assert!(chosen(&rows).is_empty());
        choose(
            &mut rows,
            &Expectation::new(Some("usage: goawk".into()), Some(1)),
        );
        assert_eq!(chosen(&rows), ["scratch"]);
    }
}
