//! Changing the editor's text from the workbench: toggles replayed as
//! undoable edits, grouped undo and redo, and the re-parse each change asks for.

use ratatui_textarea::CursorMove;

use super::building::cancel_build;
use super::model::{DockerStatus, Model};
use super::msg::Cmd;
use crate::dockerfile::edit::{Change, Context};
use crate::dockerfile::{LineIndex, TextEdit, parse};

/// The editor's text with `\n` endings: what the core parses and edits.
pub(super) fn editor_text(model: &Model) -> String {
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
pub(super) fn apply_edits_to_editor(model: &mut Model, text: &str, edits: &[TextEdit]) {
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

pub(super) fn replace_text(model: &mut Model, text: &str) {
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
pub(super) fn record_undo_group(model: &mut Model, entries: usize) {
    if entries > 0 {
        model.undo_groups.push(entries);
        model.redo_groups.clear();
    }
}

pub(super) fn undo(model: &mut Model) -> bool {
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

pub(super) fn redo(model: &mut Model) -> bool {
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

pub(super) fn jump_to_line(model: &mut Model, line: usize) {
    let row = u16::try_from(line.saturating_sub(1)).unwrap_or(u16::MAX);
    model.editor.move_cursor(CursorMove::Jump(row, 0));
}

/// After any change to the text: re-highlight now, re-parse in the worker.
pub(super) fn edited(model: &mut Model) -> Vec<Cmd> {
    model.version += 1;
    model.rehighlight();
    vec![Cmd::Analyze {
        version: model.version,
        text: editor_text(model),
    }]
}
