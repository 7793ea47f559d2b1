//! What `dockstage build` remembers of a project's last build between runs,
//! so the next run can say why the cache missed. It lives under the user's
//! state directory, one file per project directory and Dockerfile, never in
//! the build context (a file there would itself break the cache).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::workbench::cache_misses::BuildRecord;

/// Why the last build could not be remembered.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error(
        "neither XDG_STATE_HOME nor HOME is set, so there is nowhere to remember the build; set one"
    )]
    NoStateDir,
    #[error("cannot write {path} ({source}); check that directory's permissions")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the build record ({0})")]
    Encode(#[from] serde_json::Error),
}

/// The file as written: the project it is about, for a person who looks,
/// and the record.
#[derive(Serialize, Deserialize)]
struct Remembered {
    dir: PathBuf,
    dockerfile: Option<PathBuf>,
    record: BuildRecord,
}

/// `$XDG_STATE_HOME/dockstage/builds` (else `~/.local/state/…`).
fn builds_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .map(|state| state.join("dockstage").join("builds"))
}

/// The file for the project in `dir` built from `dockerfile`, named by a
/// hash of both paths made absolute, so moving into the directory or naming
/// it differently finds the same file.
fn path_in(builds: &Path, dir: &Path, dockerfile: Option<&Path>) -> PathBuf {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut hasher = Sha256::new();
    hasher.update(absolute(dir).to_string_lossy().as_bytes());
    hasher.update([0]);
    if let Some(file) = dockerfile {
        hasher.update(absolute(file).to_string_lossy().as_bytes());
    }
    let name: String = hasher
        .finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    builds.join(format!("{name}.json"))
}

/// The last build remembered for this project; `None` when there is none,
/// or the file cannot be read (the build is then treated as the first).
pub fn recall(dir: &Path, dockerfile: Option<&Path>) -> Option<BuildRecord> {
    recall_from(&builds_dir()?, dir, dockerfile)
}

fn recall_from(builds: &Path, dir: &Path, dockerfile: Option<&Path>) -> Option<BuildRecord> {
    let text = std::fs::read(path_in(builds, dir, dockerfile)).ok()?;
    serde_json::from_slice::<Remembered>(&text)
        .ok()
        .map(|r| r.record)
}

/// Keeps `record` for the next build of this project, written atomically.
pub fn remember(
    dir: &Path,
    dockerfile: Option<&Path>,
    record: &BuildRecord,
) -> Result<(), MemoryError> {
    let builds = builds_dir().ok_or(MemoryError::NoStateDir)?;
    remember_in(&builds, dir, dockerfile, record)
}

fn remember_in(
    builds: &Path,
    dir: &Path,
    dockerfile: Option<&Path>,
    record: &BuildRecord,
) -> Result<(), MemoryError> {
    let path = path_in(builds, dir, dockerfile);
    let remembered = Remembered {
        dir: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
        dockerfile: dockerfile.map(Path::to_path_buf),
        record: record.clone(),
    };
    let bytes = serde_json::to_vec(&remembered)?;
    let write = |source| MemoryError::Write {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write)?;
    }
    let tmp = crate::ondisk::write_beside(&path, &bytes).map_err(write)?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write(e)
    })?;
    forget_gone_projects(builds);
    Ok(())
}

/// Removes what is remembered of projects whose directory is gone (a
/// checkout deleted, a temporary copy built once), so hours of use, or a
/// test suite's temporary projects, do not pile up files.
fn forget_gone_projects(builds: &Path) {
    #[derive(Deserialize)]
    struct Project {
        dir: PathBuf,
    }
    let Ok(entries) = std::fs::read_dir(builds) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let gone = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Project>(&bytes).ok())
            .is_some_and(|p| !p.dir.exists());
        if gone {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbench::cache_misses::StageRecord;

    #[test]
    fn a_project_whose_directory_is_gone_is_forgotten_at_the_next_build() {
        let root = std::env::temp_dir().join(format!(
            "dockstage-build-memory-gone-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let builds = root.join("state");
        let (gone, kept) = (root.join("gone"), root.join("kept"));
        for dir in [&gone, &kept] {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        let record = BuildRecord::default();
        remember_in(&builds, &gone, None, &record).unwrap_or_else(|e| panic!("{e}"));
        std::fs::remove_dir_all(&gone).unwrap_or_else(|e| panic!("{e}"));
        remember_in(&builds, &kept, None, &record).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !path_in(&builds, &gone, None).exists(),
            "the gone project is forgotten"
        );
        assert_eq!(recall_from(&builds, &kept, None), Some(record));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_build_is_recalled_for_its_project_and_dockerfile_only() {
        let root = std::env::temp_dir().join(format!(
            "dockstage-build-memory-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let (builds, project) = (root.join("state"), root.join("project"));
        std::fs::create_dir_all(&project).unwrap_or_else(|e| panic!("{e}"));
        let dockerfile = project.join("Dockerfile");
        let record = BuildRecord {
            stages: vec![StageRecord {
                name: "builder".into(),
                ..StageRecord::default()
            }],
            ..BuildRecord::default()
        };
        assert_eq!(recall_from(&builds, &project, Some(&dockerfile)), None);
        remember_in(&builds, &project, Some(&dockerfile), &record)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            recall_from(&builds, &project, Some(&dockerfile)),
            Some(record)
        );
        let other = project.join("Dockerfile.single");
        assert_eq!(recall_from(&builds, &project, Some(&other)), None);
        assert!(!project.join(".dockstage").exists());
        assert_eq!(
            std::fs::read_dir(&project).map(|d| d.count()).ok(),
            Some(0),
            "nothing is written into the build context"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
