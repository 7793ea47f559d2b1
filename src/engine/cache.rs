//! Builds kept by what went into them. BuildKit answers a fully cached build
//! quickly, but dockerd first spends a few hundred milliseconds taking in the
//! uploaded context; when the context, the Dockerfile, the target, the
//! builder and the base images are all unchanged, the image from last time is
//! the answer, so dockstage reuses it without asking the daemon to build.
//!
//! The `KEEP` builds used last are kept; `dockstage clean` removes them all.
//! "Used" is the image's last tag time, which dockerd stamps on every tag:
//! dockstage tags a kept build again after each build and each reuse. Its
//! creation time cannot stand in for it: a fully cached rebuild reuses the
//! old image config, creation time and all, so the image just built would
//! look the oldest. A build also holds a `CacheLease` on its tag until it is
//! done, and a prune leaves leased images alone, whichever process leased
//! them.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use bollard::query_parameters::{ListImagesOptions, RemoveImageOptions, TagImageOptions};

use super::build::BuilderChoice;
use super::cache_lease::{CacheLease, Removal};
use super::context::BuildContext;
use super::{Engine, EngineError, IMAGE_REPOSITORY};

/// Images labelled with this are build results kept for reuse.
pub const CACHE_LABEL: &str = "io.dockstage.cache";
/// The builder that made a kept image.
pub const BUILDER_LABEL: &str = "io.dockstage.builder";
/// How many kept builds stay; the ones used longest ago are removed after each build.
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

fn cache_repository() -> String {
    format!("{IMAGE_REPOSITORY}/cache")
}

fn cache_tag_name(key: &str) -> &str {
    &key[..24.min(key.len())]
}

pub fn cache_tag(key: &str) -> String {
    format!("{}:{}", cache_repository(), cache_tag_name(key))
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

/// A kept build as a prune weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptImage<T> {
    pub id: String,
    pub tags: Vec<String>,
    /// When a build last used it; older first to go.
    pub last_used: T,
}

/// The images to remove: all but the `keep` used last. Those leased by a
/// build are spared when they come to be removed.
pub fn to_remove<T: Ord>(mut images: Vec<KeptImage<T>>, keep: usize) -> Vec<KeptImage<T>> {
    images.sort_by(|a, b| b.last_used.cmp(&a.last_used));
    images.into_iter().skip(keep).collect()
}

fn is_missing(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
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
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the lease on `key`'s kept build for the build about to run, and
    /// returns the kept image to reuse (marked as used now), if there is one.
    pub async fn claim_cached(
        &self,
        key: &str,
    ) -> Result<(CacheLease, Option<(String, String)>), EngineError> {
        // Taken before the lookup: a prune removing this image now finishes
        // first, and the lookup then finds it gone.
        let lease = CacheLease::take(&cache_tag(key)).await;
        let reuse = match self.cached_build(key).await? {
            // Gone since the lookup: another process pruned it, so build.
            Some((id, builder)) => self.mark_used(key, &id).await?.then_some((id, builder)),
            None => None,
        };
        Ok((lease, reuse))
    }

    /// Tags `image_id` as `key`'s kept build again, which stamps it as used
    /// now. False when the image is no longer there.
    pub async fn mark_used(&self, key: &str, image_id: &str) -> Result<bool, EngineError> {
        let options = TagImageOptions {
            repo: Some(cache_repository()),
            tag: Some(cache_tag_name(key).to_string()),
        };
        match self.docker().tag_image(image_id, Some(options)).await {
            Ok(()) => Ok(true),
            Err(e) if is_missing(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The removal lock on kept image `id`'s tags, or `None` while a build
    /// holds a lease on one of them.
    pub(super) async fn lock_kept(&self, id: &str) -> Result<Option<Removal>, EngineError> {
        let tags = match self.docker().inspect_image(id).await {
            Ok(image) => image.repo_tags.unwrap_or_default(),
            Err(e) if is_missing(&e) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let kept: Vec<&str> = tags
            .iter()
            .map(String::as_str)
            .filter(|t| t.starts_with(&cache_repository()))
            .collect();
        Ok(Removal::try_lock(&kept))
    }

    /// Removes kept builds beyond the `KEEP` used last; images in use by a
    /// container or leased by a build stay.
    pub async fn prune_cache(&self) -> Result<usize, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![CACHE_LABEL.to_string()])]);
        let listed = self
            .docker()
            .list_images(Some(ListImagesOptions {
                filters: Some(filters),
                ..Default::default()
            }))
            .await?;
        let mut images = Vec::new();
        for summary in listed {
            let image = match self.docker().inspect_image(&summary.id).await {
                Ok(image) => image,
                Err(e) if is_missing(&e) => continue,
                Err(e) => return Err(e.into()),
            };
            let tagged = image.metadata.and_then(|m| m.last_tag_time);
            images.push(KeptImage {
                id: summary.id,
                tags: summary.repo_tags,
                last_used: tagged.max(image.created),
            });
        }
        let mut removed = 0;
        for image in to_remove(images, KEEP) {
            let tags: Vec<&str> = image
                .tags
                .iter()
                .map(String::as_str)
                .filter(|t| t.starts_with(&cache_repository()))
                .collect();
            let Some(removal) = Removal::try_lock(&tags) else {
                continue;
            };
            // A build may have used it since the list was made and be done
            // with it already: then it stays.
            let now = match self.docker().inspect_image(&image.id).await {
                Ok(found) => found
                    .metadata
                    .and_then(|m| m.last_tag_time)
                    .max(found.created),
                Err(_) => continue,
            };
            if now != image.last_used {
                continue;
            }
            // By tag and without force: the daemon deletes the image only
            // when no tag and no container is left on it, so an image a
            // build of another process tagged meanwhile stays.
            let mut untagged = 0;
            for tag in tags {
                if self
                    .docker()
                    .remove_image(tag, None::<RemoveImageOptions>, None)
                    .await
                    .is_ok()
                {
                    untagged += 1;
                }
            }
            removed += usize::from(untagged > 0);
            removal.done();
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(id: &str, last_used: u32) -> KeptImage<u32> {
        KeptImage {
            id: id.into(),
            tags: vec![format!("dockstage/cache:{id}")],
            last_used,
        }
    }

    #[test]
    fn the_images_used_longest_ago_go_first() {
        let images = vec![kept("a", 5), kept("b", 1), kept("c", 9), kept("d", 3)];
        let ids: Vec<String> = to_remove(images, 2).into_iter().map(|i| i.id).collect();
        assert_eq!(ids, ["d", "b"]);
    }
}
