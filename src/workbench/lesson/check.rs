//! What a lesson step waits for, as data a lesson folder writes in TOML, and
//! the one function that tells whether the workbench shows it. A step is
//! done when its checks hold, never by a key press, so a learner cannot skip
//! what the step is there to show.

use std::collections::HashMap;

use serde::Deserialize;

use crate::dockerfile::{Diagnostic, StageGraph, parse};
use crate::outcome::{RunResult, StepState};

/// One thing the workbench must show. `kind` names it in lesson.toml:
/// `check = { kind = "size_under", size = "5 MB" }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The last build made an image, on `base` (a catalog key) when given.
    Built { base: Option<String> },
    /// The last build stopped with an error whose text holds `output`.
    BuildFailed { output: Option<String> },
    /// The last build's final image is smaller than `size` ("5 MB").
    SizeUnder { size: String },
    /// The last build's final image is at least `size`.
    SizeOver { size: String },
    /// The last run worked, and printed `output` when given.
    RunOk { output: Option<String> },
    /// The last run failed, saying `output` when given (its output, or the
    /// daemon's reason it could not start the program).
    RunFailed { output: Option<String> },
    /// Lint reports `rule`, on `line` when given.
    Lint { rule: String, line: Option<usize> },
    /// Lint does not report `rule` anywhere.
    LintClean { rule: String },
    /// The stage graph has a stage the target does not need (`stage`, when given).
    UnusedStage { stage: Option<String> },
    /// In the last build, the step whose instruction holds `instruction`
    /// was taken from the cache (`cached`), ran (`ran`), or either (`built`).
    Step {
        instruction: String,
        state: StepSeen,
    },
    /// The last build ran no step of `stage`: BuildKit skipped it.
    StageSkipped { stage: String },
    /// The last build was of `stage` (`--target`), not the last stage.
    Target { stage: String },
    /// The variants table holds at least `at_least` builds.
    Variants { at_least: usize },
    /// The Dockerfile in the editor holds `contains`.
    Text { contains: String },
    /// The Dockerfile in the editor does not hold `lacks`.
    TextLacks { lacks: String },
}

/// How a step of the last build went, as a check asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepSeen {
    Cached,
    Ran,
    /// Part of the build, from the cache or run: BuildKit did not skip it.
    Built,
}

/// The workbench's state, as the checks read it: what a learner sees on the
/// screen, gathered by the front end.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The Dockerfile in the editor.
    pub text: &'a str,
    /// The editor text's stage graph and lint findings, when analysed.
    pub graph: Option<&'a StageGraph>,
    pub diagnostics: &'a [Diagnostic],
    pub variants: usize,
    /// The last build that ended since the step began; `None` before one.
    pub last: Option<LastBuild<'a>>,
}

/// A finished build, ok or not.
#[derive(Debug, Clone, Copy)]
pub struct LastBuild<'a> {
    /// The text that was built; line numbers in `steps` are its lines.
    pub dockerfile: &'a str,
    /// The runtime base's catalog key, when it is one.
    pub base: Option<&'a str>,
    /// The stage built with `--target`, when not the last.
    pub target: Option<&'a str>,
    pub size_bytes: Option<u64>,
    /// Why the build failed; `None` when it made an image.
    pub failure: Option<&'a str>,
    pub steps: &'a HashMap<usize, StepState>,
    pub run: Option<&'a RunResult>,
}

/// Why a check cannot be read, found when the lesson is loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("`size = {0:?}` is not a size; write it as \"5 MB\", \"1.2 GB\" or a byte count")]
    Size(String),
    #[error("`rule = {0:?}` is not a rule id; `dockstage lint --rules` lists them")]
    Rule(String),
}

impl Check {
    /// Finds what would make the check unreadable at load time, so a typo in
    /// lesson.toml is reported by file and field rather than never passing.
    pub fn validate(&self) -> Result<(), CheckError> {
        match self {
            Check::SizeUnder { size } | Check::SizeOver { size } => crate::human::parse_bytes(size)
                .map(|_| ())
                .ok_or_else(|| CheckError::Size(size.clone())),
            Check::Lint { rule, .. } | Check::LintClean { rule } => {
                if crate::dockerfile::rules::RuleId::ALL
                    .iter()
                    .any(|r| r.as_str() == rule)
                {
                    Ok(())
                } else {
                    Err(CheckError::Rule(rule.clone()))
                }
            }
            _ => Ok(()),
        }
    }

    /// Whether the workbench shows what this check waits for.
    pub fn holds(&self, seen: &Observed) -> bool {
        match self {
            Check::Built { base } => seen.last.is_some_and(|b| {
                b.failure.is_none() && base.as_deref().is_none_or(|want| b.base == Some(want))
            }),
            Check::BuildFailed { output } => seen
                .last
                .and_then(|b| b.failure)
                .is_some_and(|message| output.as_deref().is_none_or(|o| message.contains(o))),
            Check::SizeUnder { size } => size_is(seen, size, |have, limit| have < limit),
            Check::SizeOver { size } => size_is(seen, size, |have, limit| have >= limit),
            Check::RunOk { output } => run(seen)
                .is_some_and(|r| r.ok() && output.as_deref().is_none_or(|o| said(r).contains(o))),
            Check::RunFailed { output } => run(seen)
                .is_some_and(|r| !r.ok() && output.as_deref().is_none_or(|o| said(r).contains(o))),
            Check::Lint { rule, line } => seen
                .diagnostics
                .iter()
                .any(|d| d.rule == rule.as_str() && line.is_none_or(|l| d.line == l)),
            Check::LintClean { rule } => {
                seen.graph.is_some() && !seen.diagnostics.iter().any(|d| d.rule == rule.as_str())
            }
            Check::UnusedStage { stage } => seen.graph.is_some_and(|g| {
                g.unused.iter().any(|i| {
                    stage.as_deref().is_none_or(|want| {
                        g.stages
                            .get(i.0)
                            .and_then(|s| s.name.as_deref())
                            .is_some_and(|n| n.eq_ignore_ascii_case(want))
                    })
                })
            }),
            Check::Step { instruction, state } => seen.last.is_some_and(|b| {
                let lines = instruction_lines(b.dockerfile, instruction);
                !lines.is_empty()
                    && lines.iter().all(|l| {
                        matches!(
                            (b.steps.get(l), state),
                            (Some(StepState::Cached), StepSeen::Cached)
                                | (Some(StepState::Done), StepSeen::Ran)
                                | (Some(StepState::Cached | StepState::Done), StepSeen::Built)
                        )
                    })
            }),
            Check::StageSkipped { stage } => seen.last.is_some_and(|b| {
                b.failure.is_none()
                    && stage_lines(b.dockerfile, stage)
                        .is_some_and(|lines| lines.iter().all(|l| !b.steps.contains_key(l)))
            }),
            Check::Target { stage } => seen.last.is_some_and(|b| {
                b.failure.is_none() && b.target.is_some_and(|t| t.eq_ignore_ascii_case(stage))
            }),
            Check::Variants { at_least } => seen.variants >= *at_least,
            Check::Text { contains } => seen.text.contains(contains.as_str()),
            Check::TextLacks { lacks } => !seen.text.contains(lacks.as_str()),
        }
    }
}

fn run<'a>(seen: &Observed<'a>) -> Option<&'a RunResult> {
    seen.last.filter(|b| b.failure.is_none())?.run
}

/// Everything a run said: its output and the daemon's reason.
fn said(run: &RunResult) -> String {
    [
        run.stdout.as_str(),
        run.stderr.as_str(),
        run.error.as_deref().unwrap_or(""),
    ]
    .join("\n")
}

fn size_is(seen: &Observed, size: &str, cmp: impl Fn(u64, u64) -> bool) -> bool {
    let Some(limit) = crate::human::parse_bytes(size) else {
        return false;
    };
    seen.last
        .filter(|b| b.failure.is_none())
        .and_then(|b| b.size_bytes)
        .is_some_and(|have| cmp(have, limit))
}

/// The 1-based lines of `dockerfile` whose instruction holds `needle`.
fn instruction_lines(dockerfile: &str, needle: &str) -> Vec<usize> {
    parse(dockerfile)
        .instructions()
        .filter(|i| i.logical_text().contains(needle))
        .map(|i| i.line)
        .collect()
}

/// The 1-based lines of the instructions of the stage named `stage`.
fn stage_lines(dockerfile: &str, stage: &str) -> Option<Vec<usize>> {
    let df = parse(dockerfile);
    let graph = StageGraph::new(&df);
    let found = graph.stages.iter().position(|s| {
        s.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(stage))
    })?;
    let stage = graph.stages.get(found)?;
    Some(
        df.items
            .get(stage.from_item..stage.end_item)
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| match &i.kind {
                crate::dockerfile::ItemKind::Instruction(ins) => Some(ins.line),
                _ => None,
            })
            .collect(),
    )
}
