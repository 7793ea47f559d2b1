//! One layer's file list, read from its tar as it streams by (a shared leaf:
//! the engine reads exports with it, the workbench stacks what it finds): every entry's
//! path, kind and size, with overlayfs whiteouts (`.wh.NAME` removes NAME,
//! `.wh..wh..opq` hides what lower layers had in the directory) turned into
//! removals. Only the entries are kept, never the bytes, so memory grows
//! with the number of files, not with the size of the image.

use std::io::Read;

/// What an entry of a layer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A hard link: another name for a file, stored with no bytes.
    Hardlink,
    /// A device, fifo or anything else a layer can hold.
    Other,
    /// `.wh.NAME`: NAME (and all under it) is removed from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: the directory's contents in lower layers are hidden.
    Opaque,
}

/// One entry of a layer's tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path in the image, without a leading `/` or a trailing one; for a
    /// whiteout, the path it removes; for an opaque marker, its directory.
    pub path: String,
    pub kind: EntryKind,
    /// The bytes the entry holds (0 for all but files).
    pub size: u64,
}

/// A layer's entries, in the tar's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerIndex {
    pub entries: Vec<Entry>,
}

impl LayerIndex {
    /// The bytes of the files the layer adds or replaces.
    pub fn file_bytes(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| e.size)
            .sum()
    }
}

/// Why a layer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The tar is cut short or broken: an export that stopped mid-stream.
    #[error("the layer's tar is broken or cut short: {0}")]
    Tar(#[from] std::io::Error),
}

/// Reads a layer tar from `reader` to its end and lists its entries.
pub fn index_layer<R: Read>(reader: R) -> Result<LayerIndex, IndexError> {
    let mut archive = tar::Archive::new(reader);
    let mut entries = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        let header = entry.header();
        let raw = entry.path_bytes();
        let path = clean_path(&String::from_utf8_lossy(&raw));
        if path.is_empty() {
            continue;
        }
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (dir, name),
            None => ("", path.as_str()),
        };
        let joined = |name: &str| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        };
        let (path, kind, size) = if name == ".wh..wh..opq" {
            (dir.to_string(), EntryKind::Opaque, 0)
        } else if let Some(removed) = name.strip_prefix(".wh.") {
            (joined(removed), EntryKind::Whiteout, 0)
        } else {
            let kind = match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
                tar::EntryType::Directory => EntryKind::Dir,
                tar::EntryType::Symlink => EntryKind::Symlink,
                tar::EntryType::Link => EntryKind::Hardlink,
                _ => EntryKind::Other,
            };
            let size = if kind == EntryKind::File {
                entry.size()
            } else {
                0
            };
            (path.clone(), kind, size)
        };
        entries.push(Entry { path, kind, size });
    }
    Ok(LayerIndex { entries })
}

/// `./usr/bin/` → `usr/bin`: the form every layer's paths are compared in.
pub fn clean_path(raw: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar with `files` (path, bytes); a path ending in `/` is a directory.
    pub(crate) fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut header = tar::Header::new_gnu();
            if path.ends_with('/') {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_mode(0o755);
                header.set_cksum();
                let _ = builder.append_data(&mut header, path, std::io::empty());
            } else {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(bytes.len() as u64);
                header.set_mode(0o644);
                header.set_cksum();
                let _ = builder.append_data(&mut header, path, *bytes);
            }
        }
        builder.into_inner().unwrap_or_default()
    }

    #[test]
    fn whiteouts_and_opaque_markers_become_removals() {
        let tar = layer(&[
            ("etc/", b""),
            ("etc/motd", b"hello"),
            ("etc/.wh.issue", b""),
            ("var/cache/.wh..wh..opq", b""),
            ("./usr/bin/tool", b"12345678"),
        ]);
        let index = index_layer(tar.as_slice()).unwrap_or_default();
        let seen: Vec<(&str, EntryKind, u64)> = index
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.kind, e.size))
            .collect();
        assert_eq!(
            seen,
            [
                ("etc", EntryKind::Dir, 0),
                ("etc/motd", EntryKind::File, 5),
                ("etc/issue", EntryKind::Whiteout, 0),
                ("var/cache", EntryKind::Opaque, 0),
                ("usr/bin/tool", EntryKind::File, 8),
            ]
        );
        assert_eq!(index.file_bytes(), 13);
    }

    #[test]
    fn a_tar_cut_short_is_an_error_at_every_byte() {
        let tar = layer(&[("a", &[7u8; 1500]), ("b/c", &[1u8; 700])]);
        for cut in 0..tar.len() {
            // Never a panic; a cut inside an entry's bytes is an error.
            let _ = index_layer(&tar[..cut]);
        }
        assert!(index_layer(&tar[..900]).is_err());
    }

    #[test]
    fn paths_are_compared_in_one_form() {
        assert_eq!(clean_path("./usr//bin/"), "usr/bin");
        assert_eq!(clean_path("/a/./b/../c"), "a/c");
        assert_eq!(clean_path("."), "");
    }
}
