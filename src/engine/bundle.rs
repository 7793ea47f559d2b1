//! Base-image bundles: `docker save` on a machine that has the images,
//! `docker load` on one that has none, so a workshop needs no Wi-Fi.
//!
//! A bundle is hundreds of megabytes and takes a while to write, so it is
//! streamed into a temporary file beside its target and put in place only
//! when complete: a failed or cancelled save leaves nothing behind, and an
//! existing file is replaced only when the user said so.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use bollard::query_parameters::ImportImageOptions;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::Engine;

/// Why a bundle was not saved or loaded; each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(
        "{}: the file exists; nothing was written (give --force to replace it, or another name)",
        .0.display()
    )]
    Exists(PathBuf),
    #[error("{}: no such file; give a bundle made by `dockstage bases save FILE`", .0.display())]
    NotFound(PathBuf),
    #[error(
        "{}: not an image bundle ({reason}); make one with `dockstage bases save FILE` (or `docker save -o FILE IMAGE...`)",
        .path.display()
    )]
    NotABundle { path: PathBuf, reason: String },
    #[error("{}: {source}; nothing was written", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("saving {}: the daemon said: {message}; nothing was written", .path.display())]
    Save { path: PathBuf, message: String },
    #[error("loading {}: the daemon said: {message}", .path.display())]
    Load { path: PathBuf, message: String },
    #[error("cancelled; nothing was written")]
    Cancelled,
}

/// What `docker save` writes into `manifest.json`, one entry per image.
#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
}

/// Refuses a target that exists unless `replace`, before any byte is
/// exported: the user learns it at once, not after minutes of saving.
pub fn check_target(path: &Path, replace: bool) -> Result<(), BundleError> {
    if !replace && std::fs::symlink_metadata(path).is_ok() {
        return Err(BundleError::Exists(path.to_path_buf()));
    }
    if path.is_dir() {
        return Err(BundleError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(ErrorKind::IsADirectory, "a directory, not a file"),
        });
    }
    Ok(())
}

/// The image names a bundle holds, read from its `manifest.json` without
/// loading it, so a file that is no bundle is refused before the daemon
/// sees it (the daemon's own error names a temporary path, which helps no one).
pub fn bundle_tags(path: &Path) -> Result<Vec<String>, BundleError> {
    let read = |source: std::io::Error| BundleError::Read {
        path: path.to_path_buf(),
        source,
    };
    let not_a_bundle = |reason: String| BundleError::NotABundle {
        path: path.to_path_buf(),
        reason,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(BundleError::NotFound(path.to_path_buf()));
        }
        Err(e) => return Err(read(e)),
    };
    if file.metadata().map_err(read)?.is_dir() {
        return Err(not_a_bundle("a directory".into()));
    }
    let mut archive = tar::Archive::new(file);
    let entries = archive
        .entries_with_seek()
        .map_err(|e| not_a_bundle(format!("not a tar file: {e}")))?;
    let mut seen = 0usize;
    for entry in entries {
        seen += 1;
        let mut entry = entry.map_err(|e| not_a_bundle(format!("not a tar file: {e}")))?;
        let is_manifest = entry
            .path()
            .map(|p| p.as_os_str() == "manifest.json")
            .unwrap_or(false);
        if !is_manifest {
            continue;
        }
        let manifest: Vec<ManifestEntry> = serde_json::from_reader(&mut entry)
            .map_err(|e| not_a_bundle(format!("its manifest.json is unreadable: {e}")))?;
        return Ok(manifest
            .into_iter()
            .flat_map(|m| m.repo_tags.unwrap_or_default())
            .collect());
    }
    Err(not_a_bundle(if seen == 0 {
        "not a tar file".into()
    } else {
        "a tar file with no manifest.json".into()
    }))
}

/// The temporary file a bundle is written to before it is put in place.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.dockstage-{}.tmp", std::process::id()))
}

impl Engine {
    /// Writes `images` into one tar at `path`, replacing a file there only
    /// when `replace`. Returns the bundle's size.
    pub async fn save_images(
        &self,
        images: &[&str],
        path: &Path,
        replace: bool,
        cancel: &CancellationToken,
    ) -> Result<u64, BundleError> {
        check_target(path, replace)?;
        let tmp = temp_beside(path);
        let result = self.export_to(images, path, &tmp, cancel).await;
        let result = match result {
            Ok(written) => put_in_place(&tmp, path, replace).map(|()| written),
            Err(e) => Err(e),
        };
        let _ = tokio::fs::remove_file(&tmp).await;
        result
    }

    async fn export_to(
        &self,
        images: &[&str],
        path: &Path,
        tmp: &Path,
        cancel: &CancellationToken,
    ) -> Result<u64, BundleError> {
        let write = |source| BundleError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut file = tokio::fs::File::create(tmp).await.map_err(write)?;
        let mut stream = self.docker().export_images(images);
        let mut written = 0u64;
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => return Err(BundleError::Cancelled),
                next = stream.next() => next,
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| BundleError::Save {
                path: path.to_path_buf(),
                message: daemon_message(e),
            })?;
            file.write_all(&chunk).await.map_err(write)?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(write)?;
        file.sync_all().await.map_err(write)?;
        Ok(written)
    }

    /// Loads a bundle written by `save_images` (or `docker save`); returns
    /// the daemon's lines, such as "Loaded image: golang:1.24".
    pub async fn load_images(&self, path: &Path) -> Result<Vec<String>, BundleError> {
        bundle_tags(path)?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|source| BundleError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let body = tokio_util::io::ReaderStream::new(file);
        let mut stream =
            self.docker()
                .import_image_stream(ImportImageOptions::default(), body, None);
        let mut lines = Vec::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| BundleError::Load {
                path: path.to_path_buf(),
                message: daemon_message(e),
            })?;
            if let Some(text) = info.stream.or(info.status) {
                let text = text.trim().to_string();
                if !text.is_empty() {
                    lines.push(text);
                }
            }
        }
        Ok(lines)
    }
}

/// The daemon's own words, without bollard's wrapping.
fn daemon_message(e: bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message,
        bollard::errors::Error::DockerStreamError { error } => error,
        other => other.to_string(),
    }
}

/// Moves the finished bundle onto `path`. Without `replace` it is linked,
/// which fails rather than replace a file that appeared during the save.
fn put_in_place(tmp: &Path, path: &Path, replace: bool) -> Result<(), BundleError> {
    let write = |source| BundleError::Write {
        path: path.to_path_buf(),
        source,
    };
    if !replace {
        match std::fs::hard_link(tmp, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(BundleError::Exists(path.to_path_buf()));
            }
            // A file system without hard links: the check before the save
            // has to do.
            Err(_) => {}
        }
    }
    std::fs::rename(tmp, path).map_err(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-bundle-{name}-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    #[test]
    fn an_existing_target_is_refused_unless_replaced() {
        let dir = scratch("target");
        let path = dir.join("bases.tar");
        assert!(check_target(&path, false).is_ok());
        let _ = std::fs::write(&path, "mine");
        let e = check_target(&path, false).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("the file exists; nothing was written (give --force")),
            "{e:?}"
        );
        assert!(check_target(&path, true).is_ok());
        assert!(check_target(&dir, true).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn put_in_place_never_replaces_a_file_that_appeared_without_replace() {
        let dir = scratch("place");
        let (tmp, path) = (dir.join("tmp"), dir.join("bases.tar"));
        let _ = std::fs::write(&tmp, "bundle");
        let _ = std::fs::write(&path, "theirs");
        assert!(matches!(
            put_in_place(&tmp, &path, false),
            Err(BundleError::Exists(_))
        ));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("theirs")
        );
        assert!(put_in_place(&tmp, &path, true).is_ok());
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("bundle")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bundles_are_told_from_other_files() {
        let dir = scratch("tags");
        let missing = bundle_tags(&dir.join("none.tar"))
            .err()
            .map(|e| e.to_string());
        assert!(
            missing
                .as_deref()
                .is_some_and(|e| e.contains("no such file")),
            "{missing:?}"
        );
        let text = dir.join("notes.txt");
        let _ = std::fs::write(&text, "not a tar at all, just some words that go on and on");
        assert!(matches!(
            bundle_tags(&text),
            Err(BundleError::NotABundle { .. })
        ));
        let tar_path = dir.join("plain.tar");
        let manifest = br#"[{"Config":"c.json","RepoTags":["busybox:stable"],"Layers":[]}]"#;
        let write_tar = |with_manifest: bool| -> std::io::Result<()> {
            let mut b = tar::Builder::new(std::fs::File::create(&tar_path)?);
            let mut header = tar::Header::new_gnu();
            header.set_size(4);
            header.set_cksum();
            b.append_data(&mut header, "layer.tar", &b"abcd"[..])?;
            if with_manifest {
                let mut header = tar::Header::new_gnu();
                header.set_size(manifest.len() as u64);
                header.set_cksum();
                b.append_data(&mut header, "manifest.json", &manifest[..])?;
            }
            b.finish()
        };
        assert!(write_tar(false).is_ok());
        let e = bundle_tags(&tar_path).err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains("no manifest.json")),
            "{e:?}"
        );
        assert!(write_tar(true).is_ok());
        assert_eq!(
            bundle_tags(&tar_path).ok(),
            Some(vec!["busybox:stable".to_string()])
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
