//! Two variants compared by what their images hold: `m` marks one row of
//! the Variants pane, `d` on another reads both images' files (once per
//! image, through the Files view's cache) and shows the size change per
//! directory, the files only one has and the largest differences. An image
//! the build cache pruned is named, with how to get it back.

use crossterm::event::{KeyCode, KeyEvent};

use super::files::want_files;
use super::files_view::FilesLoad;
use super::model::Model;
use super::msg::Cmd;
use crate::engine::cache::KEEP;
use crate::workbench::image_files::{ImageDiff, diff};

/// Rows of each table in the Markdown export.
pub const MARKDOWN_ROWS: usize = 15;

/// The furthest the overlay scrolls: past its headline, the directories
/// and the file differences it lists.
const SCROLL_MAX: usize = 60;

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// The variant's number in the table.
    pub number: usize,
    /// "#2 debian-slim", as the headline names it.
    pub label: String,
    pub image: String,
}

/// A comparison asked for, and its result once both images are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compare {
    pub before: Side,
    pub after: Side,
    /// `None` while the images are read.
    pub result: Option<Result<ImageDiff, String>>,
    /// Rows scrolled down in the overlay.
    pub scroll: usize,
    /// On screen; Esc hides it, and Ctrl-E still exports it.
    pub shown: bool,
}

impl Compare {
    /// The comparison once made, for the overlay and the Ctrl-E export.
    pub fn diff(&self) -> Option<&ImageDiff> {
        self.result.as_ref().and_then(|r| r.as_ref().ok())
    }
}

/// `m` in the Variants pane: marks the selected variant (again: unmarks).
pub(super) fn mark(model: &mut Model) {
    let Some(v) = model.variants.get(model.variant_selected) else {
        return;
    };
    if model.variant_marked == Some(model.variant_selected) {
        model.variant_marked = None;
        model.status = Some(format!("variant {} unmarked", v.number));
        return;
    }
    model.variant_marked = Some(model.variant_selected);
    model.status = Some(format!(
        "variant {} marked: select another and press d to compare their images",
        v.number
    ));
}

/// `d` in the Variants pane: the marked variant against the selected one.
pub(super) fn request(model: &mut Model) -> Vec<Cmd> {
    let Some(marked) = model.variant_marked else {
        model.status = Some("m marks a variant first, then d on another compares them".into());
        return Vec::new();
    };
    if marked == model.variant_selected {
        model.status = Some("select another variant than the marked one, then d".into());
        return Vec::new();
    }
    let (Some(a), Some(b)) = (
        model.variants.get(marked),
        model.variants.get(model.variant_selected),
    ) else {
        return Vec::new();
    };
    let side = |v: &crate::workbench::variant::Variant| {
        v.image_id.clone().map(|image| Side {
            number: v.number,
            label: format!("#{} {}", v.number, v.base),
            image,
        })
    };
    let (Some(before), Some(after)) = (side(a), side(b)) else {
        let without = if a.image_id.is_none() { a } else { b };
        model.status = Some(format!(
            "variant {} has no image to read (it did not build): build it again: Enter \
             restores that variant, F5",
            without.number
        ));
        return Vec::new();
    };
    model.status = None;
    let mut cmds = want_files(model, &before.image);
    cmds.extend(want_files(model, &after.image));
    let asked = |image: &str| model.files.contains_key(image);
    let result = (!asked(&before.image) || !asked(&after.image))
        .then(|| Err("no Docker daemon to read the images from".to_string()));
    model.compare = Some(Compare {
        before,
        after,
        result,
        scroll: 0,
        shown: true,
    });
    on_files(model);
    cmds
}

/// Finishes the comparison once both images' files are in (or one failed).
pub(super) fn on_files(model: &mut Model) {
    let Some(compare) = model.compare.as_mut().filter(|c| c.result.is_none()) else {
        return;
    };
    let load = |side: &Side| model.files.get(&side.image);
    let result = match (load(&compare.before), load(&compare.after)) {
        (Some(FilesLoad::Failed(e)), _) | (_, Some(FilesLoad::Failed(e))) => {
            let side = match load(&compare.before) {
                Some(FilesLoad::Failed(_)) => &compare.before,
                _ => &compare.after,
            };
            Err(if e.gone {
                format!(
                    "the image of variant {} is gone: the build cache keeps the {KEEP} builds \
                     used last. Build it again: Enter restores that variant, F5",
                    side.number
                )
            } else {
                format!(
                    "the image of variant {} could not be read: {}",
                    side.number, e.message
                )
            })
        }
        (Some(FilesLoad::Ready(a)), Some(FilesLoad::Ready(b))) => {
            let mut d = diff(a, b);
            d.before = compare.before.label.clone();
            d.after = compare.after.label.clone();
            Ok(d)
        }
        _ => return,
    };
    compare.result = Some(result);
}

/// Keys while the comparison is on screen: ↑/↓ PgUp PgDn scroll, Esc hides.
pub(super) fn on_key(model: &mut Model, key: KeyEvent) {
    let Some(compare) = model.compare.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('d') => {
            compare.shown = false;
            if compare.diff().is_some() {
                model.status = Some("Ctrl-E exports the variants and this comparison".into());
            }
        }
        KeyCode::Up => compare.scroll = compare.scroll.saturating_sub(1),
        KeyCode::Down => compare.scroll = (compare.scroll + 1).min(SCROLL_MAX),
        KeyCode::PageUp => compare.scroll = compare.scroll.saturating_sub(10),
        KeyCode::PageDown => compare.scroll = (compare.scroll + 10).min(SCROLL_MAX),
        KeyCode::Home => compare.scroll = 0,
        _ => {}
    }
}
