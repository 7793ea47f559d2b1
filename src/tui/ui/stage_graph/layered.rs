//! The layered drawing itself: which column and row each image, stage and
//! pass-through takes, which lane each line turns in, and the lines' corners.

use std::collections::HashMap;

use super::short_name::abbreviate;
use super::{
    Card, EdgePath, GraphLayout, IMAGE_WIDEST, ImageLabel, NAME_LIMIT, Shape, StageBox,
    drawn_edges, label, stage_layers,
};
use crate::dockerfile::{EdgeKind, Source, StageGraph, StageIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Image,
    Stage(StageIndex),
    /// A long edge's way through a column it does not stop in.
    PassThrough,
}

/// Anything that takes a place in a column.
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

/// A drawing in the making: its nodes (images, stages, pass-throughs) and
/// the hops between neighbouring columns, before rows and x are known.
pub(super) struct Plan {
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
    pub(super) fn new(
        graph: &StageGraph,
        cards: &[Card],
        image_cap: Option<usize>,
        brief: bool,
    ) -> Plan {
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
    pub(super) fn place(mut self) -> GraphLayout {
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
