//! One typed stream of build progress for both builders, with every step
//! mapped back to its Dockerfile line and stage.
//!
//! Neither builder reports line numbers: BuildKit names vertices
//! `[builder 4/4] RUN go build …` and the legacy builder prints
//! `Step 4/7 : RUN go build …`. The mapper matches those names against the
//! core's parse of the exact Dockerfile that was sent.

use serde::Serialize;

use crate::dockerfile::logical::normalize;
use crate::dockerfile::syntax::{Dockerfile, Instruction, ItemKind, Keyword};
use crate::dockerfile::{StageGraph, StageIndex};

pub use crate::outcome::{FailedStep, Step, StepState};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum BuildEvent {
    /// A step changed state.
    Step { step: Step, state: StepState },
    /// Output of a step (RUN's stdout and stderr), one line at a time.
    Log { step: Option<Step>, text: String },
    /// A message from the builder that belongs to no step.
    Note { text: String },
    /// The image the build produced.
    Image { id: String },
}

/// Finds the Dockerfile line a builder's step name refers to.
pub struct StepMapper {
    /// Per stage: display name (lower case) and its instructions with lines.
    stages: Vec<(String, Vec<(usize, String)>)>,
    /// Per stage: the image it finally rests on, following `FROM stage`.
    bases: Vec<Option<String>>,
    /// Every instruction in file order, as the legacy builder numbers them.
    all: Vec<(usize, Option<StageIndex>, String)>,
}

fn instruction_text(ins: &Instruction) -> String {
    normalize(ins.logical_text())
}

impl StepMapper {
    pub fn new(df: &Dockerfile, graph: &StageGraph) -> Self {
        let mut stages = Vec::new();
        let bases = graph
            .stages
            .iter()
            .map(|s| {
                graph
                    .root_stage(s.index)
                    .map(|root| root.base.clone())
                    .filter(|b| !b.is_empty())
            })
            .collect();
        for stage in &graph.stages {
            let list = df
                .items
                .get(stage.from_item..stage.end_item)
                .unwrap_or(&[])
                .iter()
                .filter_map(|item| match &item.kind {
                    ItemKind::Instruction(ins) => Some((ins.line, instruction_text(ins))),
                    _ => None,
                })
                .collect();
            stages.push((stage.display_name().to_ascii_lowercase(), list));
        }
        let mut all = Vec::new();
        for (i, item) in df.items.iter().enumerate() {
            if let ItemKind::Instruction(ins) = &item.kind {
                let stage = graph.stage_of_item(i).map(|s| s.index);
                all.push((ins.line, stage, instruction_text(ins)));
            }
        }
        Self { stages, bases, all }
    }

    /// The image stage `stage` rests on, as written after its root `FROM`.
    pub fn base(&self, stage: StageIndex) -> Option<&str> {
        self.bases.get(stage.0)?.as_deref()
    }

    /// Maps a BuildKit vertex name such as `[builder 4/4] RUN go build -o /app .`.
    pub fn buildkit(&self, vertex_name: &str) -> Step {
        let mut step = Step {
            name: vertex_name.to_string(),
            line: None,
            stage: None,
        };
        let Some(rest) = vertex_name.strip_prefix('[') else {
            return step;
        };
        let Some((label, text)) = rest.split_once("] ") else {
            return step;
        };
        // A file with one stage gets bare `[2/3]` labels.
        let index = match label.rsplit_once(' ') {
            Some((name, _)) => {
                let name = name.to_ascii_lowercase();
                self.stages.iter().position(|(n, _)| *n == name)
            }
            None if label.contains('/') && self.stages.len() == 1 => Some(0),
            None => None,
        };
        let Some(index) = index else {
            return step;
        };
        step.stage = Some(StageIndex(index));
        let wanted = normalize(text);
        let instructions = &self.stages[index].1;
        let from_line = instructions.first().map(|(l, _)| *l);
        step.line = if wanted.starts_with("FROM ") {
            from_line
        } else {
            best_match(instructions.iter().map(|(l, t)| (*l, t.as_str())), &wanted)
        };
        step
    }

    /// The line of the RUN a failure message quotes, such as BuildKit's
    /// `executor failed running [/bin/sh -c go build …]: exit code: 2`.
    pub fn failed_run(&self, message: &str) -> Option<usize> {
        let start = message.find("[/bin/sh -c ")? + "[/bin/sh -c ".len();
        let rest = message.get(start..)?;
        let end = rest.rfind("]:").unwrap_or(rest.len());
        let command = normalize(&format!("RUN {}", rest.get(..end)?));
        self.all
            .iter()
            .filter(|(_, _, t)| t.starts_with("RUN "))
            .find(|(_, _, t)| {
                same_instruction(t, &command) || t.ends_with(command.trim_start_matches("RUN "))
            })
            .map(|(l, _, _)| *l)
    }

    /// The stage the instruction at `line` belongs to.
    pub fn stage_of_line(&self, line: usize) -> Option<StageIndex> {
        self.all.iter().find(|(l, _, _)| *l == line)?.1
    }

    /// Maps a legacy builder line `Step 4/7 : RUN go build -o /app .`.
    pub fn legacy(&self, step_line: &str) -> Option<Step> {
        let rest = step_line.trim().strip_prefix("Step ")?;
        let (counter, text) = rest.split_once(" : ")?;
        let n: usize = counter.split('/').next()?.trim().parse().ok()?;
        let wanted = normalize(text);
        let by_number = self.all.get(n.checked_sub(1)?);
        let found = match by_number {
            Some((line, stage, t)) if same_instruction(t, &wanted) => Some((*line, *stage)),
            _ => self
                .all
                .iter()
                .find(|(_, _, t)| same_instruction(t, &wanted))
                .map(|(l, s, _)| (*l, *s)),
        };
        Some(Step {
            name: step_line.trim().to_string(),
            line: found.map(|(l, _)| l),
            stage: found.and_then(|(_, s)| s),
        })
    }
}

/// Builders shorten long commands and expand variables in names, so compare
/// exactly first, then by prefix.
fn same_instruction(ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    let theirs = theirs.trim_end_matches("...").trim_end();
    theirs.len() >= 8 && ours.starts_with(theirs)
}

fn best_match<'a>(
    candidates: impl Iterator<Item = (usize, &'a str)>,
    wanted: &str,
) -> Option<usize> {
    let mut prefix = None;
    for (line, text) in candidates {
        if text == wanted {
            return Some(line);
        }
        if prefix.is_none() && same_instruction(text, wanted) {
            prefix = Some(line);
        }
    }
    prefix
}

/// Whether a keyword makes the legacy builder run a container or copy files.
pub fn produces_layer(keyword: Keyword) -> bool {
    matches!(keyword, Keyword::Run | Keyword::Copy | Keyword::Add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    const HELLO: &str = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN go build \\\n    -o /hello .\n\nFROM scratch\nCOPY --from=builder /hello /hello\nENTRYPOINT [\"/hello\"]\n";

    fn mapper() -> StepMapper {
        let df = parse(HELLO);
        let graph = StageGraph::new(&df);
        StepMapper::new(&df, &graph)
    }

    #[test]
    fn buildkit_vertex_names_map_to_lines_and_stages() {
        let m = mapper();
        let s = m.buildkit("[builder 5/5] RUN go build     -o /hello .");
        assert_eq!((s.line, s.stage), (Some(6), Some(StageIndex(0))));
        let s = m.buildkit("[stage-1 1/1] COPY --from=builder /hello /hello");
        assert_eq!((s.line, s.stage), (Some(10), Some(StageIndex(1))));
        let s = m.buildkit("[builder 1/5] FROM docker.io/library/golang:1.24");
        assert_eq!(s.line, Some(1));
        let s = m.buildkit("[internal] load metadata for docker.io/library/golang:1.24");
        assert_eq!((s.line, s.stage), (None, None));
    }

    #[test]
    fn legacy_steps_count_every_instruction() {
        let m = mapper();
        let s = m.legacy("Step 7/9 : FROM scratch");
        assert_eq!(
            s.map(|s| (s.line, s.stage)),
            Some((Some(9), Some(StageIndex(1))))
        );
        let s = m.legacy("Step 6/9 : RUN go build     -o /hello .");
        assert_eq!(s.and_then(|s| s.line), Some(6));
        assert!(m.legacy(" ---> Using cache").is_none());
    }

    #[test]
    fn single_stage_labels_and_failure_messages_map_to_lines() {
        let df = parse("FROM busybox\nRUN echo ok\nRUN echo about to fail && exit 3\n");
        let m = StepMapper::new(&df, &StageGraph::new(&df));
        assert_eq!(
            m.buildkit("[3/3] RUN echo about to fail && exit 3").line,
            Some(3)
        );
        let msg = "executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3";
        assert_eq!(m.failed_run(msg), Some(3));
    }
}
