//! Building one stage of the file (`t` in the Stages pane, `--target`):
//! which stage F5 builds, and the stage graph drawn for it.

use super::editing::editor_text;
use super::model::Model;
use crate::dockerfile::{StageGraph, parse};

/// Draws the stage graph for the stage F5 builds: its ★, and the stages it
/// does not need dimmed. A target that no longer names a stage (renamed or
/// removed in the editor) is dropped, so F5 builds the whole file again.
pub(super) fn show_target(model: &mut Model) {
    let Some(target) = model.target.clone() else {
        return;
    };
    if model.analyzed_version != model.version {
        return;
    }
    let text = editor_text(model);
    let graph = StageGraph::with_target(&parse(&text), Some(&target));
    if graph.diagnostics.iter().any(|d| d.rule == "UnknownTarget") {
        model.target = None;
        model.status = Some(format!(
            "no stage is named `{target}` any more: F5 builds the whole file"
        ));
    }
    if let Some(analysis) = model.analysis.as_mut() {
        analysis.graph = if model.target.is_some() {
            graph
        } else {
            StageGraph::new(&parse(&text))
        };
    }
}

/// `t` in the Stages pane: F5 builds the selected stage (`--target`), or
/// the whole file again when it is the last stage or the target already.
pub(super) fn choose_target(model: &mut Model) {
    let Some(graph) = model.analysis.as_ref().map(|a| &a.graph) else {
        return;
    };
    let Some(stage) = graph.stages.get(model.graph_selected) else {
        return;
    };
    let last = model.graph_selected + 1 == graph.stages.len();
    let name = stage.name.clone();
    model.status = Some(match name {
        _ if last => {
            model.target = None;
            "F5 builds the last stage, the whole file".to_string()
        }
        Some(name) if model.target.as_deref() == Some(name.as_str()) => {
            model.target = None;
            "F5 builds the last stage again (t on a stage targets it)".to_string()
        }
        Some(name) => {
            let text = format!(
                "F5 builds stage `{name}` only (--target {name}); t again builds the whole file"
            );
            model.target = Some(name);
            text
        }
        None => format!(
            "stage {} has no name to target: add `AS name` to its FROM line",
            stage.index.0
        ),
    });
    let status = model.status.take();
    show_target(model);
    if model.status.is_none() {
        model.status = status;
    }
    if model.target.is_none() {
        // Back to the last stage: the analysis' own graph again.
        if model.analyzed_version == model.version {
            let graph = StageGraph::new(&parse(&editor_text(model)));
            if let Some(analysis) = model.analysis.as_mut() {
                analysis.graph = graph;
            }
        }
    }
}
