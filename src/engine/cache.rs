//! Builds kept by what went into them. BuildKit answers a fully cached build
//! quickly, but dockerd first spends a few hundred milliseconds taking in the
//! uploaded context; when the context, the Dockerfile, the target, the
//! builder and the base images are all unchanged, the image from last time is
//! the answer, so dockstage reuses it without asking the daemon to build.
//! The newest `KEEP` such images are kept; `dockstage clean` removes them.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use bollard::query_parameters::{ListImagesOptions, RemoveImageOptions};

use super::build::BuilderChoice;
use super::context::BuildContext;
use super::{Engine, EngineError, IMAGE_REPOSITORY};

/// Images labelled with this are build results kept for reuse.
pub const CACHE_LABEL: &str = "io.dockstage.cache";
/// The builder that made a kept image.
pub const BUILDER_LABEL: &str = "io.dockstage.builder";
/// How many kept builds stay; older ones are removed after each build.
pub const KEEP: usize = 12;

/// A key for everything that decides a build's result: what the build
/// reads (the Dockerfile text, and the context files after `.dockerignore`
/// by path, type, mode, size, mtime and link, as buildx's local cache
/// compares them; no content is read), the target, the builder and the
/// base images.
pub fn input_key(
    context: &BuildContext,
    target: Option<&str>,
    builder: BuilderChoice,
    base_ids: &[String],
) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    context.hash_inputs(&mut h);
    target.hash(&mut h);
    format!("{builder:?}").hash(&mut h);
    base_ids.hash(&mut h);
    let a = h.finish();
    // A second pass with a different seed makes an accidental match of two
    // different inputs vanishingly unlikely.
    0x9e37_79b9_7f4a_7c15_u64.hash(&mut h);
    format!("{a:016x}{:016x}", h.finish())
}

pub fn cache_tag(key: &str) -> String {
    format!("{IMAGE_REPOSITORY}/cache:{}", &key[..24.min(key.len())])
}

pub fn cache_labels(builder: BuilderChoice) -> HashMap<String, String> {
    let kind = if builder == BuilderChoice::Legacy {
        "legacy"
    } else {
        "buildkit"
    };
    HashMap::from([
        (CACHE_LABEL.to_string(), "true".to_string()),
        (BUILDER_LABEL.to_string(), kind.to_string()),
    ])
}

impl Engine {
    /// The kept image for `key` and the builder that made it, if any.
    pub async fn cached_build(&self, key: &str) -> Result<Option<(String, String)>, EngineError> {
        match self.docker().inspect_image(&cache_tag(key)).await {
            Ok(image) => {
                let builder = image
                    .config
                    .and_then(|c| c.labels)
                    .and_then(|l| l.get(BUILDER_LABEL).cloned())
                    .unwrap_or_else(|| "buildkit".into());
                Ok(image.id.map(|id| (id, builder)))
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes kept builds beyond the newest `KEEP`; images in use stay.
    pub async fn prune_cache(&self) -> Result<usize, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![CACHE_LABEL.to_string()])]);
        let mut images = self
            .docker()
            .list_images(Some(ListImagesOptions {
                filters: Some(filters),
                ..Default::default()
            }))
            .await?;
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        let mut removed = 0;
        for image in images.iter().skip(KEEP) {
            let options = RemoveImageOptions {
                force: true,
                ..Default::default()
            };
            if self
                .docker()
                .remove_image(&image.id, Some(options), None)
                .await
                .is_ok()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
