//! The properties the `layer_tar` fuzz target checks, shared with
//! `tests/fuzz_regressions.rs` so every input the fuzzer finds can be
//! replayed as a plain test.
//!
//! The first byte picks the mode:
//! - even: the rest is split into up to four raw layer tars, each indexed
//!   with `index_layer` (never a panic; a broken tar is an error) and the
//!   ones that read are stacked;
//! - odd: the rest describes entries three bytes at a time (a path from a
//!   small alphabet, a kind, a size), so overwrites, whiteouts and opaque
//!   markers meet often; each layer is written as a real tar, read back with
//!   `index_layer` (it must give the same entries) and stacked.
//!
//! Stacking must never panic and always keep the books balanced: every byte
//! a layer wrote is either in the final tree or wasted, exactly once.

use dockstage::layer_tar::{Entry, EntryKind, LayerIndex, index_layer};
use dockstage::workbench::image_files::stack;

const NAMES: [&str; 8] = [
    "a",
    "a/b",
    "a/b/c",
    "d",
    "a/.wh.b",
    "a/.wh..wh..opq",
    ".wh.a",
    "./d/../a/b",
];

pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let layers: Vec<LayerIndex> = if mode % 2 == 0 {
        let count = usize::from(mode / 2 % 4) + 1;
        let size = rest.len().div_ceil(count).max(1);
        rest.chunks(size)
            .filter_map(|raw| index_layer(raw).ok())
            .collect()
    } else {
        let count = usize::from(mode / 2 % 4) + 1;
        let entries: Vec<(String, EntryKind, u64)> = rest
            .chunks_exact(3)
            .map(|c| {
                let name = NAMES[usize::from(c[0]) % NAMES.len()].to_string();
                let kind = match c[1] % 4 {
                    0 => EntryKind::Dir,
                    1 => EntryKind::Symlink,
                    _ => EntryKind::File,
                };
                (name, kind, u64::from(c[2]))
            })
            .collect();
        let per = entries.len().div_ceil(count).max(1);
        entries.chunks(per).map(round_trip).collect()
    };
    let files = stack(
        "fuzz",
        layers
            .into_iter()
            .enumerate()
            .map(|(i, l)| (format!("l{i}"), None, l))
            .collect(),
    );
    assert_eq!(
        files.layer_bytes,
        files.final_bytes + files.wasted_bytes,
        "every byte a layer wrote is in the image or wasted, once"
    );
    assert!(
        (0.0..=1.0).contains(&files.efficiency),
        "efficiency {}",
        files.efficiency
    );
    for (path, node) in &files.tree {
        assert!(
            !matches!(node.kind, EntryKind::Whiteout | EntryKind::Opaque),
            "a marker in the tree: {path}"
        );
        assert!(
            !path.starts_with('/') && !path.ends_with('/') && !path.contains("//"),
            "an unclean path: {path:?}"
        );
        assert!(
            !path.split('/').any(|p| p == "." || p == ".."),
            "an unclean path: {path:?}"
        );
    }
    let wasted: u64 = files.waste.iter().map(|w| w.wasted_bytes).sum();
    assert_eq!(wasted, files.wasted_bytes, "the waste list adds up");
}

/// Writes `entries` as a tar, reads it back, and checks the reading.
fn round_trip(entries: &[(String, EntryKind, u64)]) -> LayerIndex {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, size) in entries {
        let mut header = tar::Header::new_gnu();
        let (kind_byte, bytes) = match kind {
            EntryKind::Dir => (tar::EntryType::Directory, 0),
            EntryKind::Symlink => (tar::EntryType::Symlink, 0),
            _ => (tar::EntryType::Regular, *size),
        };
        header.set_entry_type(kind_byte);
        header.set_size(bytes);
        header.set_mode(0o644);
        if *kind == EntryKind::Symlink {
            let _ = header.set_link_name("target");
        }
        if header.set_path(name).is_err() {
            continue;
        }
        header.set_cksum();
        let data = vec![0u8; bytes as usize];
        if builder.append(&header, data.as_slice()).is_err() {
            continue;
        }
    }
    let tar = builder.into_inner().unwrap_or_default();
    let index = index_layer(tar.as_slice()).unwrap_or_else(|e| panic!("a tar we wrote: {e}"));
    let _: Vec<&Entry> = index.entries.iter().collect();
    for e in &index.entries {
        if e.kind != EntryKind::File {
            assert_eq!(e.size, 0, "only files have bytes: {e:?}");
        }
    }
    index
}
