//! The build as the workbench sees it: starting and cancelling builds and
//! turning the worker's reports into the log, the layers, the run result and
//! a new variant.

use std::time::Instant;

use super::editing::jump_to_line;
use super::model::{BuildState, DockerStatus, Job, LastBuild, Model};
use super::msg::{BuildFailure, Cmd, Finished};
use crate::dockerfile::parse;
use crate::engine::events::{BuildEvent, StepState};
use crate::pipeline::Event;
use crate::workbench::cache_misses::{cause_text, first_cause, summary};
use crate::workbench::service::variant_line;
use crate::workbench::variant::{Variant, change_text, size_text};

pub(super) fn request_build(model: &mut Model) -> Vec<Cmd> {
    if !docker_ready(model, "build") {
        return Vec::new();
    }
    let mut cmds = Vec::new();
    if model.is_building() {
        cmds.extend(cancel_build(model, "restarting the build"));
    }
    cmds.extend(start_build(model));
    cmds
}

/// Whether the daemon is there to `action` with; if not, the status line
/// says why.
pub(super) fn docker_ready(model: &mut Model, action: &str) -> bool {
    match &model.docker {
        DockerStatus::Ready { .. } => true,
        DockerStatus::Connecting => {
            model.status = Some("still looking for the Docker daemon…".into());
            false
        }
        DockerStatus::Absent { reason } => {
            model.status = Some(format!("cannot {action}: no Docker daemon ({reason})"));
            false
        }
    }
}

/// Starts `job` on the editor's text: a new id, a fresh log headed by
/// `heading(id)`, the step marks cleared. Returns the id and the text.
pub(super) fn start_job(
    model: &mut Model,
    job: Job,
    heading: impl Fn(u64) -> String,
) -> (u64, String) {
    let id = model.next_build;
    model.next_build += 1;
    let text = model.text();
    model.build = BuildState::Building {
        id,
        started: Instant::now(),
        job,
        dockerfile: text.clone(),
        target: model.target.clone(),
    };
    model.steps.clear();
    model.cache_misses.clear();
    model.log.clear();
    model.log_scroll = 0;
    model.push_log(heading(id));
    (id, text)
}

pub(super) fn start_build(model: &mut Model) -> Vec<Cmd> {
    let (id, text) = start_job(model, Job::Build, |id| format!("── build {id} ──"));
    model.status = None;
    let previous = model.build_memory.get(&model.file.path).cloned();
    vec![Cmd::Build {
        previous,
        id,
        text,
        dir: model.file.dir.clone(),
        dockerfile: model.file.path.clone(),
        args: model.run_args.clone(),
        target: model.target.clone(),
    }]
}

pub(super) fn cancel_build(model: &mut Model, why: &str) -> Vec<Cmd> {
    let BuildState::Building { id, .. } = model.build else {
        return Vec::new();
    };
    model.build = BuildState::Idle;
    model.push_log(format!("── {why} ──"));
    model.status = Some(why.to_string());
    vec![Cmd::CancelBuild(id)]
}

/// A build job's progress, worded for the log pane.
pub(super) fn on_job_event(model: &mut Model, event: Event) {
    let line = match event {
        Event::Build(e) => return on_build_event(model, e),
        Event::Context { summary, secrets } => {
            let mut text = summary;
            if !secrets.is_empty() {
                text.push_str(&format!(" · likely secrets sent: {}", secrets.join(", ")));
            }
            text
        }
        Event::Pull(p) => format!("pull {} {}", p.image, p.status),
        Event::Base { image, local } => format!(
            "base {} (l.{}){}",
            image.image,
            image.line,
            if local.standin {
                " · offline stand-in"
            } else {
                ""
            }
        ),
        Event::Note(text) => text,
        Event::CacheMisses { misses, record } => {
            model.build_memory.insert(model.file.path.clone(), record);
            model.cache_misses = misses;
            return log_cache_misses(model);
        }
        Event::Built(_) | Event::Trying { .. } | Event::Tried { .. } | Event::Measured(_) => {
            return;
        }
    };
    model.push_log(line);
}

fn on_build_event(model: &mut Model, event: BuildEvent) {
    match event {
        BuildEvent::Step { step, state } => {
            if let Some(line) = step.line {
                model.steps.insert(line, state.clone());
            }
            let mark = match &state {
                StepState::Running => "…",
                StepState::Cached => "cached",
                StepState::Done => "done",
                StepState::Failed(_) => "FAILED",
                StepState::Cancelled => "stopped",
            };
            if state != StepState::Running {
                let line = step.line.map_or(String::new(), |l| format!("l.{l} "));
                model.push_log(format!("{line}{mark} {}", step.name));
            }
        }
        BuildEvent::Log { text, .. } => model.push_log(format!("  │ {text}")),
        BuildEvent::Note { text } => model.push_log(text),
        BuildEvent::Image { .. } => {}
    }
}

/// "cache broke at line 5: main.go changed" in the log, and each step that
/// reran because of it.
fn log_cache_misses(model: &mut Model) {
    let Some(heading) = summary(&model.cache_misses) else {
        return;
    };
    let first = first_cause(&model.cache_misses).map(|m| m.line);
    let lines: Vec<String> = model
        .cache_misses
        .iter()
        .filter(|m| Some(m.line) != first)
        .map(|m| {
            let how = if m.is_cascade() {
                "reran"
            } else {
                "also missed"
            };
            format!("  l.{} {how}: {}", m.line, cause_text(m))
        })
        .collect();
    model.push_log(heading);
    for line in lines {
        model.push_log(line);
    }
}

pub(super) fn on_built(model: &mut Model, finished: Finished) {
    let BuildState::Building {
        dockerfile: text,
        target,
        ..
    } = std::mem::replace(&mut model.build, BuildState::Built)
    else {
        return;
    };
    remember_build(model, &text, target.clone(), None);
    let previous = model.variants.last().map(|v| v.size_bytes);
    let size = finished.layers.size_bytes;
    model.explanation = finished.explanation;
    let variant = Variant {
        size_bytes: size,
        build_seconds: finished.outcome.seconds,
        run_ok: finished.run.as_ref().map(|r| r.ok()),
        first_line: finished.run.as_ref().map(variant_line).unwrap_or_default(),
        image_id: Some(finished.outcome.image_id.clone()),
        ..Variant::labelled(&model.variants, text, model.catalog)
    };
    // A build of one stage (`t`, --target) is that stage's image, not the
    // last stage's base: the table says which stage it is.
    let variant = match target {
        Some(stage) => Variant {
            base: format!("stage {stage}"),
            ..variant
        },
        None => variant,
    };
    model.variants.push(variant);
    model.variant_selected = model.variants.len() - 1;
    let delta = previous.map(|p| delta_text(p, size)).unwrap_or_default();
    let cache = summary(&model.cache_misses)
        .map(|s| format!(" · {s}"))
        .unwrap_or_default();
    model.status = Some(format!(
        "built in {:.1} s: {}{delta}{cache}",
        finished.outcome.seconds,
        size_text(size)
    ));
    model.push_log(format!(
        "── built {} in {:.1} s ──",
        size_text(size),
        finished.outcome.seconds
    ));
    model.layers = Some(finished.layers);
    model.layer_selected = 0;
    model.run = finished.run;
}

/// Keeps what the lesson checks read about the build that just ended.
fn remember_build(model: &mut Model, text: &str, target: Option<String>, failure: Option<String>) {
    let number = model.last_build.as_ref().map_or(1, |b| b.number + 1);
    let df = parse(text);
    let base = crate::dockerfile::edit::Context::new(&df, model.catalog)
        .base()
        .map(|b| b.key.clone());
    model.last_build = Some(LastBuild {
        number,
        dockerfile: text.to_string(),
        base,
        target,
        failure,
    });
}

/// "−582 MB" or "+1.2 MB" against the previous variant.
pub fn delta_text(previous: u64, now: u64) -> String {
    format!(" ({} vs previous)", change_text(previous, now))
}

pub(super) fn on_failed(model: &mut Model, failure: BuildFailure) {
    model.push_log(format!("── {} ──", failure.message));
    if failure.cancelled {
        model.build = BuildState::Idle;
        return;
    }
    if let BuildState::Building {
        dockerfile, target, ..
    } = &model.build
    {
        let (dockerfile, target) = (dockerfile.clone(), target.clone());
        remember_build(model, &dockerfile, target, Some(failure.message.clone()));
    }
    // The first cause is shown above the log; the others go into it.
    for why in failure.explanations.iter().skip(1) {
        model.push_log(format!("why: {why}"));
        model.push_log(format!("  hint: {}", why.hint));
    }
    let also = match failure.other_lines.as_slice() {
        [] => String::new(),
        [one] => format!(" (line {one} failed too)"),
        many => format!(
            " (lines {} failed too)",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let what = failure
        .explanations
        .first()
        .map_or(failure.message.as_str(), |e| e.cause);
    model.status = Some(match failure.line {
        Some(l) => format!("build failed at line {l}{also}: {what}"),
        None => format!("build failed{also}: {what}"),
    });
    if let Some(line) = failure.line {
        jump_to_line(model, line);
    }
    model.explanation = failure.explanations.into_iter().next();
    model.build = BuildState::Failed {
        message: failure.message,
        line: failure.line,
        other_lines: failure.other_lines,
    };
}
