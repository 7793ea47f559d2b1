//! Where the Stages pane puts each stage, image and edge: a layered drawing,
//! left to right, so a learner reads the build in the order it happens.
//!
//! External images come first, then the stages by depth (one column past the
//! deepest stage each depends on), and the target last. Edges that skip a
//! column run through a one-row pass-through in each column they cross, so no
//! line is drawn through a box. Pure: the pane paints what this returns.

use crate::dockerfile::{EdgeKind, Source, StageGraph, StageIndex};

mod layered;
mod short_name;

pub use short_name::abbreviate;

use layered::Plan;

/// What the pane says in a stage's box: its name (with the target's mark)
/// on the top border and its state and size on the bottom one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Card {
    pub title: String,
    /// The state in words, e.g. `≡ cached`.
    pub detail: String,
    /// The same in fewer columns, e.g. `≡`, for when the words do not fit.
    pub short: String,
}

/// A stage drawn as a box whose top-left corner is at `x`, `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageBox {
    pub stage: StageIndex,
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
    pub title: String,
    pub detail: String,
    /// Rows inside the box: the images the stage uses when the image column
    /// is folded away, or every input when the stages are listed.
    pub rows: Vec<String>,
}

/// An external image, right-aligned in its column so its edges start at the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLabel {
    pub text: String,
    pub x: usize,
    pub y: usize,
}

/// One dependency as a line: corners in order, the last point is the arrow
/// head beside the box it enters, and the kind's word ends just before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgePath {
    pub kind: EdgeKind,
    pub to: StageIndex,
    pub points: Vec<(usize, usize)>,
}

impl EdgePath {
    /// The word drawn on the edge, as the instruction that makes it reads.
    pub fn label(&self) -> &'static str {
        label(self.kind)
    }
}

/// The whole drawing, in cells from its top-left corner; it may be bigger
/// than the pane, which shows the part around the selected stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphLayout {
    pub width: usize,
    pub height: usize,
    pub boxes: Vec<StageBox>,
    pub images: Vec<ImageLabel>,
    pub edges: Vec<EdgePath>,
    pub shape: Shape,
}

/// How much of the graph is drawn as lines, from most to least, as the
/// pane narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Images in a column of their own, every edge a line.
    #[default]
    Graph,
    /// Images inside the boxes of the stages that use them.
    Folded,
    /// One column of boxes in build order, each listing its inputs in words:
    /// for a pane too narrow for two columns side by side.
    Listed,
}

impl GraphLayout {
    /// Where a stage is, so the pane can scroll to the selected one.
    pub fn stage_box(&self, stage: StageIndex) -> Option<&StageBox> {
        self.boxes.iter().find(|b| b.stage == stage)
    }
}

/// A stage name longer than this is abbreviated; shorter ones are never cut.
pub const NAME_LIMIT: usize = 24;
/// The widest and narrowest an image's column may get before it is folded.
const IMAGE_WIDEST: usize = 22;
const IMAGE_NARROWEST: usize = 12;
/// Narrower than this, a graph that does not fit is listed rather than
/// scrolled: a view of one box and a half would show no edges to follow.
const LIST_BELOW: usize = 50;

fn label(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::From => "FROM",
        EdgeKind::Copy => "COPY",
        EdgeKind::Mount => "mount",
    }
}

/// Lays out `graph` for a pane `room` columns wide: the image column narrows,
/// the states shorten, the images fold into the boxes, and at last the
/// stages are listed one under another. A drawing still too big for the
/// pane scrolls. `cards` is indexed by stage.
pub fn layout(graph: &StageGraph, cards: &[Card], room: usize) -> GraphLayout {
    // Whole image names matter more than state words, and both more than
    // the image column; the last resort folds the images into the boxes.
    let tries = [
        (Some(IMAGE_WIDEST), false),
        (Some(18), false),
        (Some(IMAGE_WIDEST), true),
        (Some(18), true),
        (Some(15), false),
        (Some(15), true),
        (Some(IMAGE_NARROWEST), false),
        (Some(IMAGE_NARROWEST), true),
        (None, false),
        (None, true),
    ];
    for (cap, brief) in tries {
        let drawn = Plan::new(graph, cards, cap, brief).place();
        if drawn.width <= room {
            return drawn;
        }
    }
    if room < LIST_BELOW {
        return listed(graph, cards, room);
    }
    // A wide pane scrolls a big graph. Since it scrolls anyway, names stay
    // readable and only the states shorten.
    Plan::new(graph, cards, Some(IMAGE_WIDEST), true).place()
}

/// The stages one under another in build order, each box naming what it is
/// built from, copies and mounts, as `FROM golang:1.24` or `COPY builder`.
fn listed(graph: &StageGraph, cards: &[Card], room: usize) -> GraphLayout {
    let edges = drawn_edges(graph);
    let layers = stage_layers(graph, &edges);
    let mut order: Vec<&crate::dockerfile::Stage> = graph.stages.iter().collect();
    order.sort_by_key(|s| (layers.get(s.index.0).copied().unwrap_or(0), s.index));
    let mut boxes = Vec::new();
    let mut y = 0;
    for stage in order {
        let card = cards.get(stage.index.0).cloned().unwrap_or_default();
        let title = abbreviate(&card.title, NAME_LIMIT + 2);
        let inputs: Vec<(EdgeKind, String)> = edges
            .iter()
            .filter(|e| e.to == stage.index)
            .map(|e| {
                let from = match &e.from {
                    Source::Image(i) => i.clone(),
                    Source::Stage(s) => graph
                        .stage(*s)
                        .map_or_else(|| s.0.to_string(), |s| s.display_name()),
                };
                (e.kind, from)
            })
            .collect();
        let natural = inputs
            .iter()
            .map(|(k, from)| label(*k).len() + 1 + from.chars().count())
            .chain([title.chars().count(), card.detail.chars().count()])
            .max()
            .unwrap_or(0);
        let least = title.chars().count().max(card.detail.chars().count());
        let inner = natural.min(room.saturating_sub(4)).max(least);
        let rows: Vec<String> = inputs
            .iter()
            .map(|(k, from)| {
                let word = label(*k);
                let room = inner.saturating_sub(word.len() + 1);
                format!("{word} {}", abbreviate(from, room))
            })
            .collect();
        let height = 2 + rows.len();
        boxes.push(StageBox {
            stage: stage.index,
            x: 0,
            y,
            width: inner + 4,
            height,
            title,
            detail: card.detail,
            rows,
        });
        y += height;
    }
    let width = boxes.iter().map(|b| b.width).max().unwrap_or(0);
    for b in &mut boxes {
        b.width = width;
    }
    boxes.sort_by_key(|b| b.stage);
    GraphLayout {
        width,
        height: y,
        boxes,
        images: Vec::new(),
        edges: Vec::new(),
        shape: Shape::Listed,
    }
}

/// The edges the drawing shows: one per source and stage, the first kind
/// the file gives it (a FROM before a COPY from the same place).
fn drawn_edges(graph: &StageGraph) -> Vec<crate::dockerfile::Edge> {
    let mut out: Vec<crate::dockerfile::Edge> = Vec::new();
    for edge in &graph.edges {
        if !out.iter().any(|e| e.to == edge.to && e.from == edge.from) {
            out.push(edge.clone());
        }
    }
    out
}

/// Each stage's column, counted from 1 (column 0 is the images): one past
/// the deepest stage it depends on, with the target in the last column.
/// Only earlier stages count, so a cycle cannot loop.
fn stage_layers(graph: &StageGraph, edges: &[crate::dockerfile::Edge]) -> Vec<usize> {
    let n = graph.stages.len();
    let deps: Vec<Vec<usize>> = (0..n)
        .map(|s| {
            edges
                .iter()
                .filter(|e| e.to.0 == s)
                .filter_map(|e| match e.from {
                    Source::Stage(d) if d.0 < s => Some(d.0),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let pass = |floor: Option<(usize, usize)>| {
        let mut layers = vec![1usize; n];
        for s in 0..n {
            let deepest = deps[s].iter().map(|&d| layers[d]).max().unwrap_or(0);
            layers[s] = deepest + 1;
            if let Some((t, at_least)) = floor
                && t == s
            {
                layers[s] = layers[s].max(at_least);
            }
        }
        layers
    };
    let layers = pass(None);
    let Some(target) = graph.target.map(|t| t.0).filter(|&t| t < n) else {
        return layers;
    };
    // Stages built on the target stay right of it; every other stage is at most level with it.
    let mut after_target = vec![false; n];
    for s in 0..n {
        after_target[s] = s == target || deps[s].iter().any(|&d| after_target[d]);
    }
    let deepest_other = (0..n)
        .filter(|&s| !after_target[s])
        .map(|s| layers[s])
        .max()
        .unwrap_or(1);
    pass(Some((target, deepest_other)))
}

#[cfg(test)]
mod tests;
