//! A matrix of runtime bases for one Dockerfile. Every variant goes into one
//! generated Dockerfile: the user's stages once, then a copy of the runtime
//! stage per base. Each variant is built as a --target from the same context,
//! so the builder runs once and the rest are cache hits.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::dockerfile::edit::{Change, apply_changes};
use crate::dockerfile::{StageGraph, parse};
use crate::engine::run::RunResult;

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
}

/// The Dockerfile with one extra runtime stage per base, and each variant's
/// own Dockerfile (what the user would keep if they chose it).
pub struct Plan {
    pub combined: String,
    pub variants: Vec<(String, String)>,
}

/// Builds the plan for `bases` over `text` (toggles already applied).
pub fn plan(text: &str, bases: &[String], catalog: &Catalog) -> Result<Plan, MatrixError> {
    let mut variants = Vec::new();
    for key in bases {
        if catalog.base(key).is_none() {
            let known = catalog.keys().collect::<Vec<_>>().join(", ");
            return Err(MatrixError::UnknownBase(key.clone(), known));
        }
        let own = apply_changes(text, &[Change::Base(key.clone())], catalog)
            .map_err(|e| MatrixError::Edit(e.to_string()))?;
        variants.push((key.clone(), own));
    }
    // The runtime stage of the first variant's text is the template; its
    // earlier stages are shared by all.
    let first = variants
        .first()
        .map(|(_, t)| t.clone())
        .ok_or(MatrixError::NoStage)?;
    let df = parse(&first);
    let graph = StageGraph::new(&df);
    let target = graph.target_stage().ok_or(MatrixError::NoStage)?;
    let start = df
        .items
        .get(target.from_item)
        .map(|i| i.span.start)
        .ok_or(MatrixError::NoStage)?;
    let shared = first.get(..start).unwrap_or("").to_string();
    let mut combined = shared.clone();
    if !combined.ends_with('\n') && !combined.is_empty() {
        combined.push('\n');
    }
    for (i, (key, _)) in variants.iter().enumerate() {
        let image = catalog
            .base(key)
            .map(|b| b.image.clone())
            .unwrap_or_default();
        let stage_text = first.get(start..).unwrap_or("");
        // Replace the FROM line's image and name the stage.
        let from_end = stage_text.find('\n').unwrap_or(stage_text.len());
        let rest = stage_text.get(from_end..).unwrap_or("");
        combined.push_str(&format!("FROM {image} AS {}", variant_stage(i)));
        combined.push_str(rest);
        if !combined.ends_with('\n') {
            combined.push('\n');
        }
    }
    Ok(Plan { combined, variants })
}

/// One row of the matrix, as the CLI contract's `matrix` JSON has it.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub base: String,
    pub toggles: Vec<String>,
    pub size_bytes: u64,
    pub build_seconds: f64,
    pub run: Option<RunResult>,
    /// The run matched the reference (the first variant, or --expect).
    pub ok: bool,
    /// The smallest variant that matched.
    pub chosen: bool,
}

/// Whether `run` behaves as the reference: same exit code and stdout (same
/// health for a service), or, when `expect` is given, a run that works and
/// has that text in its stdout or stderr.
pub fn matches(
    run: Option<&RunResult>,
    reference: Option<&RunResult>,
    expect: Option<&str>,
) -> bool {
    let Some(run) = run else { return false };
    if run.timed_out || run.oom_killed {
        return false;
    }
    match (expect, reference) {
        // Services log to stderr, so both streams count.
        (Some(e), _) => run.ok() && (run.stdout.contains(e) || run.stderr.contains(e)),
        // A service is judged by its health check: its log has timestamps.
        (None, Some(r)) if r.health.is_some() => run.health == r.health,
        (None, Some(r)) => run.exit_code == r.exit_code && run.stdout == r.stdout,
        (None, None) => run.ok(),
    }
}

/// Marks `ok` on each row and `chosen` on the smallest one that is ok.
pub fn choose(rows: &mut [MatrixRow], expect: Option<&str>) {
    let reference = rows.first().and_then(|r| r.run.clone());
    for row in rows.iter_mut() {
        row.ok = matches(row.run.as_ref(), reference.as_ref(), expect);
        row.chosen = false;
    }
    if let Some(best) = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.ok)
        .min_by_key(|(_, r)| r.size_bytes)
        .map(|(i, _)| i)
    {
        rows[best].chosen = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "FROM golang:1.24 AS builder\nRUN go build -o /hello .\n\nFROM debian:bookworm-slim\nCOPY --from=builder /hello /hello\nENTRYPOINT [\"/hello\"]\n";

    #[test]
    fn one_runtime_stage_per_base_after_the_shared_stages() {
        let bases = vec!["scratch".to_string(), "busybox".to_string()];
        let p = plan(HELLO, &bases, Catalog::bundled()).unwrap_or_else(|e| panic!("{e}"));
        let df = parse(&p.combined);
        let g = StageGraph::new(&df);
        let names: Vec<_> = g
            .stages
            .iter()
            .map(|s| (s.display_name(), s.base.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("builder".to_string(), "golang:1.24".to_string()),
                ("dockstage-variant-0".to_string(), "scratch".to_string()),
                (
                    "dockstage-variant-1".to_string(),
                    "busybox:stable".to_string()
                ),
            ]
        );
        assert!(p.variants[1].1.contains("FROM busybox:stable\n"));
        assert_eq!(
            p.combined
                .matches("COPY --from=builder /hello /hello")
                .count(),
            2
        );
    }

    #[test]
    fn the_smallest_variant_that_behaves_like_the_first_is_chosen() {
        let run = |code: i64, out: &str| RunResult {
            exit_code: Some(code),
            stdout: out.into(),
            ..RunResult::default()
        };
        let row = |base: &str, size: u64, r: RunResult| MatrixRow {
            base: base.into(),
            toggles: vec![],
            size_bytes: size,
            build_seconds: 1.0,
            run: Some(r),
            ok: false,
            chosen: false,
        };
        let mut rows = vec![
            row("debian-slim", 76_000_000, run(0, "hi\n")),
            row("scratch", 1_000_000, run(1, "")),
            row("busybox", 3_000_000, run(0, "hi\n")),
        ];
        choose(&mut rows, None);
        let chosen: Vec<_> = rows
            .iter()
            .filter(|r| r.chosen)
            .map(|r| r.base.as_str())
            .collect();
        assert_eq!(chosen, ["busybox"]);
        assert!(!rows[1].ok);
        choose(&mut rows, Some("nothing like it"));
        assert!(rows.iter().all(|r| !r.chosen));
    }
}
