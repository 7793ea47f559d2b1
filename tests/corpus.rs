//! Properties that must hold over every Dockerfile in tests/corpus: the
//! parse is lossless, and every toggle edit is minimal, reversible,
//! idempotent and leaves a file that parses as cleanly as before.

mod support;

use std::collections::BTreeMap;

use support::corpus;

use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use dockstage::dockerfile::{Dockerfile, StageGraph, apply_edits, lint::lint, parse};

/// Parse and graph diagnostics by rule, to compare before and after an edit.
fn problems(df: &Dockerfile) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    let graph = StageGraph::new(df);
    for d in df.diagnostics.iter().chain(graph.diagnostics.iter()) {
        *out.entry(d.rule.as_str()).or_default() += 1;
    }
    out
}

#[test]
fn every_file_round_trips_byte_for_byte() {
    for (name, text) in corpus() {
        let df = parse(&text);
        assert_eq!(df.print(), text, "{name}");
        let mut at = 0;
        for item in &df.items {
            assert_eq!(
                item.span.start, at,
                "{name}: gap or overlap before byte {at}"
            );
            at = item.span.end;
        }
        assert_eq!(at, text.len(), "{name}: items stop before the end");
    }
}

#[test]
fn corpus_covers_the_syntax_points() {
    let all = corpus();
    let any = |f: &dyn Fn(&str, &Dockerfile) -> bool| all.iter().any(|(_, t)| f(t, &parse(t)));
    let checks: [(&str, bool); 12] = [
        (
            "two heredocs on one line",
            any(&|_, d| d.instructions().any(|i| i.heredocs.len() >= 2)),
        ),
        (
            "<<- heredoc",
            any(&|_, d| {
                d.instructions()
                    .any(|i| i.heredocs.iter().any(|h| h.strip_tabs))
            }),
        ),
        (
            "quoted heredoc",
            any(&|_, d| {
                d.instructions()
                    .any(|i| i.heredocs.iter().any(|h| h.quoted))
            }),
        ),
        ("backtick escape", any(&|_, d| d.escape == '`')),
        ("CRLF", any(&|t, _| t.contains("\r\n"))),
        ("BOM", any(&|t, _| t.starts_with('\u{feff}'))),
        ("no final newline", any(&|t, _| !t.ends_with('\n'))),
        (
            "ONBUILD",
            any(&|_, d| d.instructions().any(|i| i.trigger.is_some())),
        ),
        (
            "unknown instruction",
            any(&|_, d| d.diagnostics.iter().any(|x| x.rule == "UnknownInstruction")),
        ),
        ("numeric --from", any(&|t, _| t.contains("--from=0"))),
        (
            "FROM --platform",
            any(&|t, _| t.contains("FROM --platform")),
        ),
        (
            "${V:-default} in FROM",
            any(&|t, _| t.lines().any(|l| l.starts_with("FROM") && l.contains(":-"))),
        ),
    ];
    for (what, found) in checks {
        assert!(found, "no corpus file has {what}");
    }
    for kind in ["cache", "bind", "secret", "ssh", "tmpfs"] {
        assert!(
            any(&|t, _| t.contains(&format!("--mount=type={kind}"))),
            "no mount type={kind}"
        );
    }
}

/// Whether `needles` appear in `hay` in order (not necessarily adjacent).
fn is_subsequence(needles: &[&str], hay: &[&str]) -> bool {
    let mut it = hay.iter();
    needles.iter().all(|n| it.any(|h| h == n))
}

#[test]
fn toggles_are_reversible_idempotent_and_minimal() {
    let catalog = Catalog::bundled();
    let mut applied = 0;
    let mut exact_after_off = 0;
    for (name, text) in corpus() {
        let df = parse(&text);
        let ctx = Context::new(&df, catalog);
        let before = problems(&df);
        for toggle in Toggle::ALL {
            let Ok(on) = ctx.state(toggle) else { continue };
            let flip = Change::Set(toggle, !on);
            let edits = match ctx.plan(&flip) {
                Ok(e) => e,
                Err(e) => panic!("{name}: {flip}: {e}"),
            };
            let changed = apply_edits(&text, &edits);
            applied += 1;
            let back = apply_changes(&changed, &[Change::Set(toggle, on)], catalog);
            // Turning off what the user wrote and on again gives their exact
            // words back (kept in a comment while the toggle is off), and
            // turning on what they did not have and off again removes ours.
            assert_eq!(
                back.as_deref(),
                Ok(text.as_str()),
                "{name}: {flip} then back"
            );
            // What the user wrote themselves: a toggle they had on, or their
            // user by name, which nonroot=on rewrites to the uid.
            if on || ctx.note(toggle).is_some() {
                exact_after_off += 1;
            }
            let twice = apply_changes(&changed, std::slice::from_ref(&flip), catalog);
            assert_eq!(
                twice.as_deref(),
                Ok(changed.as_str()),
                "{name}: {flip} twice"
            );
            let same = apply_changes(&text, &[Change::Set(toggle, on)], catalog);
            assert_eq!(
                same.as_deref(),
                Ok(text.as_str()),
                "{name}: {toggle} to its own state"
            );
            // Only lines that hold an edit change.
            let lines = df.lines.clone();
            let touched: Vec<usize> = edits
                .iter()
                .flat_map(|e| {
                    let first = lines.position(&text, e.span.start).line - 1;
                    let last = lines
                        .position(&text, e.span.end.saturating_sub(1).max(e.span.start))
                        .line
                        - 1;
                    first..=last
                })
                .collect();
            let untouched: Vec<&str> = text
                .split_inclusive('\n')
                .enumerate()
                .filter(|(i, _)| !touched.iter().any(|t| t.abs_diff(*i) <= 1))
                .map(|(_, l)| l)
                .collect();
            let new_lines: Vec<&str> = changed.split_inclusive('\n').collect();
            assert!(
                is_subsequence(&untouched, &new_lines),
                "{name}: {flip} changed a line no edit touches:\n{changed}"
            );
            let after = problems(&parse(&changed));
            for (rule, n) in &after {
                assert!(
                    before.get(rule).copied().unwrap_or(0) >= *n,
                    "{name}: {flip} added a {rule} diagnostic:\n{changed}"
                );
            }
        }
    }
    assert!(
        applied > 100,
        "only {applied} toggle flips applied over the corpus"
    );
    println!(
        "{applied} flips, each reversed byte for byte; {exact_after_off} of them changed what the \
         user wrote (a toggle they had on, or a user by name) and gave it back byte for byte"
    );
}

#[test]
fn base_switches_are_idempotent_and_parse_cleanly() {
    let catalog = Catalog::bundled();
    for (name, text) in corpus() {
        let before = problems(&parse(&text));
        for key in catalog.keys() {
            let change = Change::Base(key.to_string());
            let Ok(once) = apply_changes(&text, std::slice::from_ref(&change), catalog) else {
                continue;
            };
            let twice = apply_changes(&once, std::slice::from_ref(&change), catalog);
            assert_eq!(
                twice.as_deref(),
                Ok(once.as_str()),
                "{name}: {change} twice"
            );
            let after = problems(&parse(&once));
            for (rule, n) in &after {
                assert!(
                    before.get(rule).copied().unwrap_or(0) >= *n,
                    "{name}: {change} added {rule}"
                );
            }
        }
    }
}

#[test]
fn lint_and_graph_run_on_every_file() {
    let catalog = Catalog::bundled();
    let mut findings = 0;
    for (name, text) in corpus() {
        let df = parse(&text);
        let graph = StageGraph::new(&df);
        assert!(!graph.stages.is_empty(), "{name}: no stages");
        let found = lint(&df, catalog, None);
        for d in &found {
            assert!(
                d.line >= 1 && d.line <= df.lines.line_count(),
                "{name}: {d:?}"
            );
        }
        findings += found.len();
    }
    assert!(findings > 0);
}

/// Every explanation that names a toggle makes a real edit on every file in
/// the situation it explains: the hint `--set nonroot=on` for "unable to
/// find user nonroot" used to be a no-op, because a user given by name
/// already counted as nonroot on.
#[test]
fn every_hint_that_names_a_toggle_changes_the_file() {
    use dockstage::workbench::causes::CAUSES;
    let catalog = Catalog::bundled();
    let mut checked = 0;
    for (name, text) in corpus() {
        let df = parse(&text);
        let ctx = Context::new(&df, catalog);
        for cause in CAUSES {
            let Some((toggle, on)) = cause.fix else {
                continue;
            };
            // The file is in the situation the cause describes: a user by
            // name for "user not in /etc/passwd", otherwise the toggle set
            // the other way.
            let in_situation = match toggle {
                Toggle::Nonroot => ctx.note(toggle).is_some(),
                _ => ctx.state(toggle) == Ok(!on),
            };
            if !in_situation {
                continue;
            }
            let fixed = apply_changes(&text, &[Change::Set(toggle, on)], catalog)
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", cause.id));
            assert_ne!(
                fixed, text,
                "{name}: {}'s hint {toggle}={on} is a no-op",
                cause.id
            );
            let df = parse(&fixed);
            assert_eq!(
                Context::new(&df, catalog).state(toggle),
                Ok(on),
                "{name}: {} after {toggle}={on}",
                cause.id
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} hints checked");
    println!("{checked} hints that name a toggle, each a real edit");
}
