//! The Files view's own state: which image and layer it shows, the tree's
//! folds, the path filter, the minimum size and the selected row. The rows
//! are worked out here, when a key or a reply changes them, so drawing only
//! reads them (`ui::files_view`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use crate::engine::image_file::{FileHead, ImageFile};
use crate::engine::layers::Layer;
use crate::layer_tar::EntryKind;
use crate::workbench::image_files::{ChangeKind, ImageFiles};

/// The minimum sizes `s` steps through: everything, then 10 kB up to 10 MB.
pub const MIN_SIZES: [u64; 5] = [0, 10_000, 100_000, 1_000_000, 10_000_000];

/// How much of a file the preview reads.
pub const PREVIEW_BYTES: usize = 4096;

/// How many of the largest files are listed.
pub const LARGEST: usize = 30;

/// What the workbench knows of one image's files, kept per image id so
/// moving between layers (or opening the view again) reads nothing twice.
#[derive(Debug, Clone)]
pub enum FilesLoad {
    /// The export is streaming in.
    Reading {
        layers_read: usize,
        bytes_read: u64,
    },
    Ready(Arc<ImageFiles>),
    Failed(FilesError),
}

/// Why an image's files could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesError {
    pub message: String,
    /// The image is no longer on the daemon (the build cache pruned it).
    pub gone: bool,
}

/// The selected layer's changes, or the image as a container sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Layer,
    Image,
}

/// What the side of the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Largest,
    Preview,
}

/// A file's first lines, or why there are none to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewText {
    Text {
        lines: Vec<String>,
        size_bytes: u64,
    },
    Binary {
        size_bytes: u64,
    },
    Link(String),
    Other(&'static str),
    /// No layer has it, or a higher one removed it.
    Absent,
}

/// The file whose first lines are asked for, and the answer once it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub path: String,
    pub text: Option<Result<PreviewText, String>>,
}

/// One row of the tree as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub depth: usize,
    pub name: String,
    pub path: String,
    /// Bytes written there (for a directory, under it).
    pub size_bytes: u64,
    /// Bytes removed there (a layer's removals).
    pub removed_bytes: u64,
    pub dir: bool,
    pub open: bool,
    pub mark: Option<ChangeKind>,
}

#[derive(Debug, Clone, Default)]
struct TreeNode {
    size: u64,
    removed: u64,
    dir: bool,
    mark: Option<ChangeKind>,
    children: BTreeMap<String, TreeNode>,
}

impl TreeNode {
    fn insert(&mut self, path: &str, dir: bool, size: u64, mark: Option<ChangeKind>) {
        let removed = mark == Some(ChangeKind::Removed);
        let mut node = self;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if removed {
                node.removed += size;
            } else {
                node.size += size;
            }
            node.dir = true;
            node = node.children.entry(part.to_string()).or_default();
        }
        if removed {
            node.removed += size;
        } else {
            node.size += size;
        }
        node.dir |= dir;
        node.mark = mark.or(node.mark);
    }
}

/// What a key in the view asks `update` to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Close,
    /// Read this file's first bytes.
    Read(String),
    /// Show the layer this many rows up (+) or down (−) the Layers pane.
    Layer(isize),
}

/// The Files view: an image's files, one layer's changes or the whole tree.
#[derive(Debug, Clone)]
pub struct FilesView {
    /// The image id read.
    pub image: String,
    /// The Layers pane's row shown (`docker history`, oldest first).
    pub history_row: usize,
    /// The export's layer that row made; `None` when it made no files.
    pub layer: Option<usize>,
    pub scope: Scope,
    pub side: Side,
    pub rows: Vec<Row>,
    pub selected: usize,
    /// Directories unfolded, by path.
    pub open: BTreeSet<String>,
    pub filter: String,
    /// `/` was pressed: keys go to the filter until Enter or Esc.
    pub typing: bool,
    /// Index into `MIN_SIZES`.
    pub min_size: usize,
    pub preview: Option<Preview>,
    /// The largest files of what is shown (the layer's writes, or the
    /// image's files), largest first.
    pub largest: Vec<(String, u64)>,
    tree: TreeNode,
}

impl FilesView {
    /// The view of `image` at Layers-pane row `history_row`, showing that layer's changes until its files are read.
    pub fn new(image: String, history_row: usize) -> FilesView {
        FilesView {
            image,
            history_row,
            layer: None,
            scope: Scope::Layer,
            side: Side::Largest,
            rows: Vec::new(),
            selected: 0,
            open: BTreeSet::new(),
            filter: String::new(),
            typing: false,
            min_size: 0,
            preview: None,
            largest: Vec::new(),
            tree: TreeNode::default(),
        }
    }

    /// The minimum size `s` chose, in bytes, for the header and the filter.
    pub fn min_bytes(&self) -> u64 {
        MIN_SIZES.get(self.min_size).copied().unwrap_or(0)
    }

    /// Builds the tree again from `files`, for the scope and layer shown,
    /// after the files arrived or the layer or scope changed.
    pub fn load(&mut self, files: &ImageFiles, history: &[Layer]) {
        self.layer = export_layers(history, files)
            .get(self.history_row)
            .copied()
            .flatten();
        let mut tree = TreeNode {
            dir: true,
            ..TreeNode::default()
        };
        self.largest.clear();
        match self.scope {
            Scope::Image => {
                self.largest = files
                    .largest(LARGEST)
                    .into_iter()
                    .map(|(p, s)| (p.to_string(), s))
                    .collect();
                for (path, node) in &files.tree {
                    let size = if node.kind == EntryKind::File {
                        node.size_bytes
                    } else {
                        0
                    };
                    tree.insert(path, node.kind == EntryKind::Dir, size, None);
                }
            }
            Scope::Layer => {
                if let Some(layer) = self.layer.and_then(|n| files.layers.get(n)) {
                    let mut written: Vec<(String, u64)> = layer
                        .changes
                        .iter()
                        .filter(|c| c.kind == EntryKind::File && c.change != ChangeKind::Removed)
                        .map(|c| (c.path.clone(), c.size_bytes))
                        .collect();
                    written.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    written.truncate(LARGEST);
                    self.largest = written;
                    for c in &layer.changes {
                        let size = match (c.change, c.kind) {
                            (ChangeKind::Removed, _) | (_, EntryKind::File) => c.size_bytes,
                            _ => 0,
                        };
                        let dir = c.kind == EntryKind::Dir || c.kind == EntryKind::Opaque;
                        tree.insert(c.path.trim_end_matches('/'), dir, size, Some(c.change));
                    }
                }
            }
        }
        self.tree = tree;
        // Another layer or scope: the selection starts where the caller put it.
        self.rows.clear();
        self.refresh();
    }

    /// Works the rows out again after a fold, a filter or a size changed,
    /// keeping the selected path selected when it is still there.
    pub fn refresh(&mut self) {
        let keep = self.rows.get(self.selected).map(|r| r.path.clone());
        let mut rows = Vec::new();
        let filter = self.filter.to_lowercase();
        walk(
            &self.tree,
            "",
            0,
            &Walk {
                open: &self.open,
                filter: &filter,
                min: self.min_bytes(),
            },
            &mut rows,
        );
        self.rows = rows;
        self.selected = keep
            .and_then(|p| self.rows.iter().position(|r| r.path == p))
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    /// The row the keys act on; `None` when nothing is shown.
    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    /// A key while the view is open.
    pub fn key(&mut self, key: KeyEvent) -> Action {
        if self.typing {
            match key.code {
                KeyCode::Enter => self.typing = false,
                KeyCode::Esc => {
                    self.typing = false;
                    self.filter.clear();
                }
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => return Action::None,
            }
            self.refresh();
            return Action::None;
        }
        let last = self.rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                if self.side == Side::Preview {
                    self.side = Side::Largest;
                    return Action::None;
                }
                return Action::Close;
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = last,
            KeyCode::Enter | KeyCode::Right | KeyCode::Left => return self.fold_key(key.code),
            KeyCode::Char('/') => {
                self.typing = true;
            }
            KeyCode::Char('s') => {
                self.min_size = (self.min_size + 1) % MIN_SIZES.len();
                self.refresh();
            }
            KeyCode::Char('l') => self.side = Side::Largest,
            KeyCode::Char('[') => return Action::Layer(-1),
            KeyCode::Char(']') => return Action::Layer(1),
            _ => {}
        }
        Action::None
    }

    /// Enter folds or unfolds a directory and reads a file; → unfolds; ←
    /// folds, or goes to the parent directory.
    fn fold_key(&mut self, code: KeyCode) -> Action {
        let Some(row) = self.selected_row().cloned() else {
            return Action::None;
        };
        let filtering = !self.filter.is_empty();
        match (code, row.dir) {
            (KeyCode::Enter, false) => {
                if row.mark == Some(ChangeKind::Removed) {
                    self.side = Side::Preview;
                    self.preview = Some(Preview {
                        path: row.path,
                        text: Some(Ok(PreviewText::Absent)),
                    });
                    return Action::None;
                }
                self.side = Side::Preview;
                self.preview = Some(Preview {
                    path: row.path.clone(),
                    text: None,
                });
                return Action::Read(row.path);
            }
            (KeyCode::Enter, true) if row.open && !filtering => {
                self.open.remove(&row.path);
            }
            (KeyCode::Enter | KeyCode::Right, true) => {
                self.open.insert(row.path);
            }
            (KeyCode::Left, true) if row.open && !filtering => {
                self.open.remove(&row.path);
            }
            (KeyCode::Left, _) => {
                if let Some(parent) = self.rows[..self.selected]
                    .iter()
                    .rposition(|r| r.dir && r.depth < row.depth)
                {
                    self.selected = parent;
                }
                return Action::None;
            }
            _ => return Action::None,
        }
        self.refresh();
        Action::None
    }

    /// The answer to `Action::Read`, when it is still the file asked for.
    pub fn on_read(&mut self, path: &str, result: Result<Option<ImageFile>, String>) {
        let Some(preview) = self.preview.as_mut().filter(|p| p.path == path) else {
            return;
        };
        preview.text = Some(result.map(|found| preview_text(found.map(|f| f.head))));
    }
}

/// A file's head as the preview shows it: text lines, or why not.
pub fn preview_text(head: Option<FileHead>) -> PreviewText {
    match head {
        None => PreviewText::Absent,
        Some(FileHead::File { size_bytes, head }) => {
            // A NUL or bytes that are not UTF-8 (a cut at the end is fine) mean binary.
            let text = match std::str::from_utf8(&head) {
                Ok(t) => Some(t),
                Err(e) if head.len() - e.valid_up_to() < 4 => {
                    std::str::from_utf8(&head[..e.valid_up_to()]).ok()
                }
                Err(_) => None,
            };
            match text.filter(|t| !t.contains('\0')) {
                Some(t) => PreviewText::Text {
                    lines: t.lines().map(|l| l.replace('\t', "    ")).collect(),
                    size_bytes,
                },
                None => PreviewText::Binary { size_bytes },
            }
        }
        Some(FileHead::Symlink(to)) => PreviewText::Link(format!("a symbolic link to {to}")),
        Some(FileHead::Hardlink(to)) => PreviewText::Link(format!("a hard link to /{to}")),
        Some(FileHead::Dir) => PreviewText::Other("a directory"),
        Some(FileHead::Other) => PreviewText::Other("a device or fifo, no bytes to show"),
    }
}

struct Walk<'a> {
    open: &'a BTreeSet<String>,
    filter: &'a str,
    min: u64,
}

/// Adds the rows under `node`; whether any was added.
fn walk(node: &TreeNode, path: &str, depth: usize, how: &Walk, out: &mut Vec<Row>) -> bool {
    let filtering = !how.filter.is_empty();
    let mut any = false;
    // Directories first, then files, each by name, as `ls --group-directories-first`.
    let (dirs, files): (Vec<_>, Vec<_>) = node.children.iter().partition(|(_, c)| c.dir);
    for (name, child) in dirs.into_iter().chain(files) {
        if child.size + child.removed < how.min {
            continue;
        }
        let child_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}/{name}")
        };
        let matched = !filtering || child_path.to_lowercase().contains(how.filter);
        let open = child.dir && (filtering || how.open.contains(&child_path));
        let row = Row {
            depth,
            name: name.clone(),
            path: child_path.clone(),
            size_bytes: child.size,
            removed_bytes: child.removed,
            dir: child.dir,
            open,
            mark: child.mark,
        };
        if !child.dir {
            if matched {
                out.push(row);
                any = true;
            }
            continue;
        }
        let at = out.len();
        out.push(row);
        let inner = open && walk(child, &child_path, depth + 1, how, out);
        if filtering && !matched && !inner {
            out.truncate(at);
            continue;
        }
        any = true;
    }
    any
}

/// The export's layer each `docker history` row (oldest first) made, or
/// `None` for a row that made no layer (ENV, CMD, an empty WORKDIR). Rows
/// are matched by the instruction that made them, as both lists name it;
/// when the export has no history to match, the rows with bytes are taken
/// in order.
pub fn export_layers(history: &[Layer], files: &ImageFiles) -> Vec<Option<usize>> {
    let mut out = vec![None; history.len()];
    let mut next = 0;
    for (i, h) in history.iter().enumerate() {
        let same = files
            .layers
            .get(next)
            .and_then(|l| l.created_by.as_deref())
            .is_some_and(|c| c.trim() == h.created_by.trim());
        if same {
            out[i] = Some(next);
            next += 1;
        }
    }
    if next == files.layers.len() {
        return out;
    }
    let mut out = vec![None; history.len()];
    let mut next = 0;
    for (i, h) in history.iter().enumerate() {
        if h.size_bytes > 0 && next < files.layers.len() {
            out[i] = Some(next);
            next += 1;
        }
    }
    out
}
