//! The Files view as `update` drives it: opening it from the Layers pane,
//! asking the Docker worker for an image's files once per image id, and
//! routing the replies and the view's keys.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::building::docker_ready;
use super::files_view::{Action, FilesError, FilesLoad, FilesView, Scope, Side};
use super::model::Model;
use super::msg::Cmd;
use crate::engine::image_file::ImageFile;
use crate::workbench::image_files::ImageFiles;

/// Asks for `image`'s files unless they are read or being read; a failed
/// read is tried again.
pub(super) fn want_files(model: &mut Model, image: &str) -> Vec<Cmd> {
    match model.files.get(image) {
        Some(FilesLoad::Ready(_) | FilesLoad::Reading { .. }) => Vec::new(),
        _ => {
            if !docker_ready(model, "read the image's files") {
                return Vec::new();
            }
            model.files.insert(
                image.to_string(),
                FilesLoad::Reading {
                    layers_read: 0,
                    bytes_read: 0,
                },
            );
            vec![Cmd::ReadFiles {
                image: image.to_string(),
            }]
        }
    }
}

/// Enter or `f` in the Layers pane: the selected layer's files.
pub(super) fn open(model: &mut Model) -> Vec<Cmd> {
    let Some(image) = model.layers.as_ref().map(|l| l.image_id.clone()) else {
        model.status = Some("build (F5) first: the Files view shows the built image".into());
        return Vec::new();
    };
    let mut view = FilesView::new(image.clone(), model.layer_selected);
    let cmds = want_files(model, &image);
    if let (Some(FilesLoad::Ready(files)), Some(layers)) = (model.files.get(&image), &model.layers)
    {
        view.load(files, &layers.layers);
    }
    model.files_view = Some(view);
    model.status = Some(
        "Files: Enter/←/→ fold · / filter · s min size · a whole image · [ ] layer · Esc back"
            .into(),
    );
    cmds
}

/// A build ended while the view was open: it shows the new image, at the
/// same layer row when there is one, keeping the scope, filter and folds.
pub(super) fn follow_build(model: &mut Model) -> Vec<Cmd> {
    let Some(layers) = &model.layers else {
        return Vec::new();
    };
    let image = layers.image_id.clone();
    let row = model
        .layer_selected
        .min(layers.layers.len().saturating_sub(1));
    let Some(view) = model.files_view.as_mut().filter(|v| v.image != image) else {
        return Vec::new();
    };
    view.image = image.clone();
    view.history_row = row;
    view.selected = 0;
    view.preview = None;
    view.side = Side::Largest;
    let cmds = want_files(model, &image);
    reload(model);
    cmds
}

/// A key while the Files view is open.
pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let Some(view) = model.files_view.as_mut() else {
        return Vec::new();
    };
    if !view.typing && key.code == crossterm::event::KeyCode::Char('a') {
        view.scope = match view.scope {
            Scope::Layer => Scope::Image,
            Scope::Image => Scope::Layer,
        };
        view.selected = 0;
        reload(model);
        return Vec::new();
    }
    match view.key(key) {
        Action::None => Vec::new(),
        Action::Close => {
            model.files_view = None;
            model.status = None;
            Vec::new()
        }
        Action::Read(path) => vec![Cmd::ReadImageFile {
            image: view.image.clone(),
            path: format!("/{path}"),
        }],
        Action::Layer(step) => {
            let count = model.layers.as_ref().map_or(0, |l| l.layers.len());
            let row = view
                .history_row
                .saturating_add_signed(step)
                .min(count.saturating_sub(1));
            view.history_row = row;
            view.selected = 0;
            model.layer_selected = row;
            reload(model);
            Vec::new()
        }
    }
}

/// Builds the view's tree again from the cached files, if they are in.
fn reload(model: &mut Model) {
    let (Some(view), Some(layers)) = (model.files_view.as_mut(), &model.layers) else {
        return;
    };
    if let Some(FilesLoad::Ready(files)) = model.files.get(&view.image) {
        view.load(files, &layers.layers);
    }
}

pub(super) fn on_progress(model: &mut Model, image: &str, layers: usize, bytes: u64) {
    if let Some(FilesLoad::Reading {
        layers_read,
        bytes_read,
    }) = model.files.get_mut(image)
    {
        *layers_read = layers;
        *bytes_read = bytes;
    }
}

pub(super) fn on_read(
    model: &mut Model,
    image: String,
    result: Result<Arc<ImageFiles>, FilesError>,
) {
    let load = match result {
        Ok(files) => FilesLoad::Ready(files),
        Err(e) => FilesLoad::Failed(e),
    };
    model.files.insert(image.clone(), load);
    if model.files_view.as_ref().is_some_and(|v| v.image == image) {
        reload(model);
    }
    super::compare::on_files(model);
}

pub(super) fn on_file_read(
    model: &mut Model,
    image: &str,
    path: &str,
    result: Result<Option<ImageFile>, String>,
) {
    if let Some(view) = model.files_view.as_mut().filter(|v| v.image == image) {
        view.on_read(path.trim_start_matches('/'), result);
    }
}
