//! The workbench never writes over work done elsewhere. It remembers what
//! the Dockerfile held when it was read or last saved, and every save names
//! it, so the file worker refuses a save over a file that changed meanwhile.
//! The worker also reports what the file holds on a timer and when the
//! terminal regains focus. Either way an outside change is offered as a
//! question, as editors do: reload it (Ctrl-Z brings the edits back), keep
//! the editor's text and write it over the file, or see the difference first.
//! Ctrl-E's Markdown export is guarded the same way.

use std::collections::VecDeque;

use crossterm::event::{KeyCode, KeyEvent};

use super::editing::{edited, replace_text};
use super::model::{Model, Overlay};
use super::msg::{Cmd, DiskFile};
use crate::ondisk::Seen;

/// The files the workbench writes, as it last saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disk {
    /// What the Dockerfile held when the workbench last read or wrote it.
    pub seen: Seen,
    /// The texts of the saves in flight, oldest first: the file worker does
    /// them in order, and the file holds each once it is done.
    pub saving: VecDeque<String>,
    /// An outside change the user chose to decide on later; the timer does
    /// not ask about it again (a save still does).
    pub dismissed: Option<Seen>,
    /// What Ctrl-E last wrote. Absent until then, so a file already there is
    /// someone else's and is not replaced without asking.
    pub exported: Seen,
    pub exporting: Option<String>,
}

/// A file that changed on disk, and the question about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskConflict {
    pub file: DiskFile,
    /// What the file holds now.
    pub now: Seen,
    /// The export that was not written; the Dockerfile's side is the editor.
    pub export: Option<String>,
    /// The difference from the file on disk to ours, once asked for.
    pub diff: Option<Vec<String>>,
    /// Diff lines scrolled past.
    pub scroll: usize,
}

/// Ctrl-S, and tune's "write it": save the editor's text over what was seen.
pub(super) fn save(model: &mut Model) -> Vec<Cmd> {
    let text = model.text();
    // Behind a save still in flight, the file will hold that one's text.
    let was = match model.disk.saving.back() {
        Some(earlier) => Seen::Text(earlier.clone()),
        None => model.disk.seen.clone(),
    };
    model.disk.saving.push_back(text.clone());
    vec![Cmd::Save {
        path: model.file.path.clone(),
        text,
        was,
    }]
}

/// The file worker wrote the save in flight.
pub(super) fn on_saved(model: &mut Model, path: &std::path::Path) -> Vec<Cmd> {
    let text = model
        .disk
        .saving
        .pop_front()
        .unwrap_or_else(|| model.text());
    model.disk.seen = Seen::Text(text.clone());
    model.disk.dismissed = None;
    model.file.saved = text;
    model.refresh_unsaved();
    model.status = Some(format!("saved {}", path.display()));
    if model.overlay == Overlay::ConfirmQuit {
        model.quit = true;
        return vec![Cmd::Quit];
    }
    super::file_switch::after_save(model)
}

pub(super) fn on_save_failed(model: &mut Model, error: &str) {
    model.disk.saving.pop_front();
    model.status = Some(format!("not saved: {error}"));
}

/// Ctrl-E: the variants table as Markdown beside the Dockerfile, with the
/// last comparison of two variants (`d`) below it, so one file holds the
/// table and what the change was made of.
pub(super) fn export(model: &mut Model) -> Vec<Cmd> {
    if model.variants.is_empty() {
        model.status = Some("no variants yet: build first (F5)".into());
        return Vec::new();
    }
    let mut text = crate::workbench::variant::markdown(&model.variants);
    if let Some(diff) = model.compare.as_ref().and_then(|c| c.diff()) {
        text.push('\n');
        text.push_str(&diff.markdown(super::compare::MARKDOWN_ROWS));
    }
    model.disk.exporting = Some(text.clone());
    vec![Cmd::Export {
        path: export_path(model),
        text,
        was: model.disk.exported.clone(),
    }]
}

fn export_path(model: &Model) -> std::path::PathBuf {
    model.file.path.with_file_name("dockstage-variants.md")
}

pub(super) fn on_exported(model: &mut Model, result: Result<std::path::PathBuf, String>) {
    let written = model.disk.exporting.take();
    model.status = Some(match result {
        Ok(path) => {
            if let Some(text) = written {
                model.disk.exported = Seen::Text(text);
            }
            format!("variants exported to {}", path.display())
        }
        Err(e) => format!("export failed: {e}"),
    });
}

/// The terminal has focus again: look at the file.
pub(super) fn on_focus(model: &Model) -> Vec<Cmd> {
    vec![Cmd::CheckDisk {
        path: model.file.path.clone(),
    }]
}

/// What a file holds now: a question when it is not what the workbench saw.
/// A refused write always asks; a check does not interrupt another question
/// (the next check asks again) nor repeat one the user put off.
pub(super) fn on_disk(model: &mut Model, file: DiskFile, now: Seen, refused: bool) {
    let export = match file {
        DiskFile::Dockerfile => {
            if refused {
                model.disk.saving.pop_front();
            } else if let Overlay::ChangedOnDisk(open) = &mut model.overlay
                && open.file == DiskFile::Dockerfile
            {
                // The question already open shows what is on disk now: a
                // file written in pieces is read again until it settles.
                if now == model.disk.seen {
                    model.overlay = Overlay::None;
                    model.status = Some(format!("{} is as it was again", name(model, file)));
                } else if open.now != now {
                    open.now = now.clone();
                    open.diff = None;
                    open.scroll = 0;
                    model.status = Some(format!("{} {}", name(model, file), change_words(&now)));
                }
                return;
            } else if now == model.disk.seen
                || model.disk.dismissed.as_ref() == Some(&now)
                || model.overlay != Overlay::None
            {
                return;
            }
            None
        }
        DiskFile::Export => {
            let Some(text) = model.disk.exporting.take() else {
                return;
            };
            Some(text)
        }
    };
    model.status = Some(format!("{} {}", name(model, file), change_words(&now)));
    model.overlay = Overlay::ChangedOnDisk(Box::new(DiskConflict {
        file,
        now,
        export,
        diff: None,
        scroll: 0,
    }));
}

/// The file's name as the question shows it.
pub fn name(model: &Model, file: DiskFile) -> String {
    let path = match file {
        DiskFile::Dockerfile => model.file.path.clone(),
        DiskFile::Export => export_path(model),
    };
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// "changed on disk", in words that fit what happened to the file.
pub fn change_words(now: &Seen) -> &'static str {
    match now {
        Seen::Absent => "was removed on disk",
        Seen::Text(_) => "changed on disk",
    }
}

/// The answer to the question about a changed file.
pub(super) fn on_conflict_key(
    model: &mut Model,
    mut conflict: DiskConflict,
    key: KeyEvent,
) -> Vec<Cmd> {
    let name = name(model, conflict.file);
    match key.code {
        KeyCode::Char('r')
            if conflict.file == DiskFile::Dockerfile && conflict.now != Seen::Absent =>
        {
            model.overlay = Overlay::None;
            let had_edits = model.dirty();
            let text = conflict.now.text().replace("\r\n", "\n");
            model.file.saved = conflict.now.text().to_string();
            model.disk.seen = conflict.now;
            model.disk.dismissed = None;
            replace_text(model, &text);
            model.status = Some(if had_edits {
                format!("reloaded {name} from disk; Ctrl-Z brings your edits back")
            } else {
                format!("reloaded {name} from disk")
            });
            edited(model)
        }
        KeyCode::Char('k') => {
            model.overlay = Overlay::None;
            match conflict.export {
                Some(text) => {
                    model.disk.exporting = Some(text.clone());
                    vec![Cmd::Export {
                        path: export_path(model),
                        text,
                        was: conflict.now,
                    }]
                }
                None => {
                    model.file.saved = conflict.now.text().to_string();
                    model.disk.seen = conflict.now;
                    model.disk.dismissed = None;
                    model.refresh_unsaved();
                    save(model)
                }
            }
        }
        KeyCode::Char('d') => {
            if conflict.diff.is_some() {
                conflict.diff = None;
            } else {
                let ours = match &conflict.export {
                    Some(text) => text.clone(),
                    None => model.text(),
                };
                conflict.diff = Some(diff_lines(&name, conflict.now.text(), &ours));
                conflict.scroll = 0;
            }
            model.overlay = Overlay::ChangedOnDisk(Box::new(conflict));
            Vec::new()
        }
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown
            if conflict.diff.is_some() =>
        {
            let last = conflict
                .diff
                .as_ref()
                .map_or(0, |d| d.len().saturating_sub(1));
            conflict.scroll = match key.code {
                KeyCode::Up => conflict.scroll.saturating_sub(1),
                KeyCode::Down => conflict.scroll + 1,
                KeyCode::PageUp => conflict.scroll.saturating_sub(10),
                _ => conflict.scroll + 10,
            }
            .min(last);
            model.overlay = Overlay::ChangedOnDisk(Box::new(conflict));
            Vec::new()
        }
        KeyCode::Esc => {
            model.overlay = Overlay::None;
            model.status = Some(match conflict.export {
                Some(_) => format!("not exported: {name} was left as it is"),
                None => {
                    model.disk.dismissed = Some(conflict.now);
                    format!("{name} on disk left as it is, and so is the editor; Ctrl-S asks again")
                }
            });
            Vec::new()
        }
        _ => {
            model.overlay = Overlay::ChangedOnDisk(Box::new(conflict));
            Vec::new()
        }
    }
}

/// A unified diff from the file on disk to ours, one line per entry.
pub fn diff_lines(name: &str, on_disk: &str, ours: &str) -> Vec<String> {
    similar::TextDiff::from_lines(on_disk, ours)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{name} on disk"), &format!("{name} in dockstage"))
        .to_string()
        .lines()
        .map(str::to_string)
        .collect()
}
