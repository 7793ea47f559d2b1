//! `update`: the one place state changes. Pure: it returns commands for the
//! workers instead of doing I/O, so every behaviour is testable headless.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui_textarea::{CursorMove, Input};

use super::model::{BuildState, DockerStatus, Model, Overlay, Pane};
use super::msg::{BuildFailure, Cmd, Finished, Msg};
use crate::dockerfile::edit::{Change, Context, Toggle};
use crate::dockerfile::{LineIndex, TextEdit, parse};
use crate::engine::events::{BuildEvent, StepState};
use crate::workbench::explain::explain_failure;
use crate::workbench::variant::{Variant, describe, size_text};

/// Rows of the toggles pane: the base selector, then each toggle.
pub const TOGGLE_ROWS: usize = 1 + Toggle::ALL.len();

pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let cmds = dispatch(model, msg);
    keep_cursor_visible(model);
    cmds
}

/// Scrolls the editor so the cursor's line is on screen.
fn keep_cursor_visible(model: &mut Model) {
    let height = super::ui::layout(model.size, model)
        .iter()
        .find(|(p, _)| *p == Pane::Editor)
        .map_or(10, |(_, r)| usize::from(r.height.saturating_sub(2)).max(1));
    let row = model.editor.cursor().0;
    if row < model.editor_top {
        model.editor_top = row;
    } else if row >= model.editor_top + height {
        model.editor_top = row + 1 - height;
    }
}

fn dispatch(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(model, key),
        Msg::Key(_) => Vec::new(),
        Msg::Mouse(mouse) => on_mouse(model, mouse),
        Msg::Paste(text) => {
            if model.focus == Pane::Editor && model.overlay == Overlay::None {
                let inserted = model.editor.insert_str(text.replace("\r\n", "\n"));
                record_undo_group(model, usize::from(inserted));
                return edited(model);
            }
            Vec::new()
        }
        Msg::Resize(w, h) => {
            model.size = (w, h);
            Vec::new()
        }
        Msg::Analyzed(version, analysis) => {
            if version >= model.analyzed_version {
                model.analyzed_version = version;
                model.analysis = Some(*analysis);
            }
            if model.pending_build && version == model.version {
                model.pending_build = false;
                return start_build(model);
            }
            Vec::new()
        }
        Msg::Docker(status) => {
            if let (DockerStatus::Ready { version, .. }, false) =
                (&status, matches!(model.docker, DockerStatus::Ready { .. }))
            {
                model.status = Some(format!("Docker {version} is ready: F5 builds and runs"));
            }
            model.docker = status;
            Vec::new()
        }
        Msg::Images(images) => {
            model.images = images.into_iter().collect();
            Vec::new()
        }
        Msg::Build(id, event) => {
            if matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                on_build_event(model, event);
            }
            Vec::new()
        }
        Msg::BuildDone(id, result) => {
            if !matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                return Vec::new();
            }
            match result {
                Ok(finished) => on_built(model, *finished),
                Err(failure) => on_failed(model, failure),
            }
            Vec::new()
        }
        Msg::Saved(result) => {
            match result {
                Ok(path) => {
                    model.file.saved = model.text();
                    model.status = Some(format!("saved {}", path.display()));
                    if model.overlay == Overlay::ConfirmQuit {
                        model.quit = true;
                        return vec![Cmd::Quit];
                    }
                }
                Err(e) => model.status = Some(format!("not saved: {e}")),
            }
            Vec::new()
        }
        Msg::Terminate => {
            model.quit = true;
            model.terminated = true;
            vec![Cmd::Quit]
        }
        Msg::Exported(result) => {
            model.status = Some(match result {
                Ok(path) => format!("variants exported to {}", path.display()),
                Err(e) => format!("export failed: {e}"),
            });
            Vec::new()
        }
    }
}

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match model.overlay.clone() {
        Overlay::Help => {
            model.overlay = Overlay::None;
            return Vec::new();
        }
        Overlay::ConfirmQuit => {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('q') => {
                    model.quit = true;
                    vec![Cmd::Quit]
                }
                KeyCode::Char('s') => save(model),
                _ => {
                    model.overlay = Overlay::None;
                    model.status = Some("quit cancelled".into());
                    Vec::new()
                }
            };
        }
        Overlay::RestoreOffer(text) => {
            model.overlay = Overlay::None;
            if key.code == KeyCode::Char('r') {
                replace_text(model, &text);
                model.status =
                    Some("restored the unsaved work from the crash; Ctrl-S saves it".into());
                return edited(model);
            }
            model.status =
                Some("kept the file as saved; the recovered text is dropped on quit".into());
            return Vec::new();
        }
        Overlay::Search(mut pattern) => {
            match key.code {
                KeyCode::Esc => model.overlay = Overlay::None,
                KeyCode::Enter => {
                    let found = model.editor.set_search_pattern(&pattern).is_ok()
                        && model.editor.search_forward(false);
                    model.status = Some(if found {
                        format!("found `{pattern}`")
                    } else {
                        format!("`{pattern}` not found")
                    });
                    model.overlay = Overlay::None;
                }
                KeyCode::Backspace => {
                    pattern.pop();
                    model.overlay = Overlay::Search(pattern);
                }
                KeyCode::Char(c) => {
                    pattern.push(c);
                    model.overlay = Overlay::Search(pattern);
                }
                _ => {}
            }
            return Vec::new();
        }
        Overlay::None => {}
    }
    // Debug builds only: lets the end-to-end tests check that a panic
    // restores the terminal and keeps the buffer.
    #[cfg(debug_assertions)]
    if key.code == KeyCode::F(12) && key.modifiers.contains(KeyModifiers::CONTROL) {
        panic!("deliberate panic (Ctrl-F12 in a debug build)");
    }
    // Keys that work everywhere.
    if ctrl(&key, 'q') {
        if model.dirty() {
            model.overlay = Overlay::ConfirmQuit;
            return Vec::new();
        }
        model.quit = true;
        return vec![Cmd::Quit];
    }
    if ctrl(&key, 's') {
        return save(model);
    }
    if key.code == KeyCode::F(5) || ctrl(&key, 'r') {
        return request_build(model);
    }
    if key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && model.focus != Pane::Editor)
    {
        model.overlay = Overlay::Help;
        return Vec::new();
    }
    if key.code == KeyCode::F(2) {
        model.auto_rebuild = !model.auto_rebuild;
        model.status = Some(format!(
            "auto-rebuild {}",
            if model.auto_rebuild { "on" } else { "off" }
        ));
        return Vec::new();
    }
    if ctrl(&key, 't') {
        model.theme = model.theme.next();
        model.rehighlight();
        model.status = Some(format!("theme {}", model.theme.name));
        return Vec::new();
    }
    if ctrl(&key, 'e') {
        return export(model);
    }
    if ctrl(&key, 'f') {
        model.overlay = Overlay::Search(String::new());
        return Vec::new();
    }
    if key.code == KeyCode::Esc && model.is_building() {
        return cancel_build(model, "build cancelled");
    }
    match key.code {
        KeyCode::Tab => {
            model.focus = next_pane(model.focus, 1);
            return Vec::new();
        }
        KeyCode::BackTab => {
            model.focus = next_pane(model.focus, Pane::ORDER.len() - 1);
            return Vec::new();
        }
        _ => {}
    }
    match model.focus {
        Pane::Editor => {
            // The status line goes back to showing the lint message for the cursor's line.
            model.status = None;
            let changed = if ctrl(&key, 'z') || ctrl(&key, 'u') {
                undo(model)
            } else if ctrl(&key, 'y') {
                redo(model)
            } else {
                let changed = model.editor.input(Input::from(key));
                record_undo_group(model, usize::from(changed));
                changed
            };
            if changed {
                return edited(model);
            }
            Vec::new()
        }
        Pane::Toggles => on_toggles_key(model, key),
        Pane::Graph => {
            let count = model.analysis.as_ref().map_or(0, |a| a.graph.stages.len());
            match key.code {
                KeyCode::Up => model.graph_selected = model.graph_selected.saturating_sub(1),
                KeyCode::Down => {
                    model.graph_selected = (model.graph_selected + 1).min(count.saturating_sub(1))
                }
                KeyCode::Enter => {
                    let line = model
                        .analysis
                        .as_ref()
                        .and_then(|a| a.graph.stages.get(model.graph_selected))
                        .map(|s| s.line);
                    if let Some(line) = line {
                        jump_to_line(model, line);
                        model.focus = Pane::Editor;
                    }
                }
                _ => {}
            }
            Vec::new()
        }
        Pane::Layers => {
            let count = model.layers.as_ref().map_or(0, |l| l.layers.len());
            match key.code {
                KeyCode::Up => model.layer_selected = model.layer_selected.saturating_sub(1),
                KeyCode::Down => {
                    model.layer_selected = (model.layer_selected + 1).min(count.saturating_sub(1))
                }
                _ => return Vec::new(),
            }
            let line = model
                .layers
                .as_ref()
                .and_then(|l| l.layers.get(model.layer_selected))
                .and_then(|l| l.line);
            if let Some(line) = line {
                jump_to_line(model, line);
            }
            Vec::new()
        }
        Pane::Log => {
            let max = model.log.len();
            match key.code {
                KeyCode::Up => model.log_scroll = (model.log_scroll + 1).min(max),
                KeyCode::Down => model.log_scroll = model.log_scroll.saturating_sub(1),
                KeyCode::PageUp => model.log_scroll = (model.log_scroll + 10).min(max),
                KeyCode::PageDown => model.log_scroll = model.log_scroll.saturating_sub(10),
                KeyCode::End => model.log_scroll = 0,
                KeyCode::Home => model.log_scroll = max,
                _ => {}
            }
            Vec::new()
        }
        Pane::Variants => {
            match key.code {
                KeyCode::Up => model.variant_selected = model.variant_selected.saturating_sub(1),
                KeyCode::Down => {
                    model.variant_selected =
                        (model.variant_selected + 1).min(model.variants.len().saturating_sub(1));
                }
                KeyCode::Enter => {
                    if let Some(v) = model.variants.get(model.variant_selected).cloned() {
                        replace_text(model, &v.dockerfile);
                        model.status = Some(format!(
                            "variant {} is back in the editor (Ctrl-Z undoes)",
                            v.number
                        ));
                        return edited(model);
                    }
                }
                _ => {}
            }
            Vec::new()
        }
    }
}

fn next_pane(current: Pane, step: usize) -> Pane {
    let at = Pane::ORDER.iter().position(|p| *p == current).unwrap_or(0);
    Pane::ORDER[(at + step) % Pane::ORDER.len()]
}

fn on_toggles_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Up => model.toggle_selected = model.toggle_selected.saturating_sub(1),
        KeyCode::Down => model.toggle_selected = (model.toggle_selected + 1).min(TOGGLE_ROWS - 1),
        KeyCode::Left | KeyCode::Right if model.toggle_selected == 0 => {
            let keys: Vec<String> = model.catalog.keys().map(str::to_string).collect();
            // The text as it is now, not the last analysis, which may lag a key behind.
            let text = editor_text(model);
            let df = parse(&text);
            let current = Context::new(&df, model.catalog)
                .base()
                .map(|b| b.key.clone());
            let at = current.and_then(|c| keys.iter().position(|k| *k == c));
            let next = match (at, key.code) {
                (Some(i), KeyCode::Right) => (i + 1) % keys.len(),
                (Some(i), _) => (i + keys.len() - 1) % keys.len(),
                (None, _) => 0,
            };
            return apply_change(model, Change::Base(keys[next].clone()));
        }
        KeyCode::Enter | KeyCode::Char(' ') if model.toggle_selected > 0 => {
            let toggle = Toggle::ALL[model.toggle_selected - 1];
            // The text as it is now, not the last analysis, which may lag a key behind.
            let text = editor_text(model);
            let df = parse(&text);
            let state = Context::new(&df, model.catalog).state(toggle);
            return match state {
                Ok(on) => apply_change(model, Change::Set(toggle, !on)),
                Err(why) => {
                    model.status = Some(format!("{toggle} does not apply: {}", why.0));
                    Vec::new()
                }
            };
        }
        _ => {}
    }
    Vec::new()
}

/// The editor's text with `\n` endings: what the core parses and edits.
fn editor_text(model: &Model) -> String {
    let mut text = model.editor.lines().join("\n");
    text.push('\n');
    text
}

/// Applies a toggle through the core's edits, as undoable editor changes.
pub fn apply_change(model: &mut Model, change: Change) -> Vec<Cmd> {
    let text = editor_text(model);
    let df = parse(&text);
    let edits = match Context::new(&df, model.catalog).plan(&change) {
        Ok(edits) => edits,
        Err(e) => {
            model.status = Some(e.to_string());
            return Vec::new();
        }
    };
    if edits.is_empty() {
        model.status = Some(format!("{change}: already so"));
        return Vec::new();
    }
    apply_edits_to_editor(model, &text, &edits);
    model.status = Some(format!("{change} (Ctrl-Z undoes)"));
    let mut cmds = edited(model);
    if model.auto_rebuild && matches!(model.docker, DockerStatus::Ready { .. }) {
        if model.is_building() {
            cmds.extend(cancel_build(model, "rebuilding with the change"));
        }
        model.pending_build = true;
    }
    cmds
}

/// Replays byte-offset edits on the text area, last first, so each one is
/// an ordinary, undoable edit.
fn apply_edits_to_editor(model: &mut Model, text: &str, edits: &[TextEdit]) {
    let mut entries = 0;
    let index = LineIndex::new(text);
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for edit in sorted {
        let start = index.position(text, edit.span.start);
        let end = index.position(text, edit.span.end);
        let to = |p: crate::dockerfile::Position| {
            CursorMove::Jump(
                u16::try_from(p.line - 1).unwrap_or(u16::MAX),
                u16::try_from(p.column - 1).unwrap_or(u16::MAX),
            )
        };
        let _ = end;
        model.editor.cancel_selection();
        model.editor.move_cursor(to(start));
        let removed = text
            .get(edit.span.start..edit.span.end)
            .map_or(0, |s| s.chars().count());
        // delete_str keeps the user's yank buffer, unlike cut.
        if removed > 0 && model.editor.delete_str(removed) {
            entries += 1;
        }
        if !edit.text.is_empty() && model.editor.insert_str(&edit.text) {
            entries += 1;
        }
    }
    record_undo_group(model, entries);
}

fn replace_text(model: &mut Model, text: &str) {
    let mut entries = 0;
    model.editor.cancel_selection();
    model.editor.move_cursor(CursorMove::Top);
    model.editor.move_cursor(CursorMove::Head);
    let all = model.editor.lines().join("\n").chars().count();
    if all > 0 && model.editor.delete_str(all) {
        entries += 1;
    }
    if model.editor.insert_str(text.trim_end_matches('\n')) {
        entries += 1;
    }
    record_undo_group(model, entries);
}

/// One user action can be several editor history entries (a toggle's
/// deletes and inserts); Ctrl-Z and Ctrl-Y undo and redo them as one.
fn record_undo_group(model: &mut Model, entries: usize) {
    if entries > 0 {
        model.undo_groups.push(entries);
        model.redo_groups.clear();
    }
}

fn undo(model: &mut Model) -> bool {
    let n = model.undo_groups.pop().unwrap_or(1);
    let mut done = 0;
    while done < n && model.editor.undo() {
        done += 1;
    }
    if done > 0 {
        model.redo_groups.push(done);
    }
    done > 0
}

fn redo(model: &mut Model) -> bool {
    let n = model.redo_groups.pop().unwrap_or(1);
    let mut done = 0;
    while done < n && model.editor.redo() {
        done += 1;
    }
    if done > 0 {
        model.undo_groups.push(done);
    }
    done > 0
}

fn jump_to_line(model: &mut Model, line: usize) {
    let row = u16::try_from(line.saturating_sub(1)).unwrap_or(u16::MAX);
    model.editor.move_cursor(CursorMove::Jump(row, 0));
}

/// After any change to the text: re-highlight now, re-parse in the worker.
fn edited(model: &mut Model) -> Vec<Cmd> {
    model.version += 1;
    model.rehighlight();
    vec![Cmd::Analyze {
        version: model.version,
        text: editor_text(model),
    }]
}

fn request_build(model: &mut Model) -> Vec<Cmd> {
    match &model.docker {
        DockerStatus::Ready { .. } => {
            let mut cmds = Vec::new();
            if model.is_building() {
                cmds.extend(cancel_build(model, "restarting the build"));
            }
            cmds.extend(start_build(model));
            cmds
        }
        DockerStatus::Connecting => {
            model.status = Some("still looking for the Docker daemon…".into());
            Vec::new()
        }
        DockerStatus::Absent { reason } => {
            model.status = Some(format!("cannot build: no Docker daemon ({reason})"));
            Vec::new()
        }
    }
}

fn start_build(model: &mut Model) -> Vec<Cmd> {
    let id = model.next_build;
    model.next_build += 1;
    model.build = BuildState::Building {
        id,
        started: Instant::now(),
    };
    model.status = None;
    model.steps.clear();
    model.log.clear();
    model.log_scroll = 0;
    model.push_log(format!("── build {id} ──"));
    vec![Cmd::Build {
        id,
        text: model.text(),
        dir: model.file.dir.clone(),
        dockerfile: model.file.path.clone(),
    }]
}

fn cancel_build(model: &mut Model, why: &str) -> Vec<Cmd> {
    let BuildState::Building { id, .. } = model.build else {
        return Vec::new();
    };
    model.build = BuildState::Idle;
    model.push_log(format!("── {why} ──"));
    model.status = Some(why.to_string());
    vec![Cmd::CancelBuild(id)]
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

fn on_built(model: &mut Model, finished: Finished) {
    let text = model.text();
    let (base, flags) = describe(&text, model.catalog);
    let previous = model.variants.last().map(|v| v.size_bytes);
    let size = finished.layers.size_bytes;
    model.explanation = finished
        .run
        .as_ref()
        .filter(|r| !r.ok())
        .and_then(|r| explain_failure(&[&r.stderr, r.error.as_deref().unwrap_or("")]));
    let variant = Variant {
        number: model.variants.len() + 1,
        base,
        flags,
        size_bytes: size,
        build_seconds: finished.outcome.seconds,
        run_ok: finished.run.as_ref().map(|r| r.ok()),
        first_line: finished
            .run
            .as_ref()
            .map(|r| r.first_line().to_string())
            .unwrap_or_default(),
        dockerfile: text,
    };
    model.variants.push(variant);
    model.variant_selected = model.variants.len() - 1;
    let delta = previous.map(|p| delta_text(p, size)).unwrap_or_default();
    model.status = Some(format!(
        "built in {:.1} s: {}{delta}",
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
    model.build = BuildState::Built;
}

/// "−582 MB" or "+1.2 MB" against the previous variant.
pub fn delta_text(previous: u64, now: u64) -> String {
    if now >= previous {
        format!(" (+{} vs previous)", size_text(now - previous))
    } else {
        format!(" (−{} vs previous)", size_text(previous - now))
    }
}

fn on_failed(model: &mut Model, failure: BuildFailure) {
    model.push_log(format!("── {} ──", failure.message));
    if failure.cancelled {
        model.build = BuildState::Idle;
        return;
    }
    model.status = Some(match failure.line {
        Some(l) => format!("build failed at line {l}: {}", failure.message),
        None => format!("build failed: {}", failure.message),
    });
    if let Some(line) = failure.line {
        jump_to_line(model, line);
    }
    model.build = BuildState::Failed {
        message: failure.message,
        line: failure.line,
    };
}

fn save(model: &mut Model) -> Vec<Cmd> {
    vec![Cmd::Save {
        path: model.file.path.clone(),
        text: model.text(),
    }]
}

fn export(model: &mut Model) -> Vec<Cmd> {
    if model.variants.is_empty() {
        model.status = Some("no variants yet: build first (F5)".into());
        return Vec::new();
    }
    let path = model.file.path.with_file_name("dockstage-variants.md");
    vec![Cmd::Export {
        path,
        text: crate::workbench::variant::markdown(&model.variants),
    }]
}

fn on_mouse(model: &mut Model, mouse: MouseEvent) -> Vec<Cmd> {
    let layout = super::ui::layout(model.size, model);
    let at = ratatui::layout::Position::new(mouse.column, mouse.row);
    let pane = layout
        .iter()
        .find(|(_, rect)| rect.contains(at))
        .map(|(p, r)| (*p, *r));
    match mouse.kind {
        MouseEventKind::Down(_) => {
            if let Some((pane, rect)) = pane {
                model.focus = pane;
                if pane == Pane::Editor {
                    let gutter = super::ui::editor::gutter_width(model);
                    let row = mouse.row.saturating_sub(rect.y + 1) as usize
                        + super::ui::editor::first_visible(model, rect);
                    let col = mouse.column.saturating_sub(rect.x + 1 + gutter);
                    model.editor.move_cursor(CursorMove::Jump(
                        u16::try_from(row).unwrap_or(u16::MAX),
                        col,
                    ));
                }
            }
        }
        MouseEventKind::ScrollUp => match pane.map(|(p, _)| p) {
            Some(Pane::Editor) => model.editor.move_cursor(CursorMove::Up),
            Some(Pane::Log) => model.log_scroll = (model.log_scroll + 3).min(model.log.len()),
            _ => {}
        },
        MouseEventKind::ScrollDown => match pane.map(|(p, _)| p) {
            Some(Pane::Editor) => model.editor.move_cursor(CursorMove::Down),
            Some(Pane::Log) => model.log_scroll = model.log_scroll.saturating_sub(3),
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}
