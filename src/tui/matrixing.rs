//! The matrix in the workbench: F7 builds the editor's text on every
//! runtime base at once. Each variant lands in the variants table the moment
//! it is measured; when all are in, the smallest that behaves like the file
//! as written is marked and offered, as tune's winner is, and nothing is
//! written until the user says so.

use super::building::{cancel_build, docker_ready, start_job};
use super::model::{BuildState, Job, Model, Overlay, TunedOffer};
use super::msg::{BuildFailure, Cmd};
use crate::human::human_bytes;
use crate::pipeline::Event;
use crate::pipeline::matrix::MatrixReport;
use crate::workbench::matrix::MatrixRow;
use crate::workbench::service::variant_line;
use crate::workbench::tune::run_summary;
use crate::workbench::variant::Variant;

pub(super) fn request_matrix(model: &mut Model) -> Vec<Cmd> {
    if !docker_ready(model, "run the matrix") {
        return Vec::new();
    }
    let mut cmds = Vec::new();
    if model.is_building() {
        cmds.extend(cancel_build(model, "stopped for the matrix"));
    }
    let (id, text) = start_job(model, Job::Matrix, |id| {
        format!("── matrix {id}: every runtime base, the smallest that behaves the same ──")
    });
    model.status = Some("matrix: the file as written and every base at once (Esc stops)".into());
    cmds.push(Cmd::Matrix {
        id,
        text,
        dir: model.file.dir.clone(),
        args: model.run_args.clone(),
    });
    cmds
}

pub(super) fn on_matrix_event(model: &mut Model, event: Event) {
    match event {
        Event::Note(text) => model.push_log(text),
        Event::Measured(row) => on_measured(model, &row),
        _ => {}
    }
}

fn on_measured(model: &mut Model, row: &MatrixRow) {
    let run = row
        .run
        .as_ref()
        .map_or("did not build or run".to_string(), run_summary);
    model.push_log(format!(
        "  {}{} · {} · {:.1} s · {run}",
        row.base,
        if row.reference { " (as written)" } else { "" },
        human_bytes(row.size_bytes),
        row.build_seconds
    ));
    let variant = Variant {
        size_bytes: row.size_bytes,
        build_seconds: row.build_seconds,
        run_ok: row.run.as_ref().map(|r| r.ok()),
        first_line: row.run.as_ref().map(variant_line).unwrap_or_default(),
        image_id: row.image_id.clone(),
        ..Variant::labelled(&model.variants, row.dockerfile.clone(), model.catalog)
    };
    model.variants.push(variant);
    model.variant_selected = model.variants.len() - 1;
}

pub(super) fn on_matrix_done(model: &mut Model, report: MatrixReport) {
    model.build = BuildState::Built;
    model.push_log(format!(
        "── matrix: {} variants in {:.1} s ──",
        report.rows.len(),
        report.seconds
    ));
    let reference = report.rows.iter().find(|r| r.reference);
    if reference.is_some_and(|r| !r.ok) {
        model.status = Some(
            "matrix: the file as written does not run, so no base can behave like it; every \
             variant is in the table"
                .into(),
        );
        return;
    }
    let Some(chosen) = report.rows.iter().find(|r| r.chosen) else {
        model.status = Some("matrix: no base behaves like the file as written".into());
        return;
    };
    // The chosen row's variant, as it landed in the table.
    let Some(variant) = model
        .variants
        .iter()
        .rev()
        .find(|v| v.dockerfile == chosen.dockerfile)
        .cloned()
    else {
        return;
    };
    model.push_log(format!(
        "  ★ {} · {}",
        chosen.base,
        human_bytes(chosen.size_bytes)
    ));
    let was = reference.map(|r| r.size_bytes);
    if chosen.reference || was.is_some_and(|w| chosen.size_bytes >= w) {
        model.status = Some(format!(
            "matrix: nothing smaller behaves the same; the file as written is the smallest (variant {})",
            variant.number
        ));
        return;
    }
    let summary = format!(
        "{}: {}{}",
        chosen.base,
        human_bytes(chosen.size_bytes),
        was.map(|w| format!(" (was {})", human_bytes(w)))
            .unwrap_or_default()
    );
    if variant.dockerfile == model.text() {
        return;
    }
    let offer = TunedOffer {
        dockerfile: variant.dockerfile.clone(),
        summary: summary.clone(),
        steps: report
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} {}{} · {} · {}",
                    if r.chosen { "★" } else { " " },
                    r.base,
                    if r.reference { " (as written)" } else { "" },
                    human_bytes(r.size_bytes),
                    if r.ok {
                        "behaves the same"
                    } else {
                        "not the same"
                    }
                )
            })
            .collect(),
        layers: report.chosen_layers.clone(),
        run: chosen.run.clone(),
    };
    if model.overlay != Overlay::None {
        model.status = Some(format!(
            "matrix: {summary} behaves the same; it is variant {} (Enter puts it back)",
            variant.number
        ));
        return;
    }
    model.overlay = Overlay::ConfirmTune(Box::new(offer));
    model.status = Some("matrix: y writes it · e loads it · Esc keeps yours".into());
}

pub(super) fn on_matrix_failed(model: &mut Model, failure: BuildFailure) {
    model.push_log(format!("── matrix: {} ──", failure.message));
    model.build = BuildState::Idle;
    model.status = Some(if failure.cancelled {
        "matrix stopped; nothing was changed".into()
    } else {
        format!("matrix could not run: {}", failure.message)
    });
}
