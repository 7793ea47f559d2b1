//! Reading what an image holds straight from the daemon's export (`GET
//! /images/NAME/get`, what `docker save` writes), indexed as it streams:
//! each layer's tar is read entry by entry and only the entries are kept, so
//! no file is written and memory grows with the number of files, not bytes.
//! Both export layouts are read: the legacy one (`ID/layer.tar`, docker
//! before 25) and the OCI one (`blobs/sha256/…`); the manifest at the end
//! says the layers' order.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use futures_util::TryStreamExt;
use serde::Deserialize;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::{Engine, EngineError};
use crate::layer_tar::{LayerIndex, index_layer};

/// The largest JSON file (a config or a manifest) kept from an export.
const JSON_LIMIT: u64 = 16 << 20;

/// One layer of an export, oldest first: its id, the instruction that made
/// it (from the image's history) and its entries.
#[derive(Debug, Clone)]
pub struct ExportedLayer {
    pub id: String,
    pub created_by: Option<String>,
    pub index: LayerIndex,
}

/// Progress of a long read, for a front end to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportProgress {
    pub layers_read: usize,
    /// Bytes of layer tars read so far.
    pub bytes_read: u64,
}

#[derive(Debug, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// The part of an image's config that says which instruction made each
/// layer; the export and the daemon's image store hold the same JSON.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Config {
    #[serde(default)]
    history: Vec<History>,
}

#[derive(Debug, Deserialize)]
struct History {
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    empty_layer: bool,
}

impl Config {
    /// The instruction of each layer with files, oldest first (history
    /// entries such as ENV make no layer).
    pub(super) fn layer_instructions(self) -> Vec<String> {
        self.history
            .into_iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by)
            .collect()
    }
}

/// What the export held, before the layers are put in order.
#[derive(Default)]
struct Read_ {
    layers: HashMap<String, LayerIndex>,
    json: HashMap<String, String>,
    manifest: Option<String>,
}

impl Engine {
    /// Every layer's entries of `image` (a name or an id), oldest first.
    pub async fn export_layers(
        &self,
        image: &str,
        mut on_progress: impl FnMut(ExportProgress) + Send + 'static,
    ) -> Result<Vec<ExportedLayer>, EngineError> {
        let inspect = self
            .docker()
            .inspect_image(image)
            .await
            .map_err(|e| match e {
                bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                } => EngineError::Other(format!(
                    "no image `{image}` on the daemon; `docker images` lists what is here"
                )),
                other => EngineError::Docker(other),
            })?;
        // A daemon on this machine whose storage can be read: its layer
        // directories give the same entries without the export's bytes.
        // DOCKSTAGE_FILES_FROM=export always reads the export.
        let from_export = std::env::var("DOCKSTAGE_FILES_FROM").is_ok_and(|v| v == "export");
        if self.endpoint.host.starts_with("unix://") && !from_export {
            let local =
                tokio::task::spawn_blocking(move || super::layer_dirs::read_local_layers(&inspect))
                    .await
                    .ok()
                    .flatten();
            if let Some(layers) = local {
                on_progress(ExportProgress {
                    layers_read: layers.len(),
                    bytes_read: 0,
                });
                return Ok(layers);
            }
        }
        let stream = self
            .docker()
            .export_image(image)
            .map_err(std::io::Error::other);
        let reader = SyncIoBridge::new(StreamReader::new(stream));
        let name = image.to_string();
        tokio::task::spawn_blocking(move || read_layers(&name, reader, &mut on_progress))
            .await
            .map_err(|e| EngineError::Other(format!("reading the export stopped: {e}")))?
    }
}

/// Reads an export archive (what `docker save` writes) from `reader` as it
/// arrives, indexing each layer's tar on the way, and returns the layers in
/// the manifest's order. `image` names it in errors. Any reader will do: the
/// daemon's stream, a saved file, or cut bytes in a test; a reader that
/// stops early is an error, never a panic or half an answer.
pub fn read_layers<R: Read>(
    image: &str,
    reader: R,
    on_progress: &mut impl FnMut(ExportProgress),
) -> Result<Vec<ExportedLayer>, EngineError> {
    let read = read_export(reader, on_progress).map_err(|e| {
        EngineError::Other(format!(
            "the export of `{image}` could not be read (the daemon stopped sending, or \
             the image was removed meanwhile): {e}"
        ))
    })?;
    order_layers(image, read)
}

fn read_export<R: Read>(
    reader: R,
    on_progress: &mut impl FnMut(ExportProgress),
) -> std::io::Result<Read_> {
    let mut out = Read_::default();
    let mut progress = ExportProgress {
        layers_read: 0,
        bytes_read: 0,
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let size = entry.size();
        let mut buffered = BufReader::new(entry);
        let json_like = buffered.fill_buf()?.first() == Some(&b'{');
        if path == "manifest.json" || (json_like && size <= JSON_LIMIT) {
            let mut text = String::new();
            buffered.take(JSON_LIMIT).read_to_string(&mut text)?;
            if path == "manifest.json" {
                out.manifest = Some(text);
            } else {
                out.json.insert(path, text);
            }
        } else if path.ends_with("layer.tar") || path.starts_with("blobs/") {
            let index = index_layer(&mut buffered).map_err(std::io::Error::other)?;
            // The tar reader stops at the end-of-archive marker; the rest of
            // the entry is padding the outer archive skips.
            std::io::copy(&mut buffered, &mut std::io::sink())?;
            progress.layers_read += 1;
            progress.bytes_read += size;
            on_progress(progress);
            out.layers.insert(path, index);
        }
    }
    Ok(out)
}

/// The layers in the manifest's order, each with the instruction that made it.
fn order_layers(image: &str, mut read: Read_) -> Result<Vec<ExportedLayer>, EngineError> {
    let broken = |why: &str| {
        EngineError::Other(format!(
            "the export of `{image}` is not an image archive: {why}"
        ))
    };
    let manifest = read
        .manifest
        .as_deref()
        .ok_or_else(|| broken("it has no manifest.json (was it cut short?)"))?;
    let entries: Vec<ManifestEntry> =
        serde_json::from_str(manifest).map_err(|e| broken(&format!("manifest.json: {e}")))?;
    let entry = entries
        .into_iter()
        .next()
        .ok_or_else(|| broken("manifest.json lists no image"))?;
    let config: Config = read
        .json
        .get(&entry.config)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let mut created_by = config.layer_instructions().into_iter();
    let mut layers = Vec::with_capacity(entry.layers.len());
    for path in &entry.layers {
        // One layer can be listed twice (two identical steps); the export
        // holds it once.
        let index = match read.layers.get(path) {
            Some(index) if entry.layers.iter().filter(|p| *p == path).count() > 1 => index.clone(),
            Some(_) => read.layers.remove(path).unwrap_or_default(),
            None => return Err(broken(&format!("{path} is listed but not in the export"))),
        };
        let id = path
            .trim_end_matches("/layer.tar")
            .trim_start_matches("blobs/sha256/")
            .to_string();
        layers.push(ExportedLayer {
            id,
            created_by: created_by.next(),
            index,
        });
    }
    Ok(layers)
}
