//! Where the Stages pane puts each stage, image and edge: a layered drawing,
//! left to right, so a learner reads the build in the order it happens.
//!
//! External images come first, then the stages by depth (one column past the
//! deepest stage each depends on), and the target last. Edges that skip a
//! column run through a one-row pass-through in each column they cross, so no
//! line is drawn through a box. Pure: the pane paints what this returns.

use std::collections::HashMap;

use crate::dockerfile::{EdgeKind, Source, StageGraph, StageIndex};

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
    let mut narrowest: Option<GraphLayout> = None;
    for (cap, brief) in tries {
        let drawn = Plan::new(graph, cards, cap, brief).place();
        if drawn.width <= room {
            return drawn;
        }
        if narrowest.as_ref().is_none_or(|n| drawn.width < n.width) {
            narrowest = Some(drawn);
        }
    }
    match narrowest {
        // A wide pane scrolls a big graph; a narrow one lists the stages.
        Some(drawn) if room >= LIST_BELOW => drawn,
        _ => listed(graph, cards, room),
    }
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

/// Shortens `text` to at most `max` characters with one `…`, keeping an
/// image's tag and the start of its name: `golangci/…lint:v1.59`.
pub fn abbreviate(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_string();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    // The tag follows the last ':' after the last '/', so a registry port is not one.
    let slash = text.rfind('/').map_or(0, |i| i + 1);
    let tag_at = text[slash..]
        .rfind(':')
        .map(|i| text[..slash + i].chars().count());
    let (name, tag): (&[char], &[char]) = match tag_at {
        Some(at) => chars.split_at(at),
        None => (&chars, &[]),
    };
    let room = max - 1;
    if tag.len() + 4 > room {
        // A long tag: keep the name and the tag's start (`golang:1.24-bo…`).
        if name.len() + 5 <= room {
            let head: String = chars[..room].iter().collect();
            return format!("{head}…");
        }
        let tail: String = chars[chars.len() - room..].iter().collect();
        return format!("…{tail}");
    }
    let keep = room - tag.len();
    // The registry or owner, when short, stays whole: `golangci/…lint`.
    let owner = name.iter().position(|&c| c == '/').map(|i| i + 1);
    let head_len = match owner {
        Some(len) if len + 4 <= keep => len,
        _ => keep - keep / 2,
    };
    let tail_len = keep - head_len;
    let head: String = name[..head_len].iter().collect();
    let tail: String = name[name.len() - tail_len..].iter().collect();
    let tag: String = tag.iter().collect();
    format!("{head}…{tail}{tag}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Image,
    Stage(StageIndex),
    /// A long edge's way through a column it does not stop in.
    PassThrough,
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    layer: usize,
    text: String,
    width: usize,
    height: usize,
    y: usize,
}

/// One column-to-next-column piece of an edge.
#[derive(Debug, Clone, Copy)]
struct Hop {
    from: usize,
    to: usize,
    /// The kind, on the hop that ends at a stage's box.
    ends: Option<EdgeKind>,
    /// Filled in by `place`: where the hop leaves and enters.
    exit: usize,
    entry: usize,
}

/// An edge of the drawing: the hops it is made of, in order.
#[derive(Debug, Clone)]
struct Route {
    kind: EdgeKind,
    to: StageIndex,
    hops: Vec<usize>,
}

/// What a stage's box says, worked out before its place is known.
#[derive(Debug, Clone, Default)]
struct Face {
    title: String,
    detail: String,
    rows: Vec<String>,
}

struct Plan {
    nodes: Vec<Node>,
    hops: Vec<Hop>,
    routes: Vec<Route>,
    folded: bool,
    /// Indexed by stage.
    faces: Vec<Face>,
}

impl Plan {
    /// The nodes and hops of `graph`; `image_cap` is the image column's
    /// widest label, or `None` to fold the images into the boxes.
    /// `brief` puts each state in its short form.
    fn new(graph: &StageGraph, cards: &[Card], image_cap: Option<usize>, brief: bool) -> Plan {
        let folded = image_cap.is_none();
        let edges = drawn_edges(graph);
        let layers = stage_layers(graph, &edges);
        let mut plan = Plan {
            nodes: Vec::new(),
            hops: Vec::new(),
            routes: Vec::new(),
            folded,
            faces: Vec::new(),
        };
        let mut stage_node = Vec::new();
        for stage in &graph.stages {
            let mut card = cards.get(stage.index.0).cloned().unwrap_or_default();
            if brief {
                card.detail = std::mem::take(&mut card.short);
            }
            let title = abbreviate(&card.title, NAME_LIMIT + 2);
            let images: Vec<String> = if folded {
                edges
                    .iter()
                    .filter(|e| e.to == stage.index)
                    .filter_map(|e| match &e.from {
                        Source::Image(i) if e.kind == EdgeKind::From => Some(i.clone()),
                        Source::Image(i) => Some(format!("{} {i}", label(e.kind))),
                        Source::Stage(_) => None,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let inner = title.chars().count().max(card.detail.chars().count());
            // A folded image row may widen the box a little, never a lot.
            let image_room = images
                .iter()
                .map(|i| i.chars().count().min(16))
                .max()
                .unwrap_or(0);
            let width = inner.max(image_room) + 4;
            let rows: Vec<String> = images.iter().map(|i| abbreviate(i, width - 4)).collect();
            let height = 2 + rows.len();
            plan.faces.push(Face {
                title,
                detail: card.detail,
                rows,
            });
            stage_node.push(plan.nodes.len());
            plan.nodes.push(Node {
                kind: NodeKind::Stage(stage.index),
                // Folded, there is no image column to leave room for.
                layer: layers.get(stage.index.0).copied().unwrap_or(1) - usize::from(folded),
                text: String::new(),
                width,
                height,
                y: 0,
            });
        }
        let mut image_node: HashMap<String, usize> = HashMap::new();
        let mut pass: HashMap<(usize, usize), usize> = HashMap::new();
        for edge in &edges {
            let Some(&to) = stage_node.get(edge.to.0) else {
                continue;
            };
            let from = match &edge.from {
                Source::Stage(s) => match stage_node.get(s.0) {
                    Some(&n) => n,
                    None => continue,
                },
                Source::Image(_) if folded => continue,
                Source::Image(name) => *image_node.entry(name.clone()).or_insert_with(|| {
                    let text = abbreviate(name, image_cap.unwrap_or(IMAGE_WIDEST));
                    plan.nodes.push(Node {
                        kind: NodeKind::Image,
                        layer: 0,
                        width: text.chars().count(),
                        text,
                        height: 1,
                        y: 0,
                    });
                    plan.nodes.len() - 1
                }),
            };
            let (start, end) = (plan.nodes[from].layer, plan.nodes[to].layer);
            if start >= end {
                // A reference forward in the file: the graph reports it; the
                // drawing has no left-to-right way to show it.
                continue;
            }
            let mut route = Route {
                kind: edge.kind,
                to: edge.to,
                hops: Vec::new(),
            };
            let mut at = from;
            for layer in start + 1..end {
                // Edges from one node share their way through a column.
                let through = *pass.entry((from, layer)).or_insert_with(|| {
                    plan.nodes.push(Node {
                        kind: NodeKind::PassThrough,
                        layer,
                        text: String::new(),
                        width: 1,
                        height: 1,
                        y: 0,
                    });
                    plan.nodes.len() - 1
                });
                route.hops.push(plan.hop(at, through, None));
                at = through;
            }
            route.hops.push(plan.hop(at, to, Some(edge.kind)));
            plan.routes.push(route);
        }
        for (i, node) in plan.nodes.iter_mut().enumerate() {
            if let NodeKind::Stage(_) = node.kind {
                let entering = plan.hops.iter().filter(|h| h.to == i).count();
                node.height = node.height.max(entering);
            }
        }
        plan
    }

    /// Columns between the image column and its lanes, so a name does not
    /// run into a line; a box's border needs none.
    fn separator(&self, layer: usize) -> usize {
        usize::from(layer == 0 && !self.folded)
    }

    /// The hop `from` → `to`, shared when a pass-through already has it.
    fn hop(&mut self, from: usize, to: usize, ends: Option<EdgeKind>) -> usize {
        if ends.is_none()
            && let Some(i) = self.hops.iter().position(|h| h.from == from && h.to == to)
        {
            return i;
        }
        self.hops.push(Hop {
            from,
            to,
            ends,
            exit: 0,
            entry: 0,
        });
        self.hops.len() - 1
    }

    /// Orders each column, gives every node its row and every column its
    /// x, and turns hops into lines.
    fn place(mut self) -> GraphLayout {
        let columns = self.order();
        let height = columns
            .iter()
            .map(|c| c.iter().map(|&n| self.nodes[n].height).sum::<usize>())
            .max()
            .unwrap_or(0);
        for column in &columns {
            let mut cursor = 0;
            let mut rest: usize = column.iter().map(|&n| self.nodes[n].height).sum();
            for &n in column {
                rest -= self.nodes[n].height;
                // Line a node up with its highest source, so a FROM chain is straight.
                let wanted = self
                    .hops
                    .iter()
                    .filter(|h| h.to == n)
                    .map(|h| self.nodes[h.from].y)
                    .min()
                    .unwrap_or(cursor);
                let highest = height - rest - self.nodes[n].height;
                let y = wanted.clamp(cursor, highest.max(cursor));
                self.nodes[n].y = y;
                cursor = y + self.nodes[n].height;
                self.assign_entries(n);
            }
        }
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| c.iter().map(|&n| self.nodes[n].width).max().unwrap_or(0))
            .collect();
        let mut xs = Vec::new();
        let mut lanes_of = Vec::new();
        let mut x = 0;
        for (layer, width) in widths.iter().enumerate() {
            xs.push(x);
            let (lanes, count) = self.lanes(layer);
            let word = self
                .hops
                .iter()
                .filter(|h| self.nodes[h.from].layer == layer)
                .filter_map(|h| h.ends.map(|k| label(k).len()))
                .max()
                .unwrap_or(0);
            lanes_of.push(lanes);
            x += width + self.separator(layer) + count + word + 1;
        }
        let right = |n: usize| xs[self.nodes[n].layer] + widths[self.nodes[n].layer];
        let left = |n: usize| xs[self.nodes[n].layer];
        let mut edges = Vec::new();
        for route in &self.routes {
            let mut points = Vec::new();
            for &h in &route.hops {
                let hop = &self.hops[h];
                let lane = lanes_of[self.nodes[hop.from].layer]
                    .get(&hop.from)
                    .copied()
                    .unwrap_or(0);
                let start = right(hop.from);
                let lane_x = start + self.separator(self.nodes[hop.from].layer) + lane;
                if points.is_empty() {
                    points.push((start, hop.exit));
                }
                if hop.exit != hop.entry {
                    points.push((lane_x, hop.exit));
                    points.push((lane_x, hop.entry));
                }
                if hop.ends.is_some() {
                    points.push((left(hop.to) - 1, hop.entry));
                } else {
                    let through = &self.nodes[hop.to];
                    points.push((left(hop.to) + widths[through.layer] - 1, hop.entry));
                }
            }
            edges.push(EdgePath {
                kind: route.kind,
                to: route.to,
                points: simplify(points),
            });
        }
        let mut boxes = Vec::new();
        let mut images = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            match node.kind {
                NodeKind::Stage(stage) => {
                    let Face {
                        title,
                        detail,
                        rows,
                    } = self.faces.get(stage.0).cloned().unwrap_or_default();
                    boxes.push(StageBox {
                        stage,
                        x: left(n),
                        y: node.y,
                        width: widths[node.layer],
                        height: node.height,
                        title,
                        detail,
                        rows,
                    });
                }
                NodeKind::Image => images.push(ImageLabel {
                    text: node.text.clone(),
                    x: right(n) - node.width,
                    y: node.y,
                }),
                NodeKind::PassThrough => {}
            }
        }
        boxes.sort_by_key(|b| b.stage);
        let width = match (xs.last(), widths.last()) {
            (Some(x), Some(w)) => x + w,
            _ => 0,
        };
        GraphLayout {
            width,
            height,
            boxes,
            images,
            edges,
            shape: if self.folded {
                Shape::Folded
            } else {
                Shape::Graph
            },
        }
    }

    /// The nodes of each column, top to bottom: first the images whose
    /// users are furthest right, so their long lines run straight along the
    /// top, then each column by where its sources sit, so few lines cross.
    fn order(&self) -> Vec<Vec<usize>> {
        let depth = self.nodes.iter().map(|n| n.layer).max().unwrap_or(0);
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth + 1];
        for (i, node) in self.nodes.iter().enumerate() {
            columns[node.layer].push(i);
        }
        if !self.folded
            && let Some(images) = columns.first_mut()
        {
            // How far the image's nearest user is; the route's end, for a pass-through.
            let reach = |img: usize| {
                self.routes
                    .iter()
                    .filter(|r| r.hops.first().is_some_and(|&h| self.hops[h].from == img))
                    .filter_map(|r| r.hops.last().map(|&h| self.nodes[self.hops[h].to].layer))
                    .min()
                    .unwrap_or(0)
            };
            images.sort_by_key(|&n| std::cmp::Reverse(reach(n)));
        }
        let mut rank = vec![0usize; self.nodes.len()];
        for (layer, column) in columns.iter_mut().enumerate() {
            let key = |n: usize| {
                let sources: Vec<usize> = self
                    .hops
                    .iter()
                    .filter(|h| h.to == n)
                    .map(|h| rank[h.from])
                    .collect();
                let centre = match sources.len() {
                    0 => usize::MAX,
                    len => sources.iter().sum::<usize>() * 1000 / len,
                };
                let stage = match self.nodes[n].kind {
                    NodeKind::Stage(s) => s.0,
                    _ => usize::MAX,
                };
                (centre, stage)
            };
            // The image column is in order already.
            if layer > 0 || self.folded {
                column.sort_by_cached_key(|&n| key(n));
            }
            for (r, &n) in column.iter().enumerate() {
                rank[n] = r;
            }
        }
        columns
    }

    /// Rows where the hops entering `n` arrive, top to bottom in the order
    /// of their sources, so they do not cross beside the box.
    fn assign_entries(&mut self, n: usize) {
        let mut entering: Vec<usize> = (0..self.hops.len())
            .filter(|&h| self.hops[h].to == n)
            .collect();
        entering.sort_by_key(|&h| (self.nodes[self.hops[h].from].y, h));
        let y = self.nodes[n].y;
        for (row, h) in entering.into_iter().enumerate() {
            let exit = self.nodes[self.hops[h].from].y;
            let hop = &mut self.hops[h];
            hop.exit = exit;
            hop.entry = match self.nodes[n].kind {
                NodeKind::Stage(_) => y + row,
                _ => y,
            };
        }
    }

    /// The vertical lane each node leaving `layer` turns in. Nodes whose
    /// rows do not overlap share a lane; a node whose edges all run straight
    /// needs none. A node whose row another node's edge turns into keeps its
    /// lane left of that one, so the two lines never run together.
    fn lanes(&self, layer: usize) -> (HashMap<usize, usize>, usize) {
        let leaving: Vec<&Hop> = self
            .hops
            .iter()
            .filter(|h| self.nodes[h.from].layer == layer)
            .collect();
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        for hop in &leaving {
            let (lo, hi) = (hop.exit.min(hop.entry), hop.exit.max(hop.entry));
            match spans.iter_mut().find(|s| s.2 == hop.from) {
                Some(s) => {
                    s.0 = s.0.min(lo);
                    s.1 = s.1.max(hi);
                }
                None => spans.push((lo, hi, hop.from)),
            }
        }
        spans.retain(|s| s.0 != s.1);
        // Which nodes' rows each node's edges turn into.
        let blocks = |node: usize| -> Vec<usize> {
            leaving
                .iter()
                .filter(|h| h.from == node && h.exit != h.entry)
                .flat_map(|h| {
                    leaving
                        .iter()
                        .filter(move |o| o.from != node && o.exit == h.entry)
                        .map(|o| o.from)
                })
                .collect()
        };
        spans.sort();
        let mut ends: Vec<usize> = Vec::new();
        let mut lanes: HashMap<usize, usize> = HashMap::new();
        while !spans.is_empty() {
            // The first node all of whose blockers have lanes; in a cycle, the highest.
            let waiting = |node: usize| {
                blocks(node)
                    .iter()
                    .any(|b| !lanes.contains_key(b) && spans.iter().any(|s| s.2 == *b))
            };
            let next = spans.iter().position(|s| !waiting(s.2)).unwrap_or(0);
            let (lo, hi, node) = spans.remove(next);
            let least = blocks(node)
                .iter()
                .filter_map(|other| lanes.get(other))
                .map(|&l| l + 1)
                .max()
                .unwrap_or(0);
            let free = (least..ends.len()).find(|&l| ends[l] < lo);
            let lane = match free {
                Some(l) => l,
                None => {
                    ends.push(0);
                    ends.len() - 1
                }
            };
            ends[lane] = ends[lane].max(hi);
            lanes.insert(node, lane);
        }
        let count = ends.len();
        (lanes, count)
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

/// Drops points that lie on a straight run, and repeats.
fn simplify(points: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out.as_slice() {
            let straight = (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1);
            if straight {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
#[path = "stage_graph_tests.rs"]
mod tests;
