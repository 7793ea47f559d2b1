//! Reading the Dockerfile the user named, with one clear line for each way
//! that can go wrong.

use std::path::{Path, PathBuf};

/// Why a file could not be used, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: no such file", .0.display())]
    Missing(PathBuf),
    #[error("{}: is a directory; give the Dockerfile inside it, e.g. {}", .0.display(), .0.join("Dockerfile").display())]
    Directory(PathBuf),
    #[error("{}: permission denied; check the file's permissions", .0.display())]
    Unreadable(PathBuf),
    #[error("{}: not a text file ({what}); a Dockerfile is UTF-8 text", .path.display())]
    Binary { path: PathBuf, what: String },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads `path` as Dockerfile text.
pub fn read_dockerfile(path: &Path) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| classify(path, e))?;
    if meta.is_dir() {
        return Err(InputError::Directory(path.to_path_buf()));
    }
    let bytes = std::fs::read(path).map_err(|e| classify(path, e))?;
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(InputError::Binary {
            path: path.to_path_buf(),
            what: format!("a NUL byte at offset {at}"),
        });
    }
    String::from_utf8(bytes).map_err(|e| InputError::Binary {
        path: path.to_path_buf(),
        what: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

fn classify(path: &Path, e: std::io::Error) -> InputError {
    match e.kind() {
        std::io::ErrorKind::NotFound => InputError::Missing(path.to_path_buf()),
        std::io::ErrorKind::PermissionDenied => InputError::Unreadable(path.to_path_buf()),
        _ => InputError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// Writes `text` to `path` atomically: a temporary file beside it, then a
/// rename, keeping the original's permissions, so a crash never leaves half a
/// Dockerfile.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = write_beside(path, text.as_bytes())?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("dockstage-input-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("Dockerfile");
        std::fs::write(&path, "FROM a\n").unwrap_or_default();
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640));
        assert!(write_atomically(&path, "FROM b\n").is_ok());
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("FROM b\n")
        );
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o640);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
