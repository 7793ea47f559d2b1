//! What the workbench opens: a project directory, a Dockerfile, or (with no
//! PATH) the bundled example copied somewhere the user may change it.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, bail};

use super::model::FileState;
use crate::input::read_dockerfile;
use crate::ondisk::{Seen, WriteError, write_if_unchanged};

const EXAMPLE: [(&str, &str); 5] = [
    (
        "Dockerfile",
        include_str!("../../assets/examples/hello/Dockerfile"),
    ),
    (
        "Dockerfile.single",
        include_str!("../../assets/examples/hello/Dockerfile.single"),
    ),
    ("go.mod", include_str!("../../assets/examples/hello/go.mod")),
    (
        "main.go",
        include_str!("../../assets/examples/hello/main.go"),
    ),
    (
        ".dockerignore",
        include_str!("../../assets/examples/hello/.dockerignore"),
    ),
];

const TEMPLATE: &str = include_str!("../../assets/templates/go.Dockerfile");

pub struct Opened {
    pub file: FileState,
    /// What the file held when it was opened; absent for a template not yet saved.
    pub seen: Seen,
    pub text: String,
    /// Unsaved work a crash left in the recovery file, to offer back.
    pub recovered: Option<String>,
}

/// Where a crash keeps the buffer of `path`.
pub fn recovery_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.dockstage-recovery"))
}

fn example_dir() -> PathBuf {
    crate::workbench::lesson::progress::data_dir().join("examples/hello")
}

/// Copies the bundled example out, keeping files the user already has there.
fn copy_example() -> Result<PathBuf> {
    let dir = example_dir();
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in EXAMPLE {
        let path = dir.join(name);
        match write_if_unchanged(&path, &Seen::Absent, text) {
            Ok(()) | Err(WriteError::Changed { .. }) => {}
            Err(e) => return Err(e).wrap_err("cannot copy the bundled example"),
        }
    }
    Ok(dir)
}

pub fn open(path: Option<&Path>) -> Result<Opened> {
    let (file, dir, note, template) = match path {
        None => {
            let dir = copy_example()?;
            let note = format!("the bundled example, copied to {}", dir.display());
            (dir.join("Dockerfile"), dir, Some(note), false)
        }
        Some(p) if p.is_dir() => {
            let dockerfile = p.join("Dockerfile");
            if dockerfile.exists() {
                (dockerfile, p.to_path_buf(), None, false)
            } else if p.join("go.mod").exists() {
                let note = "no Dockerfile here: a multi-stage template for the Go module is loaded; Ctrl-S writes it".to_string();
                (dockerfile, p.to_path_buf(), Some(note), true)
            } else {
                bail!(
                    "{}: no Dockerfile and no go.mod; give a Go project directory or a Dockerfile",
                    p.display()
                );
            }
        }
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (p.to_path_buf(), dir, None, false)
        }
    };
    let saved = if template {
        String::new()
    } else {
        read_dockerfile(&file)?
    };
    let recovery = recovery_path(&file);
    let recovered = std::fs::read_to_string(&recovery)
        .ok()
        .filter(|r| *r != saved);
    let text = if template {
        TEMPLATE.to_string()
    } else {
        saved.clone()
    };
    Ok(Opened {
        seen: if template {
            Seen::Absent
        } else {
            Seen::Text(saved.clone())
        },
        file: FileState {
            path: file,
            dir,
            saved,
            note,
        },
        text,
        recovered,
    })
}
