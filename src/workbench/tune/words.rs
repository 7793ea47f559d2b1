//! The search's words: variants named base first, runs in a few words, and
//! how a run differs from the reference.

use std::collections::HashSet;

use super::{Attempt, Proposal};
use crate::catalog::Catalog;
use crate::dockerfile::edit::Change;
use crate::outcome::RunResult;
use crate::workbench::expect::Expectation;

/// "strip and trimpath".
pub(super) fn shrink_names(shrink: &[Change]) -> String {
    let names: Vec<&str> = shrink
        .iter()
        .filter_map(|c| match c {
            Change::Set(t, _) => Some(t.name()),
            Change::Base(_) => None,
        })
        .collect();
    names.join(" and ")
}

impl Attempt {
    /// The variant in the table's words, base first: "scratch, strip, cgo off".
    pub fn summary(&self) -> String {
        summary(&self.base, &self.changes)
    }
}

impl Proposal {
    pub fn summary(&self) -> String {
        summary(&self.base, &self.changes)
    }
}

fn summary(base: &str, changes: &[Change]) -> String {
    let named = changes.iter().any(|c| matches!(c, Change::Base(_)));
    match (changes.is_empty(), named) {
        (true, _) => "as written".into(),
        (false, true) => changes_summary(changes),
        (false, false) => format!("{base}, {}", changes_summary(changes)),
    }
}

/// "base=scratch, strip=on" in the table's words: "scratch, strip, cgo off".
fn changes_summary(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| match c {
            Change::Base(key) => key.clone(),
            Change::Set(t, true) => t.name().to_string(),
            Change::Set(t, false) => format!("{t} off"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn describe_base(text: &str, catalog: &Catalog) -> String {
    crate::workbench::variant::describe(text, catalog).0
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// "exit 0, “Hello World!”" or "healthy".
pub fn run_summary(run: &RunResult) -> String {
    if let Some(health) = &run.health {
        return health.clone();
    }
    if let Some(service) = &run.service {
        return crate::workbench::service::summary(service);
    }
    let code = run.exit_code.map_or("?".into(), |c| c.to_string());
    match run.first_line() {
        "" => format!("exit {code}"),
        line => format!("exit {code}, “{line}”"),
    }
}

/// How a run differs from the reference, in a few words.
pub(super) fn mismatch(
    run: &RunResult,
    reference: Option<&RunResult>,
    expect: &Expectation,
) -> String {
    if run.timed_out {
        // A service's error names the port or the text it waited for.
        return run.error.clone().unwrap_or_else(|| "timed out".into());
    }
    if run.oom_killed {
        return "ran out of memory".into();
    }
    let code = run.exit_code.unwrap_or(-1);
    let failed = || {
        let said = run
            .error
            .as_deref()
            .map(first_line)
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| run.first_line());
        if said.is_empty() {
            format!("exit {code}")
        } else {
            format!("exit {code}: {said}")
        }
    };
    if expect.is_given() {
        if expect.exit.is_some_and(|code| run.exit_code != Some(code)) {
            return failed();
        }
        return match &expect.text {
            Some(text) if !expect.text_found(run) => format!("output lacks “{text}”"),
            _ => failed(),
        };
    }
    let Some(reference) = reference else {
        return failed();
    };
    if reference.health.is_some() {
        return match &run.health {
            Some(h) => format!("the health check says {h}"),
            None => failed(),
        };
    }
    if reference.service.is_some() {
        return crate::workbench::service::mismatch(run, reference)
            .unwrap_or_else(|| "answers the same".into());
    }
    if run.exit_code != reference.exit_code {
        return failed();
    }
    let ours: Vec<&str> = run.stdout.lines().collect();
    let theirs: Vec<&str> = reference.stdout.lines().collect();
    for i in 0..ours.len().max(theirs.len()) {
        let (a, b) = (ours.get(i), theirs.get(i));
        if a != b {
            return format!(
                "prints “{}” where the reference printed “{}”",
                a.copied().unwrap_or("(nothing)"),
                b.copied().unwrap_or("(nothing)")
            );
        }
    }
    "output differs".into()
}

/// The lines of `ours` that the reference's output does not have, in order.
pub(super) fn differing_lines<'t>(ours: &'t str, theirs: &str) -> Vec<&'t str> {
    let theirs: HashSet<&str> = theirs.lines().collect();
    ours.lines().filter(|l| !theirs.contains(l)).collect()
}
