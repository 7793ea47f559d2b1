//! Base-image bundles: `docker save` on a connected machine, `docker load` on
//! an offline one, so a workshop needs no Wi-Fi.

use std::path::Path;

use bollard::query_parameters::ImportImageOptions;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{Engine, EngineError};

impl Engine {
    /// Writes `images` into one tar at `path` (temp file, then rename).
    pub async fn save_images(&self, images: &[&str], path: &Path) -> Result<u64, EngineError> {
        let tmp = path.with_extension("partial");
        let io_err = |e: std::io::Error| EngineError::Other(format!("{}: {e}", tmp.display()));
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io_err)?;
        let mut stream = self.docker().export_images(images);
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(e.into());
                }
            };
            file.write_all(&chunk).await.map_err(io_err)?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(io_err)?;
        drop(file);
        tokio::fs::rename(&tmp, path).await.map_err(io_err)?;
        Ok(written)
    }

    /// Loads a bundle written by `save_images` (or `docker save`); returns
    /// the daemon's lines, such as "Loaded image: golang:1.24".
    pub async fn load_images(&self, path: &Path) -> Result<Vec<String>, EngineError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| EngineError::Other(format!("{}: {e}", path.display())))?;
        let body = tokio_util::io::ReaderStream::new(file);
        let mut stream =
            self.docker()
                .import_image_stream(ImportImageOptions::default(), body, None);
        let mut lines = Vec::new();
        while let Some(item) = stream.next().await {
            let info = item?;
            if let Some(text) = info.stream.or(info.status) {
                let text = text.trim().to_string();
                if !text.is_empty() {
                    lines.push(text);
                }
            }
        }
        Ok(lines)
    }
}
