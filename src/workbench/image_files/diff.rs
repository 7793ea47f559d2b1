//! Two images compared by what a container sees in each: the size change per
//! directory, the files only one of them has, and the largest differences,
//! worded to paste into a README or a slide ("debian-slim → scratch: −74 MB,
//! of which /usr 52 MB, …").

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::stack::ImageFiles;
use crate::human::human_bytes;
use crate::layer_tar::EntryKind;

/// A directory's bytes in each image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirChange {
    pub path: String,
    pub before_bytes: u64,
    pub after_bytes: u64,
}

impl DirChange {
    pub fn delta(&self) -> i64 {
        self.after_bytes as i64 - self.before_bytes as i64
    }
}

/// A file that differs: only in one image, or with another size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub path: String,
    pub before_bytes: Option<u64>,
    pub after_bytes: Option<u64>,
}

impl FileChange {
    pub fn delta(&self) -> i64 {
        self.after_bytes.unwrap_or(0) as i64 - self.before_bytes.unwrap_or(0) as i64
    }
}

/// What changed from `before` to `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageDiff {
    pub before: String,
    pub after: String,
    pub before_bytes: u64,
    pub after_bytes: u64,
    /// Directories two levels deep whose bytes changed, largest change first.
    pub dirs: Vec<DirChange>,
    pub only_before: usize,
    pub only_after: usize,
    pub changed: usize,
    /// The files that differ, largest difference first.
    pub files: Vec<FileChange>,
}

/// How deep the per-directory breakdown goes: `/usr/lib`, `/var/lib`.
const DEPTH: usize = 2;

/// Compares the final trees of two images.
pub fn diff(before: &ImageFiles, after: &ImageFiles) -> ImageDiff {
    let files_of = |f: &ImageFiles| -> BTreeMap<String, u64> {
        f.tree
            .iter()
            .filter(|(_, n)| n.kind == EntryKind::File)
            .map(|(p, n)| (p.clone(), n.size_bytes))
            .collect()
    };
    let (a, b) = (files_of(before), files_of(after));
    let mut files = Vec::new();
    let (mut only_before, mut only_after, mut changed) = (0, 0, 0);
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for path in paths {
        let (x, y) = (a.get(path).copied(), b.get(path).copied());
        match (x, y) {
            (Some(_), None) => only_before += 1,
            (None, Some(_)) => only_after += 1,
            (Some(x), Some(y)) if x != y => changed += 1,
            _ => continue,
        }
        files.push(FileChange {
            path: path.clone(),
            before_bytes: x,
            after_bytes: y,
        });
    }
    files.sort_by(|p, q| {
        q.delta()
            .unsigned_abs()
            .cmp(&p.delta().unsigned_abs())
            .then_with(|| p.path.cmp(&q.path))
    });
    let by_dir = |files: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
        let mut sizes = BTreeMap::new();
        for (path, size) in files {
            let parts: Vec<&str> = path.split('/').collect();
            if parts.len() < 2 {
                *sizes.entry("/".to_string()).or_default() += size;
                continue;
            }
            let depth = DEPTH.min(parts.len() - 1);
            *sizes
                .entry(format!("/{}", parts[..depth].join("/")))
                .or_default() += size;
        }
        sizes
    };
    let (da, db) = (by_dir(&a), by_dir(&b));
    let dirs_seen: BTreeSet<&String> = da.keys().chain(db.keys()).collect();
    let mut dirs: Vec<DirChange> = dirs_seen
        .into_iter()
        .map(|d| DirChange {
            path: d.clone(),
            before_bytes: da.get(d).copied().unwrap_or(0),
            after_bytes: db.get(d).copied().unwrap_or(0),
        })
        .filter(|d| d.delta() != 0)
        .collect();
    dirs.sort_by(|p, q| {
        q.delta()
            .unsigned_abs()
            .cmp(&p.delta().unsigned_abs())
            .then_with(|| p.path.cmp(&q.path))
    });
    ImageDiff {
        before: before.image.clone(),
        after: after.image.clone(),
        before_bytes: a.values().sum(),
        after_bytes: b.values().sum(),
        dirs,
        only_before,
        only_after,
        changed,
        files,
    }
}

/// "+1.2 MB" or "−74.0 MB".
pub fn signed_bytes(delta: i64) -> String {
    let size = human_bytes(delta.unsigned_abs());
    if delta < 0 {
        format!("−{size}")
    } else {
        format!("+{size}")
    }
}

impl ImageDiff {
    pub fn delta(&self) -> i64 {
        self.after_bytes as i64 - self.before_bytes as i64
    }

    /// One line: "a → b: −74.0 MB, of which /usr/lib −52.0 MB, …".
    pub fn headline(&self, dirs: usize) -> String {
        let of_which: Vec<String> = self
            .dirs
            .iter()
            .take(dirs)
            .map(|d| format!("{} {}", d.path, signed_bytes(d.delta())))
            .collect();
        let mut line = format!(
            "{} → {}: {}",
            self.before,
            self.after,
            signed_bytes(self.delta())
        );
        if !of_which.is_empty() {
            line.push_str(", of which ");
            line.push_str(&of_which.join(", "));
            if self.dirs.len() > dirs {
                line.push_str(", …");
            }
        }
        line
    }

    /// The comparison as Markdown: the headline, a table of directories and
    /// one of the largest file differences.
    pub fn markdown(&self, rows: usize) -> String {
        let mut out = format!("**{}**\n\n", self.headline(3));
        out.push_str(&format!(
            "{} files only in `{}`, {} only in `{}`, {} changed.\n\n",
            self.only_before, self.before, self.only_after, self.after, self.changed
        ));
        out.push_str(&format!(
            "| directory | `{}` | `{}` | change |\n|---|--:|--:|--:|\n",
            self.before, self.after
        ));
        for d in self.dirs.iter().take(rows) {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                d.path,
                human_bytes(d.before_bytes),
                human_bytes(d.after_bytes),
                signed_bytes(d.delta())
            ));
        }
        out.push_str("\n| file | change |\n|---|--:|\n");
        for f in self.files.iter().take(rows) {
            let note = match (f.before_bytes, f.after_bytes) {
                (Some(_), None) => " (removed)",
                (None, Some(_)) => " (added)",
                _ => "",
            };
            out.push_str(&format!(
                "| `/{}`{note} | {} |\n",
                f.path,
                signed_bytes(f.delta())
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::stack::stack;
    use super::*;
    use crate::layer_tar::{Entry, LayerIndex};

    fn files(name: &str, entries: &[(&str, u64)]) -> ImageFiles {
        let index = LayerIndex {
            entries: entries
                .iter()
                .map(|(p, s)| Entry {
                    path: p.to_string(),
                    kind: EntryKind::File,
                    size: *s,
                })
                .collect(),
        };
        stack(name, vec![("l0".into(), None, index)])
    }

    #[test]
    fn the_change_is_broken_down_by_directory_and_file() {
        let slim = files(
            "debian-slim",
            &[
                ("usr/lib/libc.so", 2_000_000),
                ("usr/bin/bash", 1_000_000),
                ("var/lib/dpkg/status", 500_000),
                ("app", 1_500_000),
            ],
        );
        let scratch = files("scratch", &[("app", 1_400_000)]);
        let d = diff(&slim, &scratch);
        assert_eq!(d.delta(), -3_600_000);
        assert_eq!((d.only_before, d.only_after, d.changed), (3, 0, 1));
        assert_eq!(d.dirs[0].path, "/usr/lib");
        assert_eq!(
            d.headline(2),
            "debian-slim → scratch: −3.6 MB, of which /usr/lib −2.0 MB, /usr/bin −1.0 MB, …"
        );
        assert_eq!(d.files[0].path, "usr/lib/libc.so");
        let md = d.markdown(10);
        assert!(
            md.contains("| `/var/lib` | 500.0 kB | 0 B | −500.0 kB |"),
            "{md}"
        );
        assert!(md.contains("| `/app` | −100.0 kB |"), "{md}");
    }

    #[test]
    fn identical_images_differ_in_nothing() {
        let a = files("a", &[("x", 1), ("y/z", 2)]);
        let d = diff(&a, &a);
        assert_eq!(d.delta(), 0);
        assert!(d.dirs.is_empty() && d.files.is_empty());
        assert_eq!(d.headline(3), "a → a: +0 B");
    }
}
