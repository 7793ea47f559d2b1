//! The first bytes of one file of an image, read from the daemon's export
//! as it streams (`GET /images/NAME/get`), so the workbench can show a
//! config file or a script without a container. Each layer is read entry by
//! entry: only the wanted path's first bytes are kept, per layer that has
//! it, never a whole layer. The manifest (at the end of the export) says
//! which layer is on top; a whiteout in a higher layer means the file is gone.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use futures_util::TryStreamExt;
use serde::Deserialize;
use tokio_util::io::{StreamReader, SyncIoBridge};
use tokio_util::sync::CancellationToken;

use super::{Engine, EngineError};
use crate::layer_tar::clean_path;

/// What the topmost layer holding a path has there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileHead {
    /// A regular file: its size and its first bytes.
    File {
        size_bytes: u64,
        head: Vec<u8>,
    },
    /// A symbolic link and where it points.
    Symlink(String),
    /// A hard link: another name for `target`, stored without bytes.
    Hardlink(String),
    Dir,
    /// A device, fifo or anything else with no bytes to show.
    Other,
}

/// One path of an image as the topmost layer that has it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// The path in the image, without a leading `/`.
    pub path: String,
    /// The layer's id in the export (its digest, or the legacy directory).
    pub layer: String,
    pub head: FileHead,
}

/// What one layer said about the path.
#[derive(Debug, Clone)]
enum Seen {
    Has(FileHead),
    /// A whiteout for the path or a directory above it, or an opaque marker
    /// above it: lower layers' copies are hidden.
    Removed,
}

#[derive(Debug, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

impl Engine {
    /// The first `max_bytes` of `path` in `image` (a name or an id), from
    /// the topmost layer that has it. `Ok(None)`: no layer has it, or a
    /// higher layer removed it.
    pub async fn read_image_file(
        &self,
        image: &str,
        path: &str,
        max_bytes: usize,
    ) -> Result<Option<ImageFile>, EngineError> {
        self.read_image_file_until(image, path, max_bytes, &CancellationToken::new())
            .await
    }

    /// `read_image_file` that stops reading the export when `cancel` fires
    /// (a newer preview replaced this one), with `EngineError::Cancelled`.
    pub async fn read_image_file_until(
        &self,
        image: &str,
        path: &str,
        max_bytes: usize,
        cancel: &CancellationToken,
    ) -> Result<Option<ImageFile>, EngineError> {
        if self.local_image(image).await?.is_none() {
            return Err(EngineError::Other(format!(
                "no image `{image}` on the daemon; `docker images` lists what is here"
            )));
        }
        // The daemon's layer directories, when they are on this machine,
        // answer without streaming the whole export (see `layer_dirs`).
        let from_export = std::env::var("DOCKSTAGE_FILES_FROM").is_ok_and(|v| v == "export");
        if self.endpoint.host.starts_with("unix://") && !from_export {
            let inspect = self.docker().inspect_image(image).await?;
            let wanted = path.to_string();
            let local = tokio::task::spawn_blocking(move || {
                super::layer_dirs::read_local_file(&inspect, &wanted, max_bytes)
            })
            .await
            .ok()
            .flatten();
            if let Some(found) = local {
                return Ok(found);
            }
        }
        let stream = self
            .docker()
            .export_image(image)
            .map_err(std::io::Error::other);
        let reader = SyncIoBridge::new(StreamReader::new(stream));
        let wanted = clean_path(path);
        let name = image.to_string();
        let stop = cancel.clone();
        let (seen, manifest) =
            tokio::task::spawn_blocking(move || scan_export(reader, &wanted, max_bytes, &stop))
                .await
                .map_err(|e| EngineError::Other(format!("reading the export stopped: {e}")))?
                .map_err(|e| {
                    if e.kind() == std::io::ErrorKind::Interrupted {
                        return EngineError::Cancelled;
                    }
                    EngineError::Other(format!(
                        "the export of `{name}` could not be read (the daemon stopped sending, \
                         or the image was removed meanwhile): {e}"
                    ))
                })?;
        let order = manifest
            .as_deref()
            .and_then(|m| serde_json::from_str::<Vec<ManifestEntry>>(m).ok())
            .and_then(|m| m.into_iter().next())
            .ok_or_else(|| {
                EngineError::Other(format!(
                    "the export of `{image}` has no readable manifest.json (was it cut short?)"
                ))
            })?;
        Ok(topmost(&order.layers, seen, &clean_path(path)))
    }
}

/// The answer of the highest layer that says anything about the path.
fn topmost(order: &[String], mut seen: HashMap<String, Seen>, path: &str) -> Option<ImageFile> {
    for layer in order.iter().rev() {
        match seen.remove(layer) {
            Some(Seen::Has(head)) => {
                return Some(ImageFile {
                    path: path.to_string(),
                    layer: layer
                        .trim_end_matches("/layer.tar")
                        .trim_start_matches("blobs/sha256/")
                        .to_string(),
                    head,
                });
            }
            Some(Seen::Removed) => return None,
            None => {}
        }
    }
    None
}

/// Reads the export to its end: what each layer says about `wanted`, and
/// the manifest's text.
fn scan_export<R: Read>(
    reader: R,
    wanted: &str,
    max_bytes: usize,
    cancel: &CancellationToken,
) -> std::io::Result<(HashMap<String, Seen>, Option<String>)> {
    let mut seen = HashMap::new();
    let mut manifest = None;
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        stop_if(cancel)?;
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if name == "manifest.json" {
            let mut text = String::new();
            entry.take(16 << 20).read_to_string(&mut text)?;
            manifest = Some(text);
            continue;
        }
        if !(name.ends_with("layer.tar") || name.starts_with("blobs/")) {
            continue;
        }
        let mut buffered = BufReader::new(entry);
        // A config or an index is JSON, never a tar.
        if buffered.fill_buf()?.first() == Some(&b'{') {
            continue;
        }
        if let Some(found) = scan_layer(&mut buffered, wanted, max_bytes, cancel)? {
            seen.insert(name, found);
        }
        std::io::copy(&mut buffered, &mut std::io::sink())?;
    }
    Ok((seen, manifest))
}

/// What one layer's tar says about `wanted`: its copy, a removal, or nothing.
fn scan_layer<R: Read>(
    reader: R,
    wanted: &str,
    max_bytes: usize,
    cancel: &CancellationToken,
) -> std::io::Result<Option<Seen>> {
    let mut archive = tar::Archive::new(reader);
    let mut found = None;
    for entry in archive.entries()? {
        stop_if(cancel)?;
        let entry = entry?;
        let path = clean_path(&String::from_utf8_lossy(&entry.path_bytes()));
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let under = |d: &str| d.is_empty() || wanted.starts_with(&format!("{d}/"));
        if name == ".wh..wh..opq" {
            // Hides lower copies, but not one this layer adds itself.
            if under(dir) && found.is_none() {
                found = Some(Seen::Removed);
            }
            continue;
        }
        if let Some(removed) = name.strip_prefix(".wh.") {
            let removed = if dir.is_empty() {
                removed.to_string()
            } else {
                format!("{dir}/{removed}")
            };
            if removed == wanted || wanted.starts_with(&format!("{removed}/")) {
                found = Some(Seen::Removed);
            }
            continue;
        }
        if path != wanted {
            continue;
        }
        let header = entry.header();
        let link = || {
            entry
                .link_name()
                .ok()
                .flatten()
                .map(|l| l.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let head = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size_bytes = entry.size();
                let mut head = Vec::new();
                entry
                    .take(u64::try_from(max_bytes).unwrap_or(u64::MAX))
                    .read_to_end(&mut head)?;
                FileHead::File { size_bytes, head }
            }
            tar::EntryType::Symlink => FileHead::Symlink(link()),
            tar::EntryType::Link => FileHead::Hardlink(link()),
            tar::EntryType::Directory => FileHead::Dir,
            _ => FileHead::Other,
        };
        found = Some(Seen::Has(head));
    }
    Ok(found)
}

/// Ends a scan that is no longer wanted, between two tar entries.
fn stop_if(cancel: &CancellationToken) -> std::io::Result<()> {
    if cancel.is_cancelled() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "a newer read replaced this one",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            let _ = builder.append_data(&mut header, path, *bytes);
        }
        builder.into_inner().unwrap_or_default()
    }

    /// An export in the legacy layout: two layers, then the manifest.
    fn export(lower: &[(&str, &[u8])], upper: &[(&str, &[u8])]) -> Vec<u8> {
        let (a, b) = (tar_of(lower), tar_of(upper));
        let manifest = br#"[{"Config":"c.json","Layers":["a/layer.tar","b/layer.tar"]}]"#;
        tar_of(&[
            ("a/layer.tar", &a),
            ("b/layer.tar", &b),
            ("manifest.json", manifest),
        ])
    }

    fn read(export: &[u8], path: &str, max: usize) -> Option<ImageFile> {
        let (seen, manifest) = scan_export(export, path, max, &CancellationToken::new()).ok()?;
        let order: Vec<ManifestEntry> = serde_json::from_str(&manifest?).ok()?;
        topmost(&order.into_iter().next()?.layers, seen, path)
    }

    #[test]
    fn the_upper_layers_copy_wins_and_only_its_first_bytes_are_kept() {
        let ex = export(
            &[("etc/motd", b"old text"), ("etc/issue", b"x")],
            &[("etc/motd", b"new text, longer")],
        );
        let found = read(&ex, "etc/motd", 3);
        assert_eq!(
            found.map(|f| (f.layer, f.head)),
            Some((
                "b".to_string(),
                FileHead::File {
                    size_bytes: 16,
                    head: b"new".to_vec()
                }
            ))
        );
        assert_eq!(
            read(&ex, "etc/issue", 10).map(|f| f.layer).as_deref(),
            Some("a")
        );
        assert_eq!(read(&ex, "etc/nothing", 10), None);
    }

    #[test]
    fn a_cancelled_scan_stops_with_interrupted() {
        let ex = export(&[("etc/motd", b"hello")], &[]);
        let cancel = CancellationToken::new();
        cancel.cancel();
        let stopped = scan_export(ex.as_slice(), "etc/motd", 10, &cancel);
        assert_eq!(
            stopped.err().map(|e| e.kind()),
            Some(std::io::ErrorKind::Interrupted)
        );
    }

    #[test]
    fn a_whiteout_above_removes_the_file_and_everything_under_a_directory() {
        let ex = export(
            &[("etc/motd", b"hello"), ("var/cache/x", b"1")],
            &[("etc/.wh.motd", b""), ("var/.wh.cache", b"")],
        );
        assert_eq!(read(&ex, "etc/motd", 10), None);
        assert_eq!(read(&ex, "var/cache/x", 10), None);
    }
}
