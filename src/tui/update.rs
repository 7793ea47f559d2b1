//! `update`: the one place state changes. Pure: it returns commands for the
//! workers instead of doing I/O, so every behaviour is testable headless.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::{CursorMove, Input};

use super::building::{
    cancel_build, on_built, on_failed, on_job_event, request_build, start_build,
};
use super::editing::{
    apply_change, edited, editor_text, jump_to_line, record_undo_group, redo, replace_text, undo,
};
use super::keymap::{self, Action};
use super::matrixing::{on_matrix_done, on_matrix_event, on_matrix_failed, request_matrix};
use super::model::{BuildState, DockerStatus, Model, Overlay, Pane};
use super::msg::{Cmd, Msg};
use super::on_disk::{export, on_conflict_key, on_disk, on_exported, on_focus, save};
use super::tuning::{on_offer_key, on_tune_event, on_tune_failed, on_tuned, request_tune};
use super::{compare, file_switch, files, present};
use crate::dockerfile::edit::{Change, Context, Toggle};
use crate::dockerfile::parse;

pub use super::building::delta_text;

/// Rows of the toggles pane: the base selector, then each toggle.
pub const TOGGLE_ROWS: usize = 1 + Toggle::ALL.len();

pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    let version = model.version;
    let saved = matches!(msg, Msg::Saved(Ok(_)));
    let mut cmds = dispatch(model, msg);
    if saved || model.version != version {
        model.refresh_unsaved();
    }
    cmds.extend(super::lesson::advance(model));
    keep_cursor_visible(model);
    cmds
}

/// Scrolls the editor so the cursor is on screen, counting wrapped rows.
fn keep_cursor_visible(model: &mut Model) {
    let Some(rect) = super::ui::layout(model.size, model)
        .iter()
        .find(|(p, _)| *p == Pane::Editor)
        .map(|(_, r)| *r)
    else {
        return;
    };
    let height = usize::from(rect.height.saturating_sub(2)).max(1);
    let width = super::ui::editor::text_width(model, rect);
    model.editor_top = super::ui::editor::top_for_cursor(model, model.editor_top, height, width);
}

fn dispatch(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => {
            let typing = model.focus == Pane::Editor && model.overlay == Overlay::None;
            model.keycast.push(&key, typing, model.now);
            on_key(model, key)
        }
        Msg::Key(_) => Vec::new(),
        Msg::Mouse(mouse) => super::mouse::on_mouse(model, mouse),
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
                super::targeting::show_target(model);
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
                on_job_event(model, event);
            }
            Vec::new()
        }
        Msg::BuildDone(id, result) => {
            if !matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                return Vec::new();
            }
            match result {
                Ok(finished) => {
                    on_built(model, *finished);
                    return files::follow_build(model);
                }
                Err(failure) => on_failed(model, failure),
            }
            Vec::new()
        }
        Msg::Tune(id, event) => {
            if matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                on_tune_event(model, event);
            }
            Vec::new()
        }
        Msg::TuneDone(id, result) => {
            if !matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                return Vec::new();
            }
            match result {
                Ok(result) => on_tuned(model, *result),
                Err(failure) => on_tune_failed(model, failure),
            }
            Vec::new()
        }
        Msg::Matrix(id, event) => {
            if matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                on_matrix_event(model, event);
            }
            Vec::new()
        }
        Msg::MatrixDone(id, result) => {
            if !matches!(model.build, BuildState::Building { id: current, .. } if current == id) {
                return Vec::new();
            }
            match result {
                Ok(report) => on_matrix_done(model, *report),
                Err(failure) => on_matrix_failed(model, failure),
            }
            Vec::new()
        }
        Msg::Saved(Ok(path)) => super::on_disk::on_saved(model, &path),
        Msg::Saved(Err(e)) => {
            super::on_disk::on_save_failed(model, &e);
            Vec::new()
        }
        Msg::Terminate => {
            model.quit = true;
            model.terminated = true;
            vec![Cmd::Quit]
        }
        Msg::Exported(result) => {
            on_exported(model, result);
            Vec::new()
        }
        Msg::FocusGained => on_focus(model),
        Msg::Tick(now) => {
            model.now = now;
            model.keycast.fade(now);
            Vec::new()
        }
        Msg::OnDisk { file, now, refused } => {
            on_disk(model, file, now, refused);
            Vec::new()
        }
        Msg::Dockerfiles(files) => {
            file_switch::on_listed(model, files);
            Vec::new()
        }
        Msg::Opened {
            path,
            version,
            text,
        } => file_switch::on_opened(model, path, version, text),
        Msg::FilesProgress {
            image,
            layers_read,
            bytes_read,
        } => {
            files::on_progress(model, &image, layers_read, bytes_read);
            Vec::new()
        }
        Msg::FilesRead { image, result } => {
            files::on_read(model, image, result);
            Vec::new()
        }
        Msg::ImageFileRead {
            image,
            path,
            result,
        } => {
            files::on_file_read(model, &image, &path, result);
            Vec::new()
        }
    }
}

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// Carries out a workbench-wide key's action; `None` when it does not apply
/// now (no lesson's hint to show, nothing to cancel), so the pane gets the key.
fn on_action(model: &mut Model, action: Action) -> Option<Vec<Cmd>> {
    let none = Vec::new;
    Some(match action {
        Action::Quit if model.dirty() => {
            model.overlay = Overlay::ConfirmQuit;
            none()
        }
        Action::Quit => {
            model.quit = true;
            vec![Cmd::Quit]
        }
        Action::Save => save(model),
        Action::Build => request_build(model),
        Action::RunArgs => {
            model.overlay = Overlay::RunArgs(super::run_args::join(&model.run_args));
            none()
        }
        Action::Matrix => request_matrix(model),
        Action::Tune => request_tune(model),
        Action::Help => {
            model.overlay = Overlay::Help;
            none()
        }
        Action::LessonHint => {
            if !super::lesson::toggle_hint(model) {
                return None;
            }
            none()
        }
        Action::LessonReset => {
            if !super::lesson::ask_reset(model) {
                return None;
            }
            none()
        }
        Action::AutoRebuild => {
            model.auto_rebuild = !model.auto_rebuild;
            model.status = Some(format!(
                "auto-rebuild {}",
                if model.auto_rebuild { "on" } else { "off" }
            ));
            none()
        }
        Action::NextTheme => {
            model.theme = model.theme.next();
            model.rehighlight();
            model.status = Some(format!("theme {}", model.theme.name));
            none()
        }
        Action::Export => export(model),
        Action::OpenFile => file_switch::open_switcher(model),
        Action::Present => {
            present::set(model, !model.present);
            model.status = Some(if model.present {
                "presenter mode: F9 goes back to the full workbench".into()
            } else {
                "presenter mode off".into()
            });
            none()
        }
        Action::Search => {
            model.overlay = Overlay::Search(String::new());
            none()
        }
        Action::Cancel if model.is_building() => cancel_build(model, "build cancelled"),
        Action::Cancel => return None,
        Action::NextPane => {
            model.focus = next_pane(model, 1);
            none()
        }
        Action::PreviousPane => {
            model.focus = next_pane(model, -1);
            none()
        }
    })
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match model.overlay.clone() {
        Overlay::Help => {
            model.overlay = Overlay::None;
            // Tab closes the help and moves focus too: a presenter who
            // pressed it to reach the toggles must not type into the editor.
            if !matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
                return Vec::new();
            }
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
        Overlay::ConfirmTune(offer) => {
            // Ctrl-Y (redo) is no yes.
            let plain = (key.modifiers - KeyModifiers::SHIFT).is_empty();
            let answer = match key.code {
                KeyCode::Char(c) if plain => c,
                _ => 'n',
            };
            return on_offer_key(model, &offer, answer);
        }
        Overlay::ConfirmLessonReset => {
            let plain = (key.modifiers - KeyModifiers::SHIFT).is_empty();
            let answer = match key.code {
                KeyCode::Char(c) if plain => c,
                _ => 'n',
            };
            return super::lesson::on_reset_key(model, answer);
        }
        Overlay::ChangedOnDisk(conflict) => return on_conflict_key(model, *conflict, key),
        Overlay::OpenFile(switch) => return file_switch::on_switch_key(model, switch, key),
        Overlay::ConfirmOpen(path) => return file_switch::on_confirm_key(model, path, key),
        Overlay::RunArgs(line) => return super::run_args::on_run_args_key(model, line, key),
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
    // The comparison and the Files view take the keys they use; Ctrl and
    // F keys still reach the workbench (F5 builds, Ctrl-Q quits).
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && !matches!(key.code, KeyCode::F(_));
    if plain && model.compare.as_ref().is_some_and(|c| c.shown) {
        compare::on_key(model, key);
        return Vec::new();
    }
    if plain && model.files_view.is_some() {
        return files::on_key(model, key);
    }
    // Debug builds only: lets the end-to-end tests check that a panic
    // restores the terminal and keeps the buffer.
    #[cfg(debug_assertions)]
    if key.code == KeyCode::F(12) && key.modifiers.contains(KeyModifiers::CONTROL) {
        panic!("deliberate panic (Ctrl-F12 in a debug build)");
    }
    // Keys that work everywhere.
    if let Some(action) = keymap::global(&key, model.focus == Pane::Editor)
        && let Some(cmds) = on_action(model, action)
    {
        return cmds;
    }
    match model.focus {
        Pane::Editor => {
            // The status line goes back to showing the lint message for the cursor's line.
            model.status = None;
            let changed = if ctrl(&key, 'z') || ctrl(&key, 'u') {
                undo(model)
            } else if ctrl(&key, 'y') {
                redo(model)
            } else if key.modifiers.contains(KeyModifiers::CONTROL)
                && matches!(key.code, KeyCode::Home | KeyCode::End)
            {
                // The start or end of the file, as every editor does it.
                if key.code == KeyCode::Home {
                    model.editor.move_cursor(CursorMove::Top);
                    model.editor.move_cursor(CursorMove::Head);
                } else {
                    model.editor.move_cursor(CursorMove::Bottom);
                    model.editor.move_cursor(CursorMove::End);
                }
                false
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
                KeyCode::Char('t') => super::targeting::choose_target(model),
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
                KeyCode::Enter | KeyCode::Char('f') => return files::open(model),
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
                KeyCode::Char('m') => compare::mark(model),
                KeyCode::Char('d') => return compare::request(model),
                _ => {}
            }
            Vec::new()
        }
    }
}

/// The pane `step` places on in Tab order, among the panes the layout has.
fn next_pane(model: &Model, step: isize) -> Pane {
    let order: &[Pane] = if model.present {
        &present::PANES
    } else {
        &Pane::ORDER
    };
    let at = order.iter().position(|p| *p == model.focus).unwrap_or(0);
    let len = order.len() as isize;
    order[(at as isize + step).rem_euclid(len) as usize]
}

fn on_toggles_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Up => model.toggle_selected = model.toggle_selected.saturating_sub(1),
        KeyCode::Down => model.toggle_selected = (model.toggle_selected + 1).min(TOGGLE_ROWS - 1),
        KeyCode::Char(c @ '1'..='9') if key.modifiers.is_empty() => {
            let n = c as usize - '1' as usize;
            let Some(base) = model.catalog.keys().nth(n).map(str::to_string) else {
                model.status = Some(format!(
                    "no base {c}: the catalog has {}",
                    model.catalog.keys().count()
                ));
                return Vec::new();
            };
            model.toggle_selected = 0;
            return apply_change(model, Change::Base(base));
        }
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
