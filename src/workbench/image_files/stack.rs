//! The layers stacked into the image a container sees: what each layer
//! added, changed and removed, the tree as it ends up, and the bytes wasted
//! on files a later layer overwrote or removed.
//!
//! Efficiency is computed as dive defines it (per path, the smallest size it
//! ever had over all the bytes it took in every layer), so the two agree.
//! Wasted bytes are counted once: a file written in one layer and written
//! again in the next wastes the first copy only. dive's own figure adds up
//! every copy of such a path, the one still in the image too (dive issue
//! #684); `dive_wasted_bytes` keeps it so the difference can be shown.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::layer_tar::{EntryKind, LayerIndex};

/// What a layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Modified,
    Removed,
}

/// One change a layer made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub path: String,
    pub change: ChangeKind,
    pub kind: EntryKind,
    /// The bytes the layer wrote; for a removal, the bytes it removed.
    pub size_bytes: u64,
}

/// One layer: where it came from, its size and its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerFiles {
    /// The layer's id in the export (its digest, or the legacy directory).
    pub id: String,
    /// The Dockerfile instruction that made it, from the image's history.
    pub created_by: Option<String>,
    /// The bytes of the files in the layer's tar.
    pub size_bytes: u64,
    pub files: usize,
    pub changes: Vec<Change>,
}

/// A path of the final tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Node {
    pub kind: EntryKind,
    pub size_bytes: u64,
    /// The layer (0 = the oldest) that last wrote it.
    pub layer: usize,
}

/// A path whose bytes were paid more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waste {
    pub path: String,
    /// How many layers wrote or removed it.
    pub count: u32,
    /// Bytes of the copies no longer in the image.
    pub wasted_bytes: u64,
    /// What dive counts for it: every copy, the live one too.
    pub dive_bytes: u64,
}

/// An image's files, layer by layer and as they end up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageFiles {
    pub image: String,
    pub layers: Vec<LayerFiles>,
    /// Every path of the image as a container sees it, sorted.
    #[serde(skip)]
    pub tree: BTreeMap<String, Node>,
    /// Bytes of every layer's files together.
    pub layer_bytes: u64,
    /// Bytes of the files a container sees.
    pub final_bytes: u64,
    /// Bytes of file copies a later layer overwrote or removed, counted once.
    pub wasted_bytes: u64,
    /// dive's efficiency score, 0 to 1.
    pub efficiency: f64,
    /// dive's "potential wasted space": every copy of a path written by
    /// more than one layer, counted in full.
    pub dive_wasted_bytes: u64,
    /// Paths paid for more than once, most wasted first.
    pub waste: Vec<Waste>,
}

#[derive(Default)]
struct PathCost {
    cumulative: u64,
    min: Option<u64>,
    count: u32,
    wasted: u64,
}

/// Stacks `layers` (oldest first: id, created_by, index) into the image.
pub fn stack(image: &str, layers: Vec<(String, Option<String>, LayerIndex)>) -> ImageFiles {
    let mut tree: BTreeMap<String, Node> = BTreeMap::new();
    let mut costs: HashMap<String, PathCost> = HashMap::new();
    let mut out = Vec::with_capacity(layers.len());
    let mut layer_bytes = 0;
    for (n, (id, created_by, index)) in layers.into_iter().enumerate() {
        let mut changes = Vec::new();
        // Removals first: a marker hides lower layers' files, never the ones
        // this layer adds next to it, whatever the tar's order.
        for entry in &index.entries {
            match entry.kind {
                EntryKind::Whiteout => {
                    // A directory can be only implied by the paths under it.
                    let was_file = tree
                        .get(&entry.path)
                        .is_some_and(|n| n.kind != EntryKind::Dir);
                    let removed = remove_under(&mut tree, &entry.path, true);
                    // dive sizes a removed directory by what was under it,
                    // and a removed file as nothing.
                    let dive_size = if was_file { 0 } else { removed.bytes };
                    let cost = costs.entry(entry.path.clone()).or_default();
                    record(cost, dive_size);
                    for (path, size) in &removed.files {
                        costs.entry(path.clone()).or_default().wasted += size;
                    }
                    if removed.any {
                        changes.push(Change {
                            path: entry.path.clone(),
                            change: ChangeKind::Removed,
                            kind: EntryKind::Whiteout,
                            size_bytes: removed.bytes,
                        });
                    }
                }
                EntryKind::Opaque => {
                    let removed = remove_under(&mut tree, &entry.path, false);
                    for (path, size) in &removed.files {
                        costs.entry(path.clone()).or_default().wasted += size;
                    }
                    if removed.any {
                        changes.push(Change {
                            path: format!("{}/", entry.path),
                            change: ChangeKind::Removed,
                            kind: EntryKind::Opaque,
                            size_bytes: removed.bytes,
                        });
                    }
                }
                _ => {}
            }
        }
        let mut files = 0;
        for entry in index.entries {
            if matches!(entry.kind, EntryKind::Whiteout | EntryKind::Opaque) {
                continue;
            }
            if entry.kind != EntryKind::Dir {
                files += 1;
                let cost = costs.entry(entry.path.clone()).or_default();
                record(cost, entry.size);
            }
            let node = Node {
                kind: entry.kind,
                size_bytes: entry.size,
                layer: n,
            };
            let change = match tree.insert(entry.path.clone(), node) {
                None => ChangeKind::Added,
                Some(old) if old.kind == EntryKind::Dir && entry.kind == EntryKind::Dir => continue,
                Some(old) => {
                    if old.kind == EntryKind::File {
                        costs.entry(entry.path.clone()).or_default().wasted += old.size_bytes;
                    }
                    ChangeKind::Modified
                }
            };
            changes.push(Change {
                path: entry.path,
                change,
                kind: entry.kind,
                size_bytes: entry.size,
            });
        }
        let size_bytes = changes
            .iter()
            .filter(|c| c.change != ChangeKind::Removed && c.kind == EntryKind::File)
            .map(|c| c.size_bytes)
            .sum();
        layer_bytes += size_bytes;
        out.push(LayerFiles {
            id,
            created_by,
            size_bytes,
            files,
            changes,
        });
    }
    let final_bytes = tree
        .values()
        .filter(|n| n.kind == EntryKind::File)
        .map(|n| n.size_bytes)
        .sum();
    let (mut minimum, mut discovered, mut dive_wasted, mut wasted) = (0u64, 0u64, 0u64, 0u64);
    let mut waste = Vec::new();
    for (path, cost) in costs {
        minimum += cost.min.unwrap_or(0);
        discovered += cost.cumulative;
        wasted += cost.wasted;
        let dive_bytes = if cost.count >= 2 { cost.cumulative } else { 0 };
        dive_wasted += dive_bytes;
        if cost.wasted > 0 || dive_bytes > 0 {
            waste.push(Waste {
                path,
                count: cost.count,
                wasted_bytes: cost.wasted,
                dive_bytes,
            });
        }
    }
    waste.sort_by(|a, b| {
        (b.wasted_bytes, b.dive_bytes)
            .cmp(&(a.wasted_bytes, a.dive_bytes))
            .then_with(|| a.path.cmp(&b.path))
    });
    ImageFiles {
        image: image.to_string(),
        layers: out,
        tree,
        layer_bytes,
        final_bytes,
        wasted_bytes: wasted,
        efficiency: if discovered == 0 {
            1.0
        } else {
            minimum as f64 / discovered as f64
        },
        dive_wasted_bytes: dive_wasted,
        waste,
    }
}

fn record(cost: &mut PathCost, size: u64) {
    cost.cumulative += size;
    cost.min = Some(cost.min.map_or(size, |m| m.min(size)));
    cost.count += 1;
}

struct Removed {
    any: bool,
    bytes: u64,
    files: Vec<(String, u64)>,
}

/// Removes everything under `path` (and `path` itself when `itself`).
fn remove_under(tree: &mut BTreeMap<String, Node>, path: &str, itself: bool) -> Removed {
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let mut doomed: Vec<String> = tree
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    if itself && tree.contains_key(path) {
        doomed.push(path.to_string());
    }
    let mut removed = Removed {
        any: !doomed.is_empty(),
        bytes: 0,
        files: Vec::new(),
    };
    for key in doomed {
        if let Some(node) = tree.remove(&key)
            && node.kind == EntryKind::File
        {
            removed.bytes += node.size_bytes;
            removed.files.push((key, node.size_bytes));
        }
    }
    removed
}

impl ImageFiles {
    /// Bytes under each directory of the final tree (`""` is the root).
    pub fn dir_sizes(&self) -> BTreeMap<String, u64> {
        let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
        for (path, node) in &self.tree {
            if node.kind != EntryKind::File {
                continue;
            }
            let mut dir = path.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                *sizes.entry(parent.to_string()).or_default() += node.size_bytes;
                dir = parent;
            }
            *sizes.entry(String::new()).or_default() += node.size_bytes;
        }
        sizes
    }

    /// The `n` largest files of the final tree, largest first.
    pub fn largest(&self, n: usize) -> Vec<(&str, u64)> {
        let mut files: Vec<(&str, u64)> = self
            .tree
            .iter()
            .filter(|(_, node)| node.kind == EntryKind::File)
            .map(|(p, node)| (p.as_str(), node.size_bytes))
            .collect();
        files.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        files.truncate(n);
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer_tar::Entry;

    fn layer(entries: &[(&str, EntryKind, u64)]) -> LayerIndex {
        LayerIndex {
            entries: entries
                .iter()
                .map(|(p, k, s)| Entry {
                    path: p.to_string(),
                    kind: *k,
                    size: *s,
                })
                .collect(),
        }
    }

    fn image(layers: Vec<LayerIndex>) -> ImageFiles {
        stack(
            "test",
            layers
                .into_iter()
                .enumerate()
                .map(|(i, l)| (format!("l{i}"), None, l))
                .collect(),
        )
    }

    use EntryKind::{Dir, File, Opaque, Whiteout};

    #[test]
    fn an_overwritten_file_wastes_its_first_copy_once_where_dive_counts_both() {
        let files = image(vec![
            layer(&[("app", Dir, 0), ("app/bin", File, 100)]),
            layer(&[("app/bin", File, 120)]),
        ]);
        assert_eq!(files.wasted_bytes, 100);
        assert_eq!(files.dive_wasted_bytes, 220);
        assert_eq!(files.final_bytes, 120);
        assert_eq!(files.layer_bytes, 220);
        // dive: min 100 over cumulative 220.
        assert!((files.efficiency - 100.0 / 220.0).abs() < 1e-9);
        assert_eq!(files.layers[1].changes[0].change, ChangeKind::Modified);
        assert_eq!(files.waste[0].path, "app/bin");
    }

    #[test]
    fn a_removed_file_is_wasted_in_full_and_the_tree_loses_it() {
        let files = image(vec![
            layer(&[
                ("tmp", Dir, 0),
                ("tmp/big.tar", File, 5000),
                ("keep", File, 10),
            ]),
            layer(&[("tmp/big.tar", Whiteout, 0)]),
        ]);
        assert_eq!(files.wasted_bytes, 5000);
        assert_eq!(files.dive_wasted_bytes, 5000);
        assert!(!files.tree.contains_key("tmp/big.tar"));
        assert_eq!(files.final_bytes, 10);
        let removed = &files.layers[1].changes[0];
        assert_eq!(
            (removed.change, removed.size_bytes),
            (ChangeKind::Removed, 5000)
        );
        assert!((files.efficiency - 10.0 / 5010.0).abs() < 1e-9);
    }

    #[test]
    fn a_removed_directory_takes_everything_under_it() {
        let files = image(vec![
            layer(&[
                ("var", Dir, 0),
                ("var/cache", Dir, 0),
                ("var/cache/a", File, 30),
                ("var/cache/b", File, 70),
                ("var/cached", File, 5),
            ]),
            layer(&[("var/cache", Whiteout, 0)]),
        ]);
        assert_eq!(files.wasted_bytes, 100);
        assert!(
            files.tree.contains_key("var/cached"),
            "a sibling with the same prefix stays"
        );
        assert_eq!(files.layers[1].changes[0].size_bytes, 100);
    }

    #[test]
    fn an_opaque_directory_hides_lower_files_but_not_its_own_layers() {
        let files = image(vec![
            layer(&[
                ("etc", Dir, 0),
                ("etc/apt", Dir, 0),
                ("etc/apt/old", File, 40),
            ]),
            layer(&[
                ("etc/apt/new", File, 8),
                ("etc/apt", Opaque, 0),
                ("etc/apt", Dir, 0),
            ]),
        ]);
        assert!(!files.tree.contains_key("etc/apt/old"));
        assert!(files.tree.contains_key("etc/apt/new"));
        assert_eq!(files.wasted_bytes, 40);
    }

    #[test]
    fn directory_sizes_and_the_largest_files_come_from_the_final_tree() {
        let files = image(vec![layer(&[
            ("usr", Dir, 0),
            ("usr/bin/a", File, 10),
            ("usr/lib/b", File, 30),
            ("c", File, 5),
        ])]);
        let dirs = files.dir_sizes();
        assert_eq!(dirs.get(""), Some(&45));
        assert_eq!(dirs.get("usr"), Some(&40));
        assert_eq!(dirs.get("usr/lib"), Some(&30));
        assert_eq!(files.largest(2), [("usr/lib/b", 30), ("usr/bin/a", 10)]);
        assert_eq!(files.wasted_bytes, 0);
        assert!((files.efficiency - 1.0).abs() < 1e-9);
    }
}
