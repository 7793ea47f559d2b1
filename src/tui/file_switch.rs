//! Ctrl-O: open another Dockerfile of the project (`Dockerfile.single`,
//! `api.Dockerfile`) without leaving the workbench. The file worker lists
//! and reads the files; this decides what the keys do. Unsaved changes are
//! never dropped without asking, as quit asks.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent};

use super::building::cancel_build;
use super::model::{BuildState, Model, Overlay, editor_of};
use super::msg::Cmd;
use super::on_disk::save;
use crate::ondisk::Seen;

/// The open switcher: the files found (`None` while the worker lists them)
/// and the one under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSwitch {
    pub files: Option<Result<Vec<PathBuf>, String>>,
    pub selected: usize,
}

/// Whether `name` is a Dockerfile by the names BuildKit's tools look for:
/// `Dockerfile`, `Dockerfile.single`, `api.Dockerfile`, `api.dockerfile`.
pub fn is_dockerfile_name(name: &str) -> bool {
    name.starts_with("Dockerfile") || name.ends_with(".Dockerfile") || name.ends_with(".dockerfile")
}

/// The Dockerfiles directly in `dir`, sorted by name. Runs in the file
/// worker: it reads the disk.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_dockerfile_name)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Ctrl-O: the switcher opens at once and fills in when the worker answers.
pub(super) fn open_switcher(model: &mut Model) -> Vec<Cmd> {
    model.overlay = Overlay::OpenFile(FileSwitch {
        files: None,
        selected: 0,
    });
    vec![Cmd::ListDockerfiles {
        dir: model.file.dir.clone(),
    }]
}

/// The worker's list; the file being edited starts selected.
pub(super) fn on_listed(model: &mut Model, files: Result<Vec<PathBuf>, String>) {
    let Overlay::OpenFile(switch) = &mut model.overlay else {
        return;
    };
    switch.selected = files
        .as_ref()
        .ok()
        .and_then(|f| f.iter().position(|p| *p == model.file.path))
        .unwrap_or(0);
    switch.files = Some(files);
}

pub(super) fn on_switch_key(model: &mut Model, mut switch: FileSwitch, key: KeyEvent) -> Vec<Cmd> {
    let count = match &switch.files {
        Some(Ok(files)) => files.len(),
        _ => 0,
    };
    match key.code {
        KeyCode::Up => switch.selected = switch.selected.saturating_sub(1),
        KeyCode::Down => switch.selected = (switch.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Enter => {
            let chosen = match &switch.files {
                Some(Ok(files)) => files.get(switch.selected).cloned(),
                _ => None,
            };
            model.overlay = Overlay::None;
            return match chosen {
                Some(path) => choose(model, path),
                None => Vec::new(),
            };
        }
        KeyCode::Esc => {
            model.overlay = Overlay::None;
            return Vec::new();
        }
        _ => {}
    }
    model.overlay = Overlay::OpenFile(switch);
    Vec::new()
}

/// Opens `path`, asking first when the editor has unsaved changes.
fn choose(model: &mut Model, path: PathBuf) -> Vec<Cmd> {
    if path == model.file.path {
        model.status = Some(format!("{} is already open", file_name(&path)));
        return Vec::new();
    }
    if model.dirty() {
        model.overlay = Overlay::ConfirmOpen(path);
        return Vec::new();
    }
    open_cmd(model, path)
}

/// Reads `path` to open it, as long as the editor stays as it is now.
fn open_cmd(model: &Model, path: PathBuf) -> Vec<Cmd> {
    vec![Cmd::OpenFile {
        path,
        version: model.version,
    }]
}

/// The answer to "unsaved changes: open another file?". Saving first opens
/// the other file once the save is done (`after_save`).
pub(super) fn on_confirm_key(model: &mut Model, path: PathBuf, key: KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Char('s') => save(model),
        KeyCode::Char('d') => {
            model.overlay = Overlay::None;
            open_cmd(model, path)
        }
        _ => {
            model.overlay = Overlay::None;
            model.status = Some(format!(
                "{} not opened; the editor is as it was",
                file_name(&path)
            ));
            Vec::new()
        }
    }
}

/// After a save: the file the user asked for, if the save was asked for
/// by the question about opening it.
pub(super) fn after_save(model: &mut Model) -> Vec<Cmd> {
    let Overlay::ConfirmOpen(path) = &model.overlay else {
        return Vec::new();
    };
    let path = path.clone();
    model.overlay = Overlay::None;
    open_cmd(model, path)
}

/// The file worker read `path`: it becomes the file being edited. Variants
/// stay, so builds of the two files can be compared.
pub(super) fn on_opened(
    model: &mut Model,
    path: PathBuf,
    version: u64,
    text: Result<String, String>,
) -> Vec<Cmd> {
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            model.status = Some(format!("cannot open {}: {e}", file_name(&path)));
            return Vec::new();
        }
    };
    if version != model.version {
        // Edited after the user chose to open it: that edit is never dropped.
        model.status = Some(format!(
            "{} not opened: the editor changed meanwhile; Ctrl-O again to open it",
            file_name(&path)
        ));
        return Vec::new();
    }
    let mut cmds = cancel_build(model, "build stopped: another file is open");
    if matches!(model.build, BuildState::Failed { .. }) {
        model.build = BuildState::Idle;
    }
    model.steps.clear();
    model.pending_build = false;
    model.explanation = None;
    model.graph_selected = 0;
    model.editor = editor_of(&text.replace("\r\n", "\n"));
    model.editor_top = 0;
    model.undo_groups.clear();
    model.redo_groups.clear();
    model.disk.seen = Seen::Text(text.clone());
    model.disk.dismissed = None;
    model.file.saved = text;
    model.file.note = None;
    model.file.path = path;
    model.analysis = None;
    model.version += 1;
    model.rehighlight();
    model.refresh_unsaved();
    model.status = Some(format!("opened {}", file_name(&model.file.path)));
    cmds.push(Cmd::Analyze {
        version: model.version,
        text: model.text(),
    });
    cmds.push(Cmd::CheckDisk {
        path: model.file.path.clone(),
    });
    cmds
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "Dockerfile.single",
            "api.Dockerfile",
            "x.dockerfile",
        ] {
            assert!(is_dockerfile_name(name), "{name}");
        }
        for name in [
            "main.go",
            ".Dockerfile.dockstage-recovery",
            "dockerfile-notes.md",
        ] {
            assert!(!is_dockerfile_name(name), "{name}");
        }
    }
}
