//! `dockstage graph`: the stage graph as text for people or JSON for scripts.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::{Failure, Format, report, status};
use crate::dockerfile::{Dockerfile, EdgeKind, Source, StageGraph, parse};

#[derive(Serialize)]
struct GraphJson<'a> {
    stages: Vec<StageJson<'a>>,
    edges: &'a [crate::dockerfile::Edge],
    target: Option<usize>,
    target_name: Option<String>,
    unused: Vec<usize>,
    diagnostics: Vec<&'a crate::dockerfile::Diagnostic>,
}

#[derive(Serialize)]
struct StageJson<'a> {
    index: usize,
    name: Option<&'a str>,
    base: &'a str,
    base_stage: Option<usize>,
    line: usize,
    platform: Option<&'a str>,
    needed: bool,
}

pub fn run(file: &Path, format: Format, target: Option<&str>) -> Result<u8, Failure> {
    let text = crate::input::read_dockerfile(file)?;
    let df = parse(&text);
    let graph = StageGraph::with_target(&df, target);
    let name = file.display().to_string();
    match format {
        Format::Json => {
            let json = GraphJson {
                stages: graph
                    .stages
                    .iter()
                    .map(|s| StageJson {
                        index: s.index.0,
                        name: s.name.as_deref(),
                        base: &s.base,
                        base_stage: s.base_stage.map(|b| b.0),
                        line: s.line,
                        platform: s.platform.as_deref(),
                        needed: !graph.is_unused(s.index),
                    })
                    .collect(),
                edges: &graph.edges,
                target: graph.target.map(|t| t.0),
                target_name: graph.target_stage().map(|s| s.display_name()),
                unused: graph.unused.iter().map(|s| s.0).collect(),
                diagnostics: df.diagnostics.iter().chain(&graph.diagnostics).collect(),
            };
            let out = serde_json::to_string_pretty(&json).map_err(Failure::usage)?;
            println!("{out}");
        }
        Format::Text => print!("{}", render_text(&name, &df, &graph)),
    }
    Ok(status::OK)
}

fn edge_label(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::From => "FROM",
        EdgeKind::Copy => "COPY --from",
        EdgeKind::Mount => "RUN --mount from",
    }
}

/// The graph drawn as a list of stages, each with what flows into it.
pub fn render_text(name: &str, df: &Dockerfile, graph: &StageGraph) -> String {
    let mut out = String::new();
    let target = graph.target_stage();
    let _ = writeln!(
        out,
        "{name}: {} stage{}, target {}",
        graph.stages.len(),
        if graph.stages.len() == 1 { "" } else { "s" },
        target.map_or("(none)".to_string(), |t| format!(
            "[{}] {}",
            t.index.0,
            t.display_name()
        ))
    );
    let label_width = graph
        .stages
        .iter()
        .map(|s| s.display_name().len() + 5)
        .max()
        .unwrap_or(0);
    for stage in &graph.stages {
        let _ = writeln!(out);
        let label = format!("[{}] {}", stage.index.0, stage.display_name());
        let mark = if Some(stage.index) == graph.target {
            "★ target"
        } else if graph.is_unused(stage.index) {
            "· not needed by the target (BuildKit skips it)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {label:<label_width$}  line {:<4} {mark}",
            stage.line
        );
        for edge in graph.edges.iter().filter(|e| e.to == stage.index) {
            let from = match &edge.from {
                Source::Stage(s) => graph.stage(*s).map_or(format!("[{}]", s.0), |st| {
                    format!("[{}] {}", s.0, st.display_name())
                }),
                Source::Image(image) if image.eq_ignore_ascii_case("scratch") => {
                    "scratch (empty)".to_string()
                }
                Source::Image(image) => format!("image {image}"),
            };
            let _ = writeln!(
                out,
                "      ◀─ {:<17} {from}   (line {})",
                edge_label(edge.kind),
                edge.line
            );
        }
        let used_by: Vec<String> = graph
            .edges
            .iter()
            .filter(|e| e.from == Source::Stage(stage.index))
            .map(|e| format!("[{}]", e.to.0))
            .collect();
        if !used_by.is_empty() {
            let mut used_by = used_by;
            used_by.dedup();
            let _ = writeln!(out, "      ─▶ used by {}", used_by.join(", "));
        }
    }
    let problems: Vec<_> = df.diagnostics.iter().chain(&graph.diagnostics).collect();
    if !problems.is_empty() {
        let _ = writeln!(out);
        for d in problems {
            out.push_str(&report::render(name, df, d));
        }
    }
    out
}
