//! Writing the user's files without losing anyone's work. Every write goes
//! to a temporary file beside its target and is renamed into place, so a
//! crash never leaves half a file; and every write names what dockstage saw
//! in the file when it read it (or that there was none), and is refused when
//! the file holds anything else by then: someone changed it in an editor,
//! `git checkout` replaced it, another dockstage wrote it. Only a choice the
//! user made (`--force`, or the workbench's "keep mine") writes over that.
//! The CLI's `--write` paths, `init`, `tune` and the workbench's save and
//! export all write through here.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// What a file held when dockstage last read or wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Seen {
    /// There was no file: a write creates one, and is refused if one has
    /// appeared since.
    #[default]
    Absent,
    Text(String),
}

impl Seen {
    /// What `path` holds now. Bytes that are not UTF-8 are kept as lossy
    /// text: they never equal what dockstage wrote, so they count as changed.
    pub fn read(path: &Path) -> std::io::Result<Seen> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Seen::Text(match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Seen::Absent),
            Err(e) => Err(e),
        }
    }

    /// The text, or "" for a file that is not there.
    pub fn text(&self) -> &str {
        match self {
            Seen::Absent => "",
            Seen::Text(text) => text,
        }
    }
}

/// Why a write did not happen. Nothing was written either way.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}", changed_words(.path, .was, .now))]
    Changed { path: PathBuf, was: Seen, now: Seen },
    #[error("{}: cannot write: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn changed_words(path: &Path, was: &Seen, now: &Seen) -> String {
    let path = path.display();
    match (was, now) {
        (Seen::Absent, _) => format!("{path} appeared since dockstage looked; nothing was written"),
        (_, Seen::Absent) => {
            format!("{path} was removed since dockstage read it; nothing was written")
        }
        _ => format!("{path} changed since dockstage read it; nothing was written"),
    }
}

/// Writes `text` to `path` if the file still holds what dockstage saw
/// (`was`); a file that already holds `text` is left as it is.
pub fn write_if_unchanged(path: &Path, was: &Seen, text: &str) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = write_beside(path, text.as_bytes()).map_err(io)?;
    let result = (|| {
        let now = Seen::read(path).map_err(io)?;
        if now.text() == text && now != Seen::Absent {
            return Ok(());
        }
        if now != *was {
            return Err(WriteError::Changed {
                path: path.to_path_buf(),
                was: was.clone(),
                now,
            });
        }
        put_in_place(&tmp, path, *was == Seen::Absent)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Moves the finished temporary file onto `path`. A file that is `new` is
/// created by a hard link, which fails rather than replace one that appeared
/// a moment ago; a file system without links falls back to rename.
fn put_in_place(tmp: &Path, path: &Path, new: bool) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if new {
        match std::fs::hard_link(tmp, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(WriteError::Changed {
                    path: path.to_path_buf(),
                    was: Seen::Absent,
                    now: Seen::read(path).map_err(io)?,
                });
            }
            Err(_) => {}
        }
    }
    std::fs::rename(tmp, path).map_err(io)
}

/// A temporary file beside `path` holding `bytes`, with `path`'s
/// permissions when it is a file already, ready to be renamed over it.
pub fn write_beside(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.dockstage-{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Some(meta) = std::fs::metadata(path).ok().filter(|m| m.is_file()) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        Ok(())
    })();
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// One file of a set written together.
#[derive(Debug, Clone)]
pub struct Planned {
    pub path: PathBuf,
    pub text: String,
    /// What dockstage saw in it; `None` writes over whatever is there.
    pub was: Option<Seen>,
}

/// Writes every file or none: all go to temporary files beside their
/// targets first, each target is checked against what dockstage saw, then
/// each is put in place. When anything fails, the temporary files go, files
/// that did not exist before go, and files that did get their old bytes back.
pub fn write_all_or_nothing(files: &[Planned]) -> Result<(), String> {
    let remove_all = |temps: &[PathBuf]| {
        for tmp in temps {
            let _ = std::fs::remove_file(tmp);
        }
    };
    // The old bytes of files replaced, to put back on failure.
    let mut before = Vec::new();
    for file in files {
        before.push(if file.path.is_file() {
            Some(std::fs::read(&file.path).map_err(|e| {
                format!(
                    "{}: cannot read the file to replace: {e}; nothing was written",
                    file.path.display()
                )
            })?)
        } else {
            None
        });
    }
    let mut temps = Vec::new();
    for file in files {
        match write_beside(&file.path, file.text.as_bytes()) {
            Ok(tmp) => temps.push(tmp),
            Err(e) => {
                remove_all(&temps);
                return Err(format!(
                    "{}: cannot write: {e}; nothing was written",
                    file.path.display()
                ));
            }
        }
    }
    for file in files {
        let Some(was) = &file.was else { continue };
        let now = Seen::read(&file.path);
        if now.as_ref().ok() != Some(was) {
            remove_all(&temps);
            return Err(match now {
                Ok(now) => WriteError::Changed {
                    path: file.path.clone(),
                    was: was.clone(),
                    now,
                }
                .to_string(),
                Err(e) => format!(
                    "{}: cannot read it to check it is unchanged: {e}; nothing was written",
                    file.path.display()
                ),
            });
        }
    }
    for (i, (file, tmp)) in files.iter().zip(&temps).enumerate() {
        let Err(e) = put_in_place(tmp, &file.path, file.was == Some(Seen::Absent)) else {
            let _ = std::fs::remove_file(tmp);
            continue;
        };
        remove_all(&temps[i..]);
        let mut message = e.to_string();
        let mut kept = Vec::new();
        for (done, old) in files[..i].iter().zip(&before).rev() {
            let undone = match old {
                Some(bytes) => write_beside(&done.path, bytes).and_then(|t| {
                    std::fs::rename(&t, &done.path).inspect_err(|_| {
                        let _ = std::fs::remove_file(&t);
                    })
                }),
                None => std::fs::remove_file(&done.path),
            };
            if let Err(e) = undone {
                kept.push(format!(
                    "{} could not be put back: {e}",
                    done.path.display()
                ));
            }
        }
        if kept.is_empty() {
            if !message.contains("nothing was written") {
                message.push_str("; nothing was written");
            }
        } else {
            message.push_str("; ");
            message.push_str(&kept.join("; "));
        }
        return Err(message);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-ondisk-{name}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    fn read(path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    #[test]
    fn atomic_write_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("perms");
        let path = dir.join("Dockerfile");
        std::fs::write(&path, "FROM a\n").unwrap_or_default();
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640));
        assert!(write_if_unchanged(&path, &Seen::Text("FROM a\n".into()), "FROM b\n").is_ok());
        assert_eq!(read(&path).as_deref(), Some("FROM b\n"));
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o640);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_written_over() {
        let dir = scratch("changed");
        let path = dir.join("Dockerfile");
        std::fs::write(&path, "FROM theirs\n").unwrap_or_default();
        let e = write_if_unchanged(&path, &Seen::Text("FROM read\n".into()), "FROM mine\n");
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("changed since dockstage read it"), "{e}");
        assert_eq!(read(&path).as_deref(), Some("FROM theirs\n"));
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_new_file_that_appeared_meanwhile_is_not_written_over() {
        let dir = scratch("appeared");
        let path = dir.join("Dockerfile");
        std::fs::write(&path, "FROM theirs\n").unwrap_or_default();
        let e = write_if_unchanged(&path, &Seen::Absent, "FROM mine\n");
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("appeared since"), "{e}");
        assert_eq!(read(&path).as_deref(), Some("FROM theirs\n"));
        assert!(write_if_unchanged(&dir.join("new"), &Seen::Absent, "x").is_ok());
        assert_eq!(read(&dir.join("new")).as_deref(), Some("x"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_removed_file_is_not_written_back_and_the_same_text_is_no_conflict() {
        let dir = scratch("removed");
        let path = dir.join("Dockerfile");
        let e = write_if_unchanged(&path, &Seen::Text("FROM a\n".into()), "FROM b\n");
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("was removed"), "{e}");
        assert_eq!(read(&path), None);
        std::fs::write(&path, "FROM b\n").unwrap_or_default();
        assert!(write_if_unchanged(&path, &Seen::Text("FROM a\n".into()), "FROM b\n").is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_set_is_written_only_when_every_file_is_as_seen() {
        let dir = scratch("set");
        let (a, b) = (dir.join("Dockerfile"), dir.join(".dockerignore"));
        std::fs::write(&b, "theirs\n").unwrap_or_default();
        let plan = |b_was: Option<Seen>| {
            vec![
                Planned {
                    path: a.clone(),
                    text: "FROM mine\n".into(),
                    was: Some(Seen::Absent),
                },
                Planned {
                    path: b.clone(),
                    text: "mine\n".into(),
                    was: b_was,
                },
            ]
        };
        let e = write_all_or_nothing(&plan(Some(Seen::Absent))).err();
        assert!(e.is_some_and(|e| e.contains("appeared since")));
        assert_eq!(read(&a), None);
        assert_eq!(read(&b).as_deref(), Some("theirs\n"));
        assert!(write_all_or_nothing(&plan(None)).is_ok());
        assert_eq!(read(&a).as_deref(), Some("FROM mine\n"));
        assert_eq!(read(&b).as_deref(), Some("mine\n"));
        assert_eq!(std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
