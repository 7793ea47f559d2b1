//! Where a learner's copy of a lesson and their progress live, so they can
//! stop and come back: the copy under the user's data directory
//! (`~/.local/share/dockstage/lessons/NAME`), the progress beside it in
//! `progress/NAME.toml`, outside the build context so saving it never
//! changes what a `COPY . .` sees.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Lesson;

/// How far a learner got in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Steps done, counted from the first.
    pub done: usize,
    /// Milliseconds from each step beginning to its checks passing, so a
    /// course can say how long each step takes.
    #[serde(default)]
    pub step_ms: Vec<u64>,
}

impl Progress {
    /// "3/5 steps", or "done" when every step is.
    pub fn summary(&self, lesson: &Lesson) -> String {
        let total = lesson.steps.len();
        match self.done {
            0 => "not started".to_string(),
            n if n >= total => "done".to_string(),
            n => format!("{n}/{total} steps"),
        }
    }
}

/// dockstage's own folder under the user's data directory.
pub fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("dockstage")
}

/// The learner's copy of lesson `name`.
pub fn work_dir(name: &str) -> PathBuf {
    data_dir().join("lessons").join(name)
}

fn progress_path(name: &str) -> PathBuf {
    data_dir().join("progress").join(format!("{name}.toml"))
}

/// The progress saved for `name`; none yet, or a file that cannot be read,
/// is a lesson not started (the copy is still the learner's).
pub fn load(name: &str) -> Progress {
    std::fs::read_to_string(progress_path(name))
        .ok()
        .and_then(|text| toml::from_str(&text).ok())
        .unwrap_or_default()
}

/// Saves `progress` atomically, so a crash never leaves half a file.
pub fn save(name: &str, progress: &Progress) -> std::io::Result<()> {
    let path = progress_path(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = toml::to_string(progress).map_err(std::io::Error::other)?;
    let tmp = crate::ondisk::write_beside(&path, text.as_bytes())?;
    std::fs::rename(tmp, &path)
}

/// The learner's copy of `lesson` and their progress in it: made fresh the
/// first time (or with `reset`, which puts the lesson back to its start),
/// kept as the learner left it otherwise.
pub fn start(lesson: &Lesson, reset: bool) -> std::io::Result<(PathBuf, Progress)> {
    let dir = work_dir(&lesson.name);
    if reset {
        remove_if_present(&dir)?;
        match std::fs::remove_file(progress_path(&lesson.name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    if !dir.join(&lesson.open).exists() {
        remove_if_present(&dir)?;
        lesson.copy_to(&dir)?;
        // A fresh copy starts the lesson over, whatever was saved before.
        save(&lesson.name, &Progress::default())?;
    }
    Ok((dir, load(&lesson.name)))
}

fn remove_if_present(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
