//! `lint --rules` lists every rule id that `lint` and `graph` can report: the
//! corpus and inputs aimed at the parser's and the graph's own findings are
//! run through the real binary, and every id they report must be listed.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use support::{TempTree, corpus_files};

fn dockstage(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The ids `lint --rules` prints: the first word of each indented line.
fn listed() -> BTreeSet<String> {
    let (code, text) = dockstage(&["lint", "--rules"]);
    assert_eq!(code, Some(0), "{text}");
    text.lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn rules_in(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["rule"].as_str().map(str::to_string))
        .collect()
}

/// What `lint` and `graph` report for `file`, by rule id.
fn emitted(file: &Path, target: Option<&str>) -> Vec<String> {
    let file = file.to_string_lossy();
    let (_, lint) = dockstage(&["lint", &file, "--format", "json", "--no-source-scan"]);
    let mut graph_args = vec!["graph", &*file, "--format", "json"];
    if let Some(t) = target {
        graph_args.extend(["--target", t]);
    }
    let (_, graph) = dockstage(&graph_args);
    let mut out = rules_in(&lint);
    out.extend(rules_in(&graph));
    out
}

/// Inputs for findings the corpus may not have, each with the id it must raise.
const AIMED: &[(&str, &str, Option<&str>)] = &[
    (
        "DuplicateDirective",
        "# escape=\\\n# escape=\\\nFROM scratch\nCOPY a /a\n",
        None,
    ),
    (
        "ContinuationAtEnd",
        "FROM golang:1.24\nRUN go build \\\n",
        None,
    ),
    (
        "InvalidOnbuild",
        "FROM golang:1.24\nONBUILD FROM scratch\n",
        None,
    ),
    (
        "UnknownTarget",
        "FROM golang:1.24 AS builder\nRUN go version\n",
        Some("nope"),
    ),
    (
        "OutdatedBase",
        "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM gcr.io/distroless/base-debian10\nCOPY --from=b /a /a\n",
        None,
    ),
];

#[test]
fn every_id_lint_and_graph_report_is_listed() {
    let listed = listed();
    assert!(listed.len() >= 40, "{listed:?}");
    let mut seen = BTreeSet::new();
    for file in corpus_files() {
        for rule in emitted(&file, None) {
            assert!(
                listed.contains(&rule),
                "{}: `{rule}` is reported but not in `lint --rules`",
                file.display()
            );
            seen.insert(rule);
        }
    }
    let dir = TempTree::new("lint-registry", "aimed", &[]);
    for (want, text, target) in AIMED {
        let file = dir.path().join(format!("{want}.Dockerfile"));
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let rules = emitted(&file, *target);
        assert!(
            rules.iter().any(|r| r == want),
            "{want} not raised: {rules:?}"
        );
        for rule in rules {
            assert!(
                listed.contains(&rule),
                "{want}: `{rule}` is reported but not in `lint --rules`"
            );
            seen.insert(rule);
        }
    }
    assert!(seen.len() >= 20, "the inputs reach few rules: {seen:?}");
}

#[test]
fn an_old_but_real_base_is_a_warning_and_lint_passes() {
    let dir = TempTree::new("lint-registry", "outdated", &[]);
    let file = dir.path().join("Dockerfile");
    std::fs::write(
        &file,
        "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\n\
         FROM gcr.io/distroless/base-debian10\nUSER nonroot:nonroot\n\
         COPY --from=b /a /a\nENTRYPOINT [\"/a\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, text) = dockstage(&["lint", &file.to_string_lossy()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("warning[OutdatedBase]"), "{text}");
    assert!(text.contains("base-debian12"), "{text}");
    assert!(!text.contains("MisspeltBase"), "{text}");
}
