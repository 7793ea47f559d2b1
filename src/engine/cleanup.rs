//! Removing what dockstage created: this session's objects on exit, and any
//! session's leftovers with `dockstage clean`.

use std::collections::HashMap;

use bollard::query_parameters::{
    ListContainersOptions, ListImagesOptions, RemoveContainerOptions, RemoveImageOptions,
};
use serde::Serialize;

use super::cache::CACHE_LABEL;
use super::cache_lease::Removal;
use super::{Engine, EngineError, SESSION_LABEL};

/// What a cleanup removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub containers: usize,
    pub images: usize,
    pub bytes: u64,
    /// Images left because a dockstage running now uses them: a live
    /// session's, or a kept build that a build holds a lease on.
    pub in_use: usize,
    /// Internal networks made to probe services.
    pub networks: usize,
}

impl Engine {
    /// Ids of the containers and images labelled by another dockstage
    /// session that is running now (see `liveness`).
    async fn live_session_objects(&self) -> Result<Vec<String>, EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![SESSION_LABEL.to_string()])]);
        let alive = |labels: Option<&HashMap<String, String>>| {
            labels
                .and_then(|l| l.get(SESSION_LABEL))
                .is_some_and(|s| *s != self.session && super::liveness::is_alive(s))
        };
        let mut live = Vec::new();
        for c in self
            .docker()
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters.clone()),
                ..Default::default()
            }))
            .await?
        {
            if alive(c.labels.as_ref())
                && let Some(id) = c.id
            {
                live.push(id);
            }
        }
        for i in self
            .docker()
            .list_images(Some(ListImagesOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await?
        {
            if alive(Some(&i.labels)) {
                live.push(i.id);
            }
        }
        Ok(live)
    }

    /// Removes this session's containers and images.
    pub async fn cleanup_session(&self) -> Result<Removed, EngineError> {
        self.remove_labelled(&format!("{SESSION_LABEL}={}", self.session))
            .await
    }

    /// Removes the containers and images of every dockstage session, and
    /// the builds kept for reuse.
    pub async fn cleanup_all(&self) -> Result<Removed, EngineError> {
        let mut removed = self.remove_labelled(SESSION_LABEL).await?;
        let kept = self.remove_labelled(CACHE_LABEL).await?;
        removed.containers += kept.containers;
        removed.images += kept.images;
        removed.bytes += kept.bytes;
        removed.in_use += kept.in_use;
        removed.networks += kept.networks;
        Ok(removed)
    }

    /// Objects carrying `label` (`key` or `key=value`), as (containers, images).
    pub async fn labelled(
        &self,
        label: &str,
    ) -> Result<(Vec<String>, Vec<(String, u64)>), EngineError> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
        let containers = self
            .docker()
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters.clone()),
                ..Default::default()
            }))
            .await?
            .into_iter()
            .filter_map(|c| c.id)
            .collect();
        let images = self
            .docker()
            .list_images(Some(ListImagesOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await?
            .into_iter()
            .map(|i| (i.id, u64::try_from(i.size).unwrap_or(0)))
            .collect();
        Ok((containers, images))
    }

    async fn remove_labelled(&self, label: &str) -> Result<Removed, EngineError> {
        let (mut containers, mut images) = self.labelled(label).await?;
        let images_before = images.len();
        if label == SESSION_LABEL {
            // Every session's objects: spare those of sessions running now.
            let live = self.live_session_objects().await?;
            containers.retain(|id| !live.contains(id));
            images.retain(|(id, _)| !live.contains(id));
        }
        let mut removed = Removed {
            in_use: images_before - images.len(),
            ..Removed::default()
        };
        for id in containers {
            let options = RemoveContainerOptions {
                force: true,
                v: true,
                ..Default::default()
            };
            if self
                .docker()
                .remove_container(&id, Some(options))
                .await
                .is_ok()
            {
                removed.containers += 1;
            }
        }
        removed.networks = self.remove_labelled_networks(label).await?;
        for (id, size) in images {
            // A kept build that a build running now holds a lease on stays.
            let removal = if label == CACHE_LABEL {
                match self.lock_kept(&id).await? {
                    Some(removal) => Some(removal),
                    None => {
                        removed.in_use += 1;
                        continue;
                    }
                }
            } else {
                None
            };
            let options = RemoveImageOptions {
                force: true,
                ..Default::default()
            };
            match self.docker().remove_image(&id, Some(options), None).await {
                Ok(_) => {
                    removed.images += 1;
                    removed.bytes += size;
                    removal.into_iter().for_each(Removal::done);
                }
                // Already gone with a child image removed before it.
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(removed)
    }
}
