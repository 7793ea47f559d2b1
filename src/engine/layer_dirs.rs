//! The fast way to an image's files when the daemon runs on this machine
//! with overlay2 and its storage is readable (as root, or in CI): each
//! layer's `diff` directory, which the daemon names in the image's
//! GraphDriver data, is walked for names and sizes only, without reading a
//! byte of any file. The export (`image_export`) takes as long as the daemon
//! needs to write every byte of the image; this takes as long as a `stat`
//! of each file. Anything unexpected (another driver, a remote daemon, no
//! permission, a layer count that does not match) returns `None`, and the
//! caller reads the export instead.
//!
//! overlay2 keeps removals as a character device 0:0 with the removed name
//! and an opaque directory as the `trusted.overlay.opaque` attribute; they
//! become the same whiteout entries a layer tar holds, and hard links after
//! the first are sized 0, as in a tar, so both ways give the same figures.

use std::collections::HashSet;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use bollard::models::ImageInspect;

use std::io::Read;

use super::image_export::{Config, ExportedLayer};
use super::image_file::{FileHead, ImageFile};
use crate::layer_tar::{Entry, EntryKind, LayerIndex};

/// Each layer's `diff` directory, oldest first, when they are all here.
fn layer_dirs(inspect: &ImageInspect) -> Option<Vec<PathBuf>> {
    let driver = inspect.graph_driver.as_ref()?;
    if driver.name != "overlay2" {
        return None;
    }
    // LowerDir lists the lower layers top first; UpperDir is the top one.
    let mut dirs: Vec<PathBuf> = driver
        .data
        .get("LowerDir")
        .map(|l| l.split(':').map(PathBuf::from).collect())
        .unwrap_or_default();
    dirs.reverse();
    dirs.push(PathBuf::from(driver.data.get("UpperDir")?));
    let expected = inspect.root_fs.as_ref()?.layers.as_ref()?.len();
    (dirs.len() == expected && dirs.iter().all(|d| d.is_dir())).then_some(dirs)
}

fn layer_id(dir: &Path) -> String {
    dir.parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

fn is_opaque(path: &Path) -> bool {
    let mut flag = [0u8; 1];
    rustix::fs::getxattr(path, "trusted.overlay.opaque", &mut flag[..])
        .is_ok_and(|n| n == 1 && flag[0] == b'y')
}

/// The first `max_bytes` of `path` in `inspect`'s image from the topmost
/// layer directory that has it, honouring whiteouts and opaque directories.
/// `None` when the storage is not here to read; `Some(None)` when no layer
/// has the path or a higher one removed it.
pub fn read_local_file(
    inspect: &ImageInspect,
    path: &str,
    max_bytes: usize,
) -> Option<Option<ImageFile>> {
    let dirs = layer_dirs(inspect)?;
    let wanted = crate::layer_tar::clean_path(path);
    let parts: Vec<&str> = wanted.split('/').filter(|p| !p.is_empty()).collect();
    for dir in dirs.iter().rev() {
        let mut at = dir.clone();
        let mut hidden_below = false;
        for (i, part) in parts.iter().enumerate() {
            if is_opaque(&at) && i > 0 {
                hidden_below = true;
            }
            at.push(part);
            let Ok(meta) = std::fs::symlink_metadata(&at) else {
                break;
            };
            if is_whiteout(&meta) || (i + 1 < parts.len() && !meta.is_dir()) {
                return Some(None);
            }
            if i + 1 == parts.len() {
                let head = if meta.is_file() {
                    let mut head = Vec::new();
                    std::fs::File::open(&at)
                        .and_then(|f| f.take(max_bytes as u64).read_to_end(&mut head))
                        .ok()?;
                    FileHead::File {
                        size_bytes: meta.len(),
                        head,
                    }
                } else if meta.file_type().is_symlink() {
                    FileHead::Symlink(
                        std::fs::read_link(&at)
                            .map(|t| t.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    )
                } else if meta.is_dir() {
                    FileHead::Dir
                } else {
                    FileHead::Other
                };
                return Some(Some(ImageFile {
                    path: wanted,
                    layer: layer_id(dir),
                    head,
                }));
            }
        }
        if hidden_below {
            return Some(None);
        }
    }
    Some(None)
}

/// The layers of `inspect`'s image read from the daemon's own storage, or
/// `None` when that storage is not here to read.
pub fn read_local_layers(inspect: &ImageInspect) -> Option<Vec<ExportedLayer>> {
    let dirs = layer_dirs(inspect)?;
    let id = inspect.id.as_deref()?;
    let created_by = created_by(&dirs[0], id);
    let mut layers = Vec::with_capacity(dirs.len());
    for (n, dir) in dirs.iter().enumerate() {
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        walk(dir, dir, &mut entries, &mut seen).ok()?;
        layers.push(ExportedLayer {
            id: layer_id(dir),
            created_by: created_by.as_ref().and_then(|c| c.get(n).cloned()),
            index: LayerIndex { entries },
        });
    }
    Some(layers)
}

/// The instruction of each non-empty layer, from the image's config in the
/// daemon's image store beside the layer directories.
fn created_by(first_layer: &Path, image_id: &str) -> Option<Vec<String>> {
    // …/overlay2/<layer>/diff → the daemon's root: …/
    let root = first_layer.parent()?.parent()?.parent()?;
    let hex = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    let path = root.join("image/overlay2/imagedb/content/sha256").join(hex);
    let config: Config = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    Some(config.layer_instructions())
}

/// Lists `dir` under `root` in the order a layer tar holds it (sorted by
/// name), as entries relative to `root`.
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<Entry>,
    seen: &mut HashSet<(u64, u64)>,
) -> std::io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let meta = std::fs::symlink_metadata(&path)?;
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let kind = meta.file_type();
        if is_whiteout(&meta) {
            out.push(Entry {
                path: relative,
                kind: EntryKind::Whiteout,
                size: 0,
            });
        } else if kind.is_dir() {
            out.push(Entry {
                path: relative.clone(),
                kind: EntryKind::Dir,
                size: 0,
            });
            if is_opaque(&path) {
                out.push(Entry {
                    path: relative,
                    kind: EntryKind::Opaque,
                    size: 0,
                });
            }
            walk(root, &path, out, seen)?;
        } else if kind.is_file() {
            let first = meta.nlink() < 2 || seen.insert((meta.dev(), meta.ino()));
            out.push(Entry {
                path: relative,
                kind: if first {
                    EntryKind::File
                } else {
                    EntryKind::Hardlink
                },
                size: if first { meta.len() } else { 0 },
            });
        } else {
            out.push(Entry {
                path: relative,
                kind: if kind.is_symlink() {
                    EntryKind::Symlink
                } else {
                    EntryKind::Other
                },
                size: 0,
            });
        }
    }
    Ok(())
}
