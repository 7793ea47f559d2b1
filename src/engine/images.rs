//! Base images: which ones a build needs, whether they are here, pulling
//! them when a registry answers, and saying exactly what to do when not.
//!
//! A build whose base image is missing makes the daemon ask a registry, and
//! offline that fails at DNS after a long wait. So every image is checked
//! before the build starts.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;
use serde::Serialize;

use super::error::{MissingImage, offline_hint};
use super::{Engine, EngineError, STANDIN_LABEL};
use crate::catalog::{Catalog, split_tag};
use crate::dockerfile::graph::{EdgeKind, Source};
use crate::dockerfile::lint::{MISSPELT_BASE, lint};
use crate::dockerfile::{Dockerfile, StageGraph};
use crate::outcome::BaseOnHand;

/// An external image the build needs, and the line that needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredImage {
    pub image: String,
    pub line: usize,
    /// `FROM`, `COPY --from`, `RUN --mount` or `# syntax`.
    pub used_by: &'static str,
    /// What lint says about a name one or two letters away from a known
    /// image (`stratch`): no registry has that image, so loading it is no fix.
    pub misspelt: Option<String>,
}

/// An image present on the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalImage {
    pub id: String,
    pub size_bytes: u64,
    /// Made by `scripts/offline-bases.sh` rather than pulled.
    pub standin: bool,
}

/// Per-layer progress of a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullProgress {
    pub image: String,
    pub layer: Option<String>,
    pub status: String,
    pub current: Option<u64>,
    pub total: Option<u64>,
}

/// The images the target stage needs, first use first, each once.
pub fn required_images(df: &Dockerfile, graph: &StageGraph, buildkit: bool) -> Vec<RequiredImage> {
    let mut out: Vec<RequiredImage> = Vec::new();
    if buildkit && let Some(syntax) = df.directive("syntax") {
        out.push(RequiredImage {
            image: syntax.value.clone(),
            line: syntax.line,
            used_by: "# syntax",
            misspelt: None,
        });
    }
    let misspelt: Vec<_> = lint(df, Catalog::bundled(), None)
        .into_iter()
        .filter(|d| d.rule == MISSPELT_BASE.id)
        .collect();
    for edge in &graph.edges {
        if graph.is_unused(edge.to) {
            continue;
        }
        let Source::Image(image) = &edge.from else {
            continue;
        };
        if image.eq_ignore_ascii_case("scratch")
            || image.is_empty()
            || out.iter().any(|r| r.image == *image)
        {
            continue;
        }
        out.push(RequiredImage {
            image: image.clone(),
            line: edge.line,
            used_by: match edge.kind {
                EdgeKind::From => "FROM",
                EdgeKind::Copy => "COPY --from",
                EdgeKind::Mount => "RUN --mount",
            },
            misspelt: misspelt
                .iter()
                .find(|d| d.line == edge.line)
                .map(|d| d.message.clone()),
        });
    }
    out
}

/// The registry host an image reference is pulled from.
pub fn registry_host(image: &str) -> &str {
    let (repo, _) = split_tag(image);
    match repo.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "registry-1.docker.io",
    }
}

/// Whether the registry's name resolves within a second: offline machines
/// fail at once, without the daemon's long retries.
pub async fn registry_reachable(image: &str) -> bool {
    let host = registry_host(image);
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:443")
    };
    match tokio::time::timeout(Duration::from_secs(1), tokio::net::lookup_host(host)).await {
        Ok(Ok(mut addrs)) => addrs.next().is_some(),
        _ => false,
    }
}

impl Engine {
    /// Which of the catalog bases `keys` (every base when empty) are on this
    /// machine, with their sizes here, and which are not: offline those
    /// cannot be pulled, so matrix and tune leave them out and say so.
    pub async fn bases_on_hand(
        &self,
        keys: &[String],
        catalog: &Catalog,
    ) -> Result<(Vec<BaseOnHand>, Vec<String>), EngineError> {
        let all: Vec<String>;
        let keys = if keys.is_empty() {
            all = catalog.keys().map(str::to_string).collect();
            &all
        } else {
            keys
        };
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for key in keys {
            let Some(base) = catalog.base(key) else {
                return Err(EngineError::Other(format!(
                    "unknown base `{key}`; bases are: {}",
                    catalog.keys().collect::<Vec<_>>().join(", ")
                )));
            };
            let size = if base.image == "scratch" {
                Some(0)
            } else {
                self.local_image(&base.image).await?.map(|l| l.size_bytes)
            };
            match size {
                Some(size_bytes) => found.push(BaseOnHand {
                    key: key.clone(),
                    size_bytes,
                }),
                None => missing.push(key.clone()),
            }
        }
        Ok((found, missing))
    }

    /// The local image `image`, if present.
    pub async fn local_image(&self, image: &str) -> Result<Option<LocalImage>, EngineError> {
        match self.docker().inspect_image(image).await {
            Ok(found) => Ok(Some(LocalImage {
                id: found.id.unwrap_or_default(),
                size_bytes: u64::try_from(found.size.unwrap_or(0)).unwrap_or(0),
                standin: found.config.and_then(|c| c.labels).is_some_and(
                    |l: HashMap<String, String>| l.get(STANDIN_LABEL).is_some_and(|v| v == "true"),
                ),
            })),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The golang images on this machine with the Go version each holds
    /// (its GOLANG_VERSION, as the official and stand-in images set it, else
    /// the tag), so `init` can build offline with one that is here.
    pub async fn golang_on_hand(&self) -> Result<Vec<(String, String)>, EngineError> {
        let mut out = Vec::new();
        for tag in self.tags_of_repository("golang").await? {
            let env = self
                .docker()
                .inspect_image(&tag)
                .await
                .ok()
                .and_then(|i| i.config?.env)
                .unwrap_or_default();
            let version = env
                .iter()
                .find_map(|e| e.strip_prefix("GOLANG_VERSION="))
                .map(str::to_string)
                .or_else(|| split_tag(&tag).1.map(str::to_string));
            if let Some(version) = version {
                out.push((tag, version));
            }
        }
        Ok(out)
    }

    /// The tags of `image`'s repository on this machine (`alpine:3.20` for a
    /// missing `alpine:latest`), the quickest fix offline.
    pub async fn tags_of_repository(&self, image: &str) -> Result<Vec<String>, EngineError> {
        let (repo, _) = split_tag(image);
        let filters = HashMap::from([("reference".to_string(), vec![repo.to_string()])]);
        let images = self
            .docker()
            .list_images(Some(bollard::query_parameters::ListImagesOptions {
                filters: Some(filters),
                ..Default::default()
            }))
            .await?;
        let mut tags: Vec<String> = images
            .into_iter()
            .flat_map(|i| i.repo_tags)
            .filter(|t| t != image && !t.ends_with(":<none>"))
            .collect();
        tags.sort();
        tags.dedup();
        Ok(tags)
    }

    /// Makes sure every required image is here: present, or pulled when a
    /// registry answers. Otherwise names every missing image at once, each
    /// with its line and what to do.
    pub async fn preflight(
        &self,
        required: &[RequiredImage],
        on_pull: &mut (dyn FnMut(PullProgress) + Send),
    ) -> Result<Vec<(RequiredImage, LocalImage)>, EngineError> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut reachable: HashMap<String, bool> = HashMap::new();
        for req in required {
            if let Some(local) = self.local_image(&req.image).await? {
                found.push((req.clone(), local));
                continue;
            }
            if let Some(said) = &req.misspelt {
                missing.push(missing_image(
                    req,
                    format!("{said} Correct the line (`dockstage lint` shows the fix)."),
                ));
                continue;
            }
            let host = registry_host(&req.image).to_string();
            let answers = match reachable.get(&host) {
                Some(r) => *r,
                None => {
                    let r = registry_reachable(&req.image).await;
                    reachable.insert(host, r);
                    r
                }
            };
            if !answers {
                let on_hand = self.tags_of_repository(&req.image).await?;
                missing.push(missing_image(req, unreachable_hint(req, &on_hand)));
                continue;
            }
            self.pull(&req.image, on_pull).await?;
            match self.local_image(&req.image).await? {
                Some(local) => found.push((req.clone(), local)),
                None => {
                    return Err(EngineError::Pull {
                        image: req.image.clone(),
                        reason: "the pull finished but the image is not there".into(),
                    });
                }
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(EngineError::MissingImages(missing))
        }
    }

    /// Pulls `image`, reporting each layer's progress.
    pub async fn pull(
        &self,
        image: &str,
        on_pull: &mut (dyn FnMut(PullProgress) + Send),
    ) -> Result<(), EngineError> {
        let (repo, tag) = split_tag(image);
        let options = CreateImageOptions {
            from_image: Some(repo.to_string()),
            tag: Some(tag.unwrap_or("latest").to_string()),
            ..Default::default()
        };
        let mut stream = self.docker().create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| EngineError::Pull {
                image: image.to_string(),
                reason: e.to_string(),
            })?;
            let detail = info.progress_detail.unwrap_or_default();
            on_pull(PullProgress {
                image: image.to_string(),
                layer: info.id,
                status: info.status.unwrap_or_default(),
                current: detail.current.and_then(|c| u64::try_from(c).ok()),
                total: detail.total.and_then(|t| u64::try_from(t).ok()),
            });
        }
        Ok(())
    }
}

fn missing_image(req: &RequiredImage, hint: String) -> MissingImage {
    MissingImage {
        image: req.image.clone(),
        line: req.line,
        used_by: req.used_by,
        hint,
    }
}

/// How to get `req` here offline. A `# syntax` frontend is only needed for
/// syntax newer than the daemon's own frontend, so dropping the line is
/// often the quicker fix.
fn unreachable_hint(req: &RequiredImage, on_hand: &[String]) -> String {
    let standin_possible = Catalog::bundled().base_for_image(&req.image).is_some()
        || split_tag(&req.image).0.ends_with("golang");
    let mut load = offline_hint(&req.image, standin_possible);
    if !on_hand.is_empty() {
        let tags: Vec<String> = on_hand.iter().map(|t| format!("`{t}`")).collect();
        load = format!(
            "Another tag of it is here: {}; change line {} to use it. Or: {load}",
            tags.join(", "),
            req.line
        );
    }
    if req.used_by == "# syntax" {
        format!(
            "It is the Dockerfile frontend named by `# syntax=` (line {}); the daemon's \
             built-in frontend can build this file without it: delete that line. Or: {load}",
            req.line
        )
    } else {
        load
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    #[test]
    fn required_images_skip_scratch_stages_and_unused_stages() {
        let src = "# syntax=docker/dockerfile:1\nFROM golang:1.24 AS b\nFROM alpine:3.20 AS unused\nFROM scratch\nCOPY --from=b /a /a\nCOPY --from=busybox:stable /bin/sh /sh\n";
        let df = parse(src);
        let graph = StageGraph::new(&df);
        let req = required_images(&df, &graph, true);
        let names: Vec<_> = req
            .iter()
            .map(|r| (r.image.as_str(), r.line, r.used_by))
            .collect();
        assert_eq!(
            names,
            [
                ("docker/dockerfile:1", 1, "# syntax"),
                ("golang:1.24", 2, "FROM"),
                ("busybox:stable", 6, "COPY --from"),
            ]
        );
        assert_eq!(required_images(&df, &graph, false).len(), 2);
    }

    #[test]
    fn a_misspelt_base_carries_what_lint_says_it_meant() {
        let df = parse(
            "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM stratch\nCOPY --from=b /a /a\n",
        );
        let graph = StageGraph::new(&df);
        let req = required_images(&df, &graph, true);
        let meant: Vec<_> = req
            .iter()
            .map(|r| (r.image.as_str(), r.misspelt.as_deref()))
            .collect();
        assert_eq!(
            meant,
            [
                ("golang:1.24", None),
                (
                    "stratch",
                    Some("`stratch` is not a known image: did you mean `scratch`?")
                ),
            ]
        );
    }

    #[test]
    fn a_missing_frontend_says_the_line_can_go() {
        let req = RequiredImage {
            image: "docker/dockerfile:1".into(),
            line: 1,
            used_by: "# syntax",
            misspelt: None,
        };
        let hint = unreachable_hint(&req, &[]);
        assert!(
            hint.contains("built-in frontend can build this file without it: delete that line"),
            "{hint}"
        );
    }

    #[test]
    fn registry_hosts() {
        assert_eq!(registry_host("golang:1.24"), "registry-1.docker.io");
        assert_eq!(registry_host("gcr.io/distroless/static-debian12"), "gcr.io");
        assert_eq!(registry_host("localhost:5000/app:1"), "localhost:5000");
        assert_eq!(registry_host("library/alpine"), "registry-1.docker.io");
    }
}
