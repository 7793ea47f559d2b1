//! Tests of the Stages pane's layout, kept apart so the module reads as one concept.

use super::*;
use crate::dockerfile::parse;

fn cards(g: &StageGraph) -> Vec<Card> {
    g.stages
        .iter()
        .map(|s| Card {
            title: s.display_name(),
            detail: "✓ done".into(),
            short: "✓".into(),
        })
        .collect()
}

/// The box of stage `i`; a test fails without it.
fn boxed(l: &GraphLayout, i: usize) -> &StageBox {
    match l.stage_box(StageIndex(i)) {
        Some(b) => b,
        None => panic!("no box for stage {i}: {l:?}"),
    }
}

fn laid_out(text: &str, room: usize) -> (StageGraph, GraphLayout) {
    let g = StageGraph::new(&parse(text));
    let l = layout(&g, &cards(&g), room);
    (g, l)
}

const TWO: &str = "FROM golang:1.24 AS builder\nRUN go build -o /app .\nFROM scratch\nCOPY --from=builder /app /app\n";

#[test]
fn builder_and_runtime_read_left_to_right() {
    let (_, l) = laid_out(TWO, 78);
    assert_eq!(l.shape, Shape::Graph);
    let builder = boxed(&l, 0);
    let runtime = boxed(&l, 1);
    assert!(builder.x + builder.width < runtime.x);
    let images: Vec<&str> = l.images.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(images, ["golang:1.24", "scratch"]);
    assert!(l.images.iter().all(|i| i.x + i.text.len() <= builder.x));
    let kinds: Vec<EdgeKind> = l.edges.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EdgeKind::From, EdgeKind::From, EdgeKind::Copy]);
}

#[test]
fn a_stage_sits_one_column_past_its_deepest_dependency() {
    let text = "FROM golang:1.24 AS base\nFROM base AS deps\nFROM deps AS build\n\
                FROM alpine AS tools\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=tools /t /t\n";
    let (_, l) = laid_out(text, 200);
    let x = |i: usize| l.stage_box(StageIndex(i)).map(|b| b.x);
    assert!(x(0) < x(1) && x(1) < x(2) && x(2) < x(4));
    // tools rests only on an image: it is in the first stage column.
    assert_eq!(x(3), x(0));
}

#[test]
fn the_target_is_in_the_last_column_even_when_an_unused_stage_is_deeper() {
    let text = "FROM golang:1.24 AS build\nFROM build AS test\nFROM test AS dev\n\
                FROM scratch AS runtime\nCOPY --from=build /a /a\nFROM build AS later\n";
    let g = StageGraph::with_target(&parse(text), Some("runtime"));
    let l = layout(&g, &cards(&g), 200);
    let runtime = boxed(&l, 3);
    let dev = boxed(&l, 2);
    assert!(dev.x <= runtime.x);
    assert!(l.boxes.iter().all(|b| b.x <= runtime.x));
}

#[test]
fn a_long_edge_never_runs_through_a_box() {
    let text = "FROM golang:1.24 AS a\nFROM a AS b\nFROM b AS c\nFROM gcr.io/distroless/static-debian12\n\
                COPY --from=c /x /x\nCOPY --from=a /y /y\n";
    let (_, l) = laid_out(text, 200);
    for edge in &l.edges {
        for pair in edge.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            for bx in &l.boxes {
                let xs = a.0.min(b.0)..=a.0.max(b.0);
                let ys = a.1.min(b.1)..=a.1.max(b.1);
                let inside = (bx.x..bx.x + bx.width).any(|x| xs.contains(&x))
                    && (bx.y..bx.y + bx.height).any(|y| ys.contains(&y));
                assert!(!inside, "{edge:?} runs through {bx:?}");
            }
        }
    }
}

#[test]
fn every_edge_ends_beside_the_box_it_enters() {
    let text = "FROM golang:1.24 AS a\nFROM alpine AS b\nRUN --mount=type=cache,from=a,target=/c true\n\
                FROM scratch\nCOPY --from=b /x /x\nCOPY --from=golangci/golangci-lint:v1.59.1 /g /g\n";
    let (_, l) = laid_out(text, 200);
    assert_eq!(l.edges.len(), 6);
    for edge in &l.edges {
        let b = boxed(&l, edge.to.0);
        let Some(&(x, y)) = edge.points.last() else {
            panic!("{edge:?} has no points");
        };
        assert_eq!(x + 1, b.x, "{edge:?}");
        assert!((b.y..b.y + b.height).contains(&y), "{edge:?} {b:?}");
    }
    let mounts = l.edges.iter().filter(|e| e.label() == "mount").count();
    assert_eq!(mounts, 1);
}

#[test]
fn a_narrow_pane_folds_the_images_into_the_boxes() {
    let (_, l) = laid_out(TWO, 34);
    assert_eq!(l.shape, Shape::Folded);
    assert!(l.images.is_empty());
    assert!(l.width <= 34, "{l:?}");
    let builder = boxed(&l, 0);
    assert_eq!(builder.rows, ["golang:1.24"]);
    assert_eq!(l.edges.len(), 1);
}

#[test]
fn a_pane_too_narrow_for_two_boxes_lists_the_stages_in_build_order() {
    let text = "FROM golang:1.24 AS builder
FROM builder AS dev
                FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /app /app
";
    let (_, l) = laid_out(text, 30);
    assert_eq!(l.shape, Shape::Listed);
    assert!(l.width <= 30 && l.edges.is_empty(), "{l:?}");
    let y = |i: usize| l.stage_box(StageIndex(i)).map(|b| b.y);
    assert!(y(0) < y(1) && y(0) < y(2));
    let runtime = boxed(&l, 2);
    assert_eq!(runtime.rows.len(), 2);
    assert!(runtime.rows[0].starts_with("FROM gcr.io/") && runtime.rows[0].ends_with(":nonroot"));
    assert_eq!(runtime.rows[1], "COPY builder");
}

#[test]
fn image_names_keep_their_tag_when_shortened() {
    assert_eq!(abbreviate("golang:1.24", 20), "golang:1.24");
    assert_eq!(
        abbreviate("golangci/golangci-lint:v1.59.1", 22),
        "golangci/…lint:v1.59.1"
    );
    let short = abbreviate("golangci/golangci-lint:v1.59.1", 15);
    assert_eq!(short.chars().count(), 15);
    assert!(
        short.ends_with(":v1.59.1") && short.starts_with("go"),
        "{short}"
    );
    assert_eq!(abbreviate("golang:1.24-bookworm", 16), "golang:1.24-boo…");
    let port = abbreviate("registry.example.com:5000/team/app", 16);
    assert!(port.starts_with("regi") && port.ends_with("app"), "{port}");
    assert_eq!(abbreviate("anything", 1), "…");
    assert_eq!(abbreviate("anything", 0), "");
}

#[test]
fn a_cycle_is_drawn_without_looping() {
    let text = "FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n";
    let (_, l) = laid_out(text, 200);
    assert_eq!(l.boxes.len(), 2);
}

#[test]
fn a_file_with_no_stage_draws_nothing() {
    let (_, l) = laid_out("# just a comment\nARG GO=1.24\n", 78);
    assert_eq!((l.width, l.height), (0, 0));
    assert!(l.boxes.is_empty() && l.edges.is_empty());
}
