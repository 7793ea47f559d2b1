//! Reading the Dockerfile the user named, with one clear line for each way
//! that can go wrong; every front end reads its input through here.

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
