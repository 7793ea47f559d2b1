//! Tune in the workbench: F8 searches bases and toggles for the smallest
//! image that behaves like the Dockerfile in the editor. Every attempt lands
//! in the log and the variants table as it finishes; the winner is offered,
//! and the file is written only when the user says yes.

use super::building::{cancel_build, docker_ready, start_job};
use super::editing::{edited, replace_text};
use super::model::{BuildState, Job, Model, Overlay, TunedOffer};
use super::msg::{BuildFailure, Cmd};
use crate::engine::events::{BuildEvent, StepState};
use crate::human::human_bytes;
use crate::pipeline::Event;
use crate::pipeline::tune::TuneResult;
use crate::workbench::service::variant_line;
use crate::workbench::tune::{Attempt, run_summary};
use crate::workbench::variant::Variant;

pub(super) fn request_tune(model: &mut Model) -> Vec<Cmd> {
    if !docker_ready(model, "tune") {
        return Vec::new();
    }
    let mut cmds = Vec::new();
    if model.is_building() {
        cmds.extend(cancel_build(model, "stopped for tune"));
    }
    let (id, text) = start_job(model, Job::Tune, |id| {
        format!("── tune {id}: the smallest image that behaves the same ──")
    });
    model.status =
        Some("tuning: the Dockerfile as written first, as the reference (Esc stops)".into());
    cmds.push(Cmd::Tune {
        id,
        text,
        dir: model.file.dir.clone(),
        args: model.run_args.clone(),
    });
    cmds
}

pub(super) fn on_tune_event(model: &mut Model, event: Event) {
    match event {
        Event::Note(text) => model.push_log(text),
        // Tune starts every attempt afresh: no cache comparison to show.
        Event::CacheMisses { .. } => {}
        Event::Trying { number, summary } => {
            model.push_log(format!("[{number}] {summary} …"));
            model.status = Some(format!("tuning: trying {summary}…"));
        }
        // Step marks would point at lines of a Dockerfile the editor does
        // not hold; only failures are worth a line.
        Event::Build(BuildEvent::Step {
            step,
            state: StepState::Failed(e),
        }) => {
            let line = step.line.map_or(String::new(), |l| format!("l.{l} "));
            model.push_log(format!(
                "    {line}failed: {}",
                e.lines().next().unwrap_or("")
            ));
        }
        Event::Build(_) => {}
        // Build-only progress: each attempt's account says enough.
        Event::Context { .. } | Event::Pull(_) | Event::Base { .. } | Event::Built(_) => {}
        Event::Tried { attempt, image, .. } => on_attempt(model, &attempt, image),
        Event::Measured(_) => {}
    }
}

fn on_attempt(model: &mut Model, attempt: &Attempt, image: Option<String>) {
    let size = attempt.size_bytes.map(human_bytes).unwrap_or_default();
    model.push_log(match (&attempt.run, attempt.ok) {
        (Some(run), true) => format!("    ok · {size} · {}", run_summary(run)),
        (Some(_), false) => format!("    not the same · {size} · {}", attempt.why),
        (None, _) => format!("    {}", attempt.why),
    });
    let Some(run) = &attempt.run else {
        return;
    };
    let variant = Variant {
        size_bytes: attempt.size_bytes.unwrap_or(0),
        build_seconds: attempt.build_seconds,
        run_ok: Some(attempt.ok),
        first_line: variant_line(run),
        image_id: image,
        ..Variant::labelled(&model.variants, attempt.dockerfile.clone(), model.catalog)
    };
    model.variants.push(variant);
    model.variant_selected = model.variants.len() - 1;
}

pub(super) fn on_tuned(model: &mut Model, result: TuneResult) {
    model.build = BuildState::Built;
    let report = &result.report;
    model.push_log(format!(
        "── tune: {} builds in {:.1} s ──",
        report.builds(),
        result.seconds
    ));
    for step in &report.steps {
        model.push_log(format!("  {step}"));
    }
    if let Some(problem) = &report.problem {
        model.status = Some(format!("tune stopped: {problem}"));
        return;
    }
    let Some(chosen) = report.chosen() else {
        model.status = Some("tune found nothing that behaves the same".into());
        return;
    };
    let tuned = report.reference().map(|r| r.dockerfile.as_str());
    if tuned != Some(model.text().as_str()) {
        // The user edited while the search ran: offering a tuned copy of the
        // old text would throw their edits away.
        model.status = Some(
            "the Dockerfile changed while tuning, so nothing is offered; every attempt is in the \
             variants table (Enter puts one back)"
                .into(),
        );
        return;
    }
    if Some(chosen.dockerfile.as_str()) == tuned {
        model.layers = result.layers.clone();
        model.layer_selected = 0;
        model.run = chosen.run.clone();
        model.explanation = None;
        model.status =
            Some("tune: the Dockerfile is already the smallest that behaves the same".into());
        return;
    }
    let reference_size = report.reference().and_then(|r| r.size_bytes);
    if !visibly_smaller(chosen.size_bytes, reference_size) {
        let variant = model
            .variants
            .iter()
            .rev()
            .find(|v| v.dockerfile == chosen.dockerfile)
            .map(|v| format!(" (variant {})", v.number))
            .unwrap_or_default();
        model.status = Some(format!(
            "tune found nothing smaller than the Dockerfile as written: the closest that \
             behaves the same is {}{variant}, against {}",
            chosen.size_bytes.map(human_bytes).unwrap_or_default(),
            reference_size.map(human_bytes).unwrap_or_default()
        ));
        return;
    }
    let was = reference_size
        .map(|s| format!(" (was {})", human_bytes(s)))
        .unwrap_or_default();
    let offer = TunedOffer {
        dockerfile: chosen.dockerfile.clone(),
        summary: format!(
            "{}: {}{was}",
            chosen.summary(),
            chosen.size_bytes.map(human_bytes).unwrap_or_default()
        ),
        steps: report.steps.clone(),
        layers: result.layers.clone(),
        run: chosen.run.clone(),
    };
    if model.overlay != Overlay::None {
        // Another question is open (quit, restore): never answer it for them.
        model.status = Some(format!(
            "tuned: {}; it is the last variant (Enter puts it back)",
            offer.summary
        ));
        return;
    }
    model.overlay = Overlay::ConfirmTune(Box::new(offer));
    model.status = Some("tuned: y writes it · e loads it · Esc keeps yours".into());
}

/// Whether the tuned image saves at least 1% of the reference, the least a
/// percentage can show: anything less is not worth offering as "smaller".
fn visibly_smaller(tuned: Option<u64>, reference: Option<u64>) -> bool {
    match (tuned, reference) {
        (Some(t), Some(r)) => t.saturating_mul(100) <= r.saturating_mul(99),
        _ => false,
    }
}

pub(super) fn on_tune_failed(model: &mut Model, failure: BuildFailure) {
    model.push_log(format!("── tune: {} ──", failure.message));
    model.build = BuildState::Idle;
    model.status = Some(if failure.cancelled {
        "tune stopped; nothing was changed".into()
    } else {
        format!("tune could not run: {}", failure.message)
    });
}

/// The answer to the offer: `y` puts the tuned Dockerfile in the editor
/// and saves it, `e` only puts it in the editor, anything else keeps the
/// user's. Either way one Ctrl-Z takes it back.
pub(super) fn on_offer_key(model: &mut Model, offer: &TunedOffer, key: char) -> Vec<Cmd> {
    model.overlay = Overlay::None;
    match key {
        'y' | 'e' => {
            replace_text(model, &offer.dockerfile);
            model.layers = offer.layers.clone();
            model.layer_selected = 0;
            model.run = offer.run.clone();
            model.explanation = None;
            let mut cmds = edited(model);
            if key == 'y' {
                cmds.extend(super::on_disk::save(model));
                model.status = Some(format!("tuned: {}; saving", offer.summary));
            } else {
                model.status = Some(format!(
                    "tuned: {} in the editor, not saved (Ctrl-S saves, Ctrl-Z takes it back)",
                    offer.summary
                ));
            }
            cmds
        }
        _ => {
            model.status =
                Some("kept yours; the tuned one is a variant (Enter puts it back)".into());
            Vec::new()
        }
    }
}
