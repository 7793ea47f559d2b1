//! Tests of `graph`, kept apart so the module reads as one concept.

use super::*;
use crate::dockerfile::parse;

const MULTI: &str = "\
ARG GO_VERSION=1.24
FROM golang:${GO_VERSION:-1.23} AS builder
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .
FROM builder AS test
RUN go test ./...
FROM alpine:3.20 AS assets
FROM scratch
COPY --from=builder /app /app
COPY --from=2 /etc/ssl/certs /etc/ssl/certs
RUN --mount=type=bind,from=assets,target=/a true
";

#[test]
fn stages_bases_and_names() {
    let g = StageGraph::new(&parse(MULTI));
    let bases: Vec<_> = g.stages.iter().map(|s| s.base.as_str()).collect();
    assert_eq!(bases, ["golang:1.24", "builder", "alpine:3.20", "scratch"]);
    assert_eq!(g.stages[1].base_stage, Some(StageIndex(0)));
    assert_eq!(g.stages[0].name.as_deref(), Some("builder"));
    assert_eq!(g.stages[3].line, 7);
}

#[test]
fn edges_cover_from_copy_and_mount() {
    let g = StageGraph::new(&parse(MULTI));
    let into_last: Vec<_> = g
        .edges
        .iter()
        .filter(|e| e.to == StageIndex(3))
        .map(|e| (e.from.clone(), e.kind))
        .collect();
    assert_eq!(
        into_last,
        [
            (Source::Image("scratch".into()), EdgeKind::From),
            (Source::Stage(StageIndex(0)), EdgeKind::Copy),
            (Source::Stage(StageIndex(2)), EdgeKind::Copy),
            (Source::Stage(StageIndex(2)), EdgeKind::Mount),
        ]
    );
}

#[test]
fn target_and_unused_stages() {
    let df = parse(MULTI);
    let g = StageGraph::new(&df);
    assert_eq!(g.target, Some(StageIndex(3)));
    assert_eq!(g.unused, vec![StageIndex(1)]);
    let t = StageGraph::with_target(&df, Some("TEST"));
    assert_eq!(t.target, Some(StageIndex(1)));
    assert_eq!(t.unused, vec![StageIndex(2), StageIndex(3)]);
}

#[test]
fn unknown_stage_is_a_diagnostic_with_a_suggestion() {
    let g = StageGraph::new(&parse(
        "FROM a AS builder\nFROM b\nCOPY --from=biulder /x /x\n",
    ));
    let d = g.diagnostics.iter().find(|d| d.rule == "UnknownStage");
    assert!(d.is_some_and(|d| d.severity == Severity::Error
        && d.message.contains("builder")
        && d.line == 3));
}

#[test]
fn forward_copy_references_can_form_a_cycle() {
    let src = "FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\nCOPY --from=one /y /y\n";
    let g = StageGraph::new(&parse(src));
    assert!(g.diagnostics.iter().any(|d| d.rule == "StageCycle"));
}

#[test]
fn numeric_reference_to_self_is_an_error() {
    let g = StageGraph::new(&parse("FROM a\nCOPY --from=0 /x /x\n"));
    assert!(g.diagnostics.iter().any(|d| d.rule == "StageReference"));
}

#[test]
fn undefined_arg_in_from() {
    let g = StageGraph::new(&parse("FROM golang:${GO}\n"));
    assert!(g.diagnostics.iter().any(|d| d.rule == "UndefinedArgInFrom"));
    let ok = StageGraph::new(&parse("FROM --platform=$BUILDPLATFORM golang:1.24\n"));
    assert!(ok.diagnostics.is_empty());
}
