//! Changing the editor's text from the workbench: toggles replayed as
//! undoable edits, grouped undo and redo, and the re-parse each change asks for.

use ratatui_textarea::CursorMove;

use super::building::cancel_build;
use super::model::{DockerStatus, Model};
use super::msg::Cmd;
use crate::dockerfile::edit::{Change, Context};
use crate::dockerfile::{apply_edits, parse};

/// The editor's text with `\n` endings: what the core parses and edits.
pub(super) fn editor_text(model: &Model) -> String {
    let mut text = model.editor.lines().join("\n");
    text.push('\n');
    text
}

/// Applies a toggle through the core's edits, as undoable editor changes.
/// The edits run on the text as it would be saved, exactly as `dockstage
/// edit` runs them on the file, so both give the same bytes.
pub fn apply_change(model: &mut Model, change: Change) -> Vec<Cmd> {
    let text = model.text();
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
    replace_text(model, &apply_edits(&text, &edits));
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

/// Makes the editor hold `text`, changing only the lines that differ, as
/// one undoable step.
pub(super) fn replace_text(model: &mut Model, text: &str) {
    let old: Vec<String> = model.editor.lines().to_vec();
    let new: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.lines().collect()
    };
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let hunks: Vec<(usize, usize, usize, usize)> =
        similar::capture_diff_slices(similar::Algorithm::Myers, &old_refs, &new)
            .iter()
            .filter_map(|op| {
                let (tag, old_range, new_range) = op.as_tag_tuple();
                (tag != similar::DiffTag::Equal).then_some((
                    old_range.start,
                    old_range.len(),
                    new_range.start,
                    new_range.len(),
                ))
            })
            .collect();
    model.editor.cancel_selection();
    let mut entries = 0;
    for &(at, len, new_at, new_len) in hunks.iter().rev() {
        entries += replace_lines(model, &old, at, len, &new[new_at..new_at + new_len]);
    }
    // The cursor goes where the text changed first, so the change is in view.
    if let Some(&(at, _, new_at, _)) = hunks.first() {
        let was = old.get(at).map_or("", String::as_str);
        let now = new.get(new_at).copied().unwrap_or("");
        let col = was
            .chars()
            .zip(now.chars())
            .take_while(|(a, b)| a == b)
            .count();
        model
            .editor
            .move_cursor(CursorMove::Jump(to_u16(new_at), to_u16(col)));
    }
    record_undo_group(model, entries);
}

/// Replaces lines `at..at + len` of the editor (as they were in `old`) with
/// `lines`; returns how many history entries that took.
fn replace_lines(
    model: &mut Model,
    old: &[String],
    at: usize,
    len: usize,
    lines: &[&str],
) -> usize {
    let chars = |range: std::ops::Range<usize>| -> usize {
        old.get(range)
            .unwrap_or(&[])
            .iter()
            .map(|l| l.chars().count() + 1)
            .sum()
    };
    let joined = lines.join("\n");
    let mut entries = 0;
    let (delete, insert) = if at + len < old.len() {
        // Lines followed by others: take each with its newline.
        model.editor.move_cursor(CursorMove::Jump(to_u16(at), 0));
        let insert = if lines.is_empty() {
            String::new()
        } else {
            format!("{joined}\n")
        };
        (chars(at..at + len), insert)
    } else if at > 0 {
        // The last lines: take the newline before them instead.
        let prev = old.get(at - 1).map_or(0, |l| l.chars().count());
        model
            .editor
            .move_cursor(CursorMove::Jump(to_u16(at - 1), to_u16(prev)));
        let insert = if lines.is_empty() {
            String::new()
        } else {
            format!("\n{joined}")
        };
        (chars(at..at + len), insert)
    } else {
        // The whole text.
        model.editor.move_cursor(CursorMove::Jump(0, 0));
        (chars(0..len).saturating_sub(1), joined)
    };
    // delete_str keeps the user's yank buffer, unlike cut.
    if delete > 0 && model.editor.delete_str(delete) {
        entries += 1;
    }
    if !insert.is_empty() && model.editor.insert_str(&insert) {
        entries += 1;
    }
    entries
}

fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
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
