//! Where a build stands while its events arrive: each step's state, its
//! output (whole lines, kept per step) and every step that failed, so a
//! failure can be blamed on the step the builder's error is about and
//! explained from that step's own output.

use std::collections::{HashMap, VecDeque};

use bollard::moby::buildkit::v1::StatusResponse;
use bollard::models::{BuildInfo, BuildInfoAux};

use super::build::BuilderKind;
use super::events::{BuildEvent, FailedStep, Step, StepMapper, StepState};

/// Output lines kept per step, and of the whole build: plenty for a
/// compiler's errors, without growing with a long build.
const LOG_KEEP: usize = 400;

/// Where a build stands, carried across events.
#[derive(Default)]
pub(super) struct Progress {
    /// BuildKit: vertex digest → (step, last state sent).
    vertices: HashMap<String, (Step, Option<StepState>)>,
    /// BuildKit: output of a vertex not yet ended by a newline. Its log
    /// arrives in chunks that may split a line (`/bin/sh: ` + `apt-get: not
    /// found`), and a cause is recognised only in a whole line.
    partial: HashMap<String, String>,
    pub(super) image_id: Option<String>,
    /// Every step that failed, with its error, in the order they failed.
    failed: Vec<(Step, String)>,
    /// Output per step name, and of the whole build, the newest last.
    logs: HashMap<String, VecDeque<String>>,
    tail: VecDeque<String>,
    /// Legacy: the step being run, and whether it was cached.
    current: Option<(Step, bool)>,
    pub(super) steps: usize,
    pub(super) cached: usize,
    pub(super) events: usize,
}

impl Progress {
    /// Sends one line of a step's output and keeps it as evidence.
    fn log(
        &mut self,
        step: Option<Step>,
        text: String,
        on_event: &mut (dyn FnMut(BuildEvent) + Send),
    ) {
        let keep = |lines: &mut VecDeque<String>, text: &str| {
            if lines.len() >= LOG_KEEP {
                lines.pop_front();
            }
            lines.push_back(text.to_string());
        };
        keep(&mut self.tail, &text);
        if let Some(s) = &step {
            keep(self.logs.entry(s.name.clone()).or_default(), &text);
        }
        on_event(BuildEvent::Log { step, text });
    }

    /// Sends the unfinished last line of `digest`'s output, if any.
    fn flush(&mut self, digest: &str, on_event: &mut (dyn FnMut(BuildEvent) + Send)) {
        let Some(rest) = self.partial.remove(digest) else {
            return;
        };
        if !rest.trim().is_empty() {
            let step = self.vertices.get(digest).map(|(s, _)| s.clone());
            self.log(step, rest, on_event);
        }
    }

    pub(super) fn flush_all(&mut self, on_event: &mut (dyn FnMut(BuildEvent) + Send)) {
        let mut digests: Vec<String> = self.partial.keys().cloned().collect();
        digests.sort();
        for digest in digests {
            self.flush(&digest, on_event);
        }
    }

    /// The failed steps with their evidence, the one whose error `message`
    /// is first: the builder reports one step's error, and when stages run
    /// in parallel others may have failed too.
    fn failed_steps(&self, mapper: &StepMapper, message: &str) -> Vec<FailedStep> {
        let message = message.trim();
        let mut failed: Vec<&(Step, String)> = self.failed.iter().collect();
        let quoted = mapper.failed_run(message);
        let primary = failed
            .iter()
            .position(|(_, e)| e.trim() == message)
            .or_else(|| {
                failed
                    .iter()
                    .position(|(_, e)| !e.trim().is_empty() && message.contains(e.trim()))
            })
            .or_else(|| {
                failed
                    .iter()
                    .position(|(s, _)| s.line.is_some() && s.line == quoted)
            });
        if let Some(i) = primary {
            let first = failed.remove(i);
            failed.insert(0, first);
        }
        let mut out: Vec<FailedStep> = failed
            .into_iter()
            .map(|(step, error)| FailedStep {
                step: step.clone(),
                error: error.clone(),
                log: self
                    .logs
                    .get(&step.name)
                    .map(|l| l.iter().cloned().collect())
                    .unwrap_or_default(),
                base: step.stage.and_then(|s| mapper.base(s)).map(str::to_string),
                base_standin: false,
            })
            .collect();
        if primary.is_none() {
            // The builder's error names no step that was seen failing (a
            // failure before any step ran, or the step's own report was
            // lost): the step the message quotes, with the build's output.
            let stage = quoted.and_then(|l| mapper.stage_of_line(l));
            out.insert(
                0,
                FailedStep {
                    step: Step {
                        name: String::new(),
                        line: quoted,
                        stage,
                    },
                    error: message.to_string(),
                    log: self.tail.iter().cloned().collect(),
                    base: stage.and_then(|s| mapper.base(s)).map(str::to_string),
                    base_standin: false,
                },
            );
        }
        out
    }
}

/// The failed steps when the builder gives up with `error`.
pub(super) fn failure(
    progress: &mut Progress,
    mapper: &StepMapper,
    kind: BuilderKind,
    error: &str,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) -> Vec<FailedStep> {
    progress.flush_all(on_event);
    if kind == BuilderKind::Legacy
        && let Some((step, _)) = progress.current.take()
    {
        on_event(BuildEvent::Step {
            step: step.clone(),
            state: StepState::Failed(error.to_string()),
        });
        progress.failed.push((step, error.trim().to_string()));
    }
    progress.failed_steps(mapper, error)
}

pub(super) fn handle(
    progress: &mut Progress,
    mapper: &StepMapper,
    kind: BuilderKind,
    info: BuildInfo,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    match info.aux {
        Some(BuildInfoAux::BuildKit(status)) => buildkit_status(progress, mapper, status, on_event),
        Some(BuildInfoAux::Default(image)) => {
            if let Some(id) = image.id {
                progress.image_id = Some(id.clone());
                on_event(BuildEvent::Image { id });
            }
        }
        None => {}
    }
    if let Some(text) = info.stream {
        match kind {
            BuilderKind::Legacy => legacy_stream(progress, mapper, &text, on_event),
            BuilderKind::Buildkit => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    on_event(BuildEvent::Note {
                        text: line.to_string(),
                    });
                }
            }
        }
    }
    if let Some(status) = info.status.filter(|s| !s.is_empty()) {
        on_event(BuildEvent::Note { text: status });
    }
}

fn buildkit_status(
    progress: &mut Progress,
    mapper: &StepMapper,
    status: StatusResponse,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    let mut ended = Vec::new();
    for vertex in status.vertexes {
        let entry = progress
            .vertices
            .entry(vertex.digest.clone())
            .or_insert_with(|| (mapper.buildkit(&vertex.name), None));
        let state = if !vertex.error.is_empty() {
            Some(StepState::from_error(&vertex.error))
        } else if vertex.cached {
            Some(StepState::Cached)
        } else if vertex.completed.is_some() {
            Some(StepState::Done)
        } else if vertex.started.is_some() {
            Some(StepState::Running)
        } else {
            None
        };
        let Some(state) = state else { continue };
        if entry.1.as_ref() == Some(&state) {
            continue;
        }
        if let StepState::Failed(error) = &state {
            progress.failed.push((entry.0.clone(), error.clone()));
        }
        if entry.0.line.is_some() && matches!(state, StepState::Done | StepState::Cached) {
            progress.steps += 1;
            progress.cached += usize::from(state == StepState::Cached);
        }
        if state != StepState::Running {
            ended.push(vertex.digest.clone());
        }
        entry.1 = Some(state.clone());
        let step = entry.0.clone();
        on_event(BuildEvent::Step { step, state });
    }
    for log in status.logs {
        let step = progress.vertices.get(&log.vertex).map(|(s, _)| s.clone());
        let buffer = progress.partial.entry(log.vertex.clone()).or_default();
        buffer.push_str(&String::from_utf8_lossy(&log.msg));
        let Some(end) = buffer.rfind('\n') else {
            continue;
        };
        let rest = buffer.split_off(end + 1);
        let whole = std::mem::replace(buffer, rest);
        for line in whole.lines() {
            progress.log(
                step.clone(),
                line.trim_end_matches('\r').to_string(),
                on_event,
            );
        }
    }
    for digest in ended {
        progress.flush(&digest, on_event);
    }
    for warning in status.warnings {
        on_event(BuildEvent::Note {
            text: format!("warning: {}", String::from_utf8_lossy(&warning.short)),
        });
    }
}

pub(super) fn finish_legacy_step(
    progress: &mut Progress,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    if let Some((step, cached)) = progress.current.take() {
        progress.steps += 1;
        progress.cached += usize::from(cached);
        on_event(BuildEvent::Step {
            step,
            state: if cached {
                StepState::Cached
            } else {
                StepState::Done
            },
        });
    }
}

fn legacy_stream(
    progress: &mut Progress,
    mapper: &StepMapper,
    text: &str,
    on_event: &mut (dyn FnMut(BuildEvent) + Send),
) {
    for line in text.lines() {
        if let Some(step) = mapper.legacy(line) {
            finish_legacy_step(progress, on_event);
            on_event(BuildEvent::Step {
                step: step.clone(),
                state: StepState::Running,
            });
            progress.current = Some((step, false));
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "---> Using cache" {
            if let Some((_, cached)) = progress.current.as_mut() {
                *cached = true;
            }
            continue;
        }
        if let Some(id) = trimmed.strip_prefix("Successfully built ") {
            progress.image_id.get_or_insert_with(|| id.to_string());
            continue;
        }
        if trimmed.starts_with("---> ") || trimmed.starts_with("Successfully tagged ") {
            continue;
        }
        let step = progress.current.as_ref().map(|(s, _)| s.clone());
        progress.log(step, line.to_string(), on_event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::{StageGraph, parse};

    const TWO_STAGES: &str = "FROM golang:1.24 AS builder\nRUN apk add git\nRUN sleep 8\nFROM debian:bookworm-slim\nRUN apk add ca-certificates\n";

    fn mapper() -> StepMapper {
        let df = parse(TWO_STAGES);
        StepMapper::new(&df, &StageGraph::new(&df))
    }

    fn vertex(p: &mut Progress, m: &StepMapper, name: &str, error: &str, log: &str) {
        let step = m.buildkit(name);
        if let StepState::Failed(e) = StepState::from_error(error) {
            p.failed.push((step.clone(), e));
        }
        p.log(Some(step), log.to_string(), &mut |_| {});
    }

    #[test]
    fn the_step_whose_error_the_builder_reports_comes_first() {
        let m = mapper();
        let mut p = Progress::default();
        let builder = "executor failed running [/bin/sh -c apk add git]: exit code: 127";
        let runtime =
            "executor failed running [/bin/sh -c apk add ca-certificates]: exit code: 127";
        vertex(
            &mut p,
            &m,
            "[builder 2/3] RUN apk add git",
            builder,
            "/bin/sh: 1: apk: not found",
        );
        vertex(
            &mut p,
            &m,
            "[stage-1 2/2] RUN apk add ca-certificates",
            runtime,
            "sh: apk: not found",
        );
        vertex(
            &mut p,
            &m,
            "[builder 3/3] RUN sleep 8",
            "context canceled: context canceled",
            "",
        );
        let steps = p.failed_steps(&m, runtime);
        let lines: Vec<_> = steps.iter().map(|s| s.step.line).collect();
        assert_eq!(lines, [Some(5), Some(2)], "a cancelled step is no failure");
        assert_eq!(steps[0].log, ["sh: apk: not found"]);
        assert_eq!(steps[0].base.as_deref(), Some("debian:bookworm-slim"));
        assert_eq!(steps[1].base.as_deref(), Some("golang:1.24"));
    }

    #[test]
    fn an_error_no_step_reported_falls_back_to_the_run_it_quotes() {
        let m = mapper();
        let p = Progress::default();
        let message =
            "executor failed running [/bin/sh -c apk add ca-certificates]: exit code: 127";
        let steps = p.failed_steps(&m, message);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].step.line, Some(5));
        assert_eq!(steps[0].base.as_deref(), Some("debian:bookworm-slim"));
    }

    #[test]
    fn log_chunks_are_joined_into_whole_lines() {
        let df = parse("FROM busybox\nRUN apt-get update\n");
        let m = StepMapper::new(&df, &StageGraph::new(&df));
        let mut p = Progress::default();
        let mut lines = Vec::new();
        let status = |msgs: &[&str], completed: bool| StatusResponse {
            vertexes: vec![bollard::moby::buildkit::v1::Vertex {
                digest: "d".into(),
                name: "[2/2] RUN apt-get update".into(),
                started: Some(Default::default()),
                completed: completed.then(Default::default),
                ..Default::default()
            }],
            logs: msgs
                .iter()
                .map(|m| bollard::moby::buildkit::v1::VertexLog {
                    vertex: "d".into(),
                    msg: m.as_bytes().to_vec(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let first = status(&["/bin/sh: ", "apt-get: not found\n", "E"], false);
        let last = status(&[": Unable to locate"], true);
        for s in [first, last] {
            buildkit_status(&mut p, &m, s, &mut |e| {
                if let BuildEvent::Log { text, .. } = e {
                    lines.push(text);
                }
            });
        }
        assert_eq!(
            lines,
            ["/bin/sh: apt-get: not found", "E: Unable to locate"]
        );
    }
}
