//! The runtime bases and toggles dockstage offers, loaded from `assets/`.
//!
//! They are data because the UI shows them, lint rules and failure
//! explanations read their facts, and a workshop may want to add a base
//! without touching code. The files are embedded, so the binary needs nothing
//! beside it.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::image_family::{FamilyMember, ImageFamily};

const BASES_TOML: &str = include_str!("../assets/bases.toml");
const TOGGLES_TOML: &str = include_str!("../assets/toggles.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shell {
    None,
    Busybox,
    Sh,
    Bash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Libc {
    None,
    Glibc,
    Musl,
}

/// A base image a runtime stage can start `FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RuntimeBase {
    pub key: String,
    pub image: String,
    pub summary: String,
    pub shell: Shell,
    pub libc: Libc,
    pub ca_certs: bool,
    pub tzdata: bool,
    /// Whether /etc/passwd exists, so `USER name` can be looked up.
    pub passwd: bool,
    /// The uid of the base's own unprivileged user, where it has one.
    pub nonroot_uid: Option<u32>,
    pub typical_size_bytes: u64,
}

impl RuntimeBase {
    pub fn has_shell(&self) -> bool {
        self.shell != Shell::None
    }

    /// Whether `image` (as written after FROM) is this base, ignoring the
    /// registry prefix Docker adds and, when `any_tag`, the tag.
    pub fn matches(&self, image: &str, any_tag: bool) -> bool {
        let (want_repo, want_tag) = split_tag(&self.image);
        let (repo, tag) = split_tag(image);
        normalize_repo(repo) == normalize_repo(want_repo) && (any_tag || tag == want_tag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Builder {
    pub image: String,
    pub summary: String,
    pub typical_size_bytes: u64,
}

/// What a toggle does, as the UI explains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ToggleInfo {
    pub name: String,
    pub label: String,
    pub edits: String,
    pub teaches: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Catalog {
    pub builder: Builder,
    #[serde(rename = "base")]
    pub bases: Vec<RuntimeBase>,
    #[serde(skip)]
    pub toggles: Vec<ToggleInfo>,
    /// Real images beside the catalog's, so lint can tell old from misspelt.
    #[serde(rename = "family", default)]
    pub families: Vec<ImageFamily>,
}

#[derive(Debug, Deserialize)]
struct TogglesFile {
    toggle: Vec<ToggleInfo>,
}

impl Catalog {
    /// Parses catalog files; used for the bundled ones and by tests.
    pub fn from_toml(bases: &str, toggles: &str) -> Result<Self, toml::de::Error> {
        let mut catalog: Catalog = toml::from_str(bases)?;
        catalog.toggles = toml::from_str::<TogglesFile>(toggles)?.toggle;
        Ok(catalog)
    }

    /// The catalog embedded in the binary.
    pub fn bundled() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            // The embedded files are checked by `bundled_catalog_loads` below.
            #[allow(clippy::expect_used)]
            Catalog::from_toml(BASES_TOML, TOGGLES_TOML).expect("bundled catalog is valid TOML")
        })
    }

    pub fn base(&self, key: &str) -> Option<&RuntimeBase> {
        self.bases.iter().find(|b| b.key.eq_ignore_ascii_case(key))
    }

    /// The catalog base an image reference is, matching the tag first and
    /// then any tag of the same repository.
    pub fn base_for_image(&self, image: &str) -> Option<&RuntimeBase> {
        self.bases
            .iter()
            .find(|b| b.matches(image, false))
            .or_else(|| self.bases.iter().find(|b| b.matches(image, true)))
    }

    pub fn toggle(&self, name: &str) -> Option<&ToggleInfo> {
        self.toggles.iter().find(|t| t.name == name)
    }

    /// The family `image` belongs to, if any: then it is a real image.
    pub fn family_member(&self, image: &str) -> Option<FamilyMember> {
        self.families.iter().find_map(|f| f.member(image))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.bases.iter().map(|b| b.key.as_str())
    }
}

/// Splits `repo:tag` (or `repo@digest`) without mistaking a registry port for a tag.
pub fn split_tag(image: &str) -> (&str, Option<&str>) {
    if let Some((repo, digest)) = image.split_once('@') {
        return (repo, Some(digest));
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(colon) => {
            let at = last_slash + colon;
            (image.get(..at).unwrap_or(image), image.get(at + 1..))
        }
        None => (image, None),
    }
}

/// `docker.io/library/alpine` and `alpine` are the same repository.
pub fn normalize_repo(repo: &str) -> String {
    let lower = repo.to_ascii_lowercase();
    let trimmed = lower
        .strip_prefix("docker.io/")
        .or_else(|| lower.strip_prefix("index.docker.io/"))
        .unwrap_or(&lower);
    trimmed
        .strip_prefix("library/")
        .unwrap_or(trimmed)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_loads() {
        let c = Catalog::from_toml(BASES_TOML, TOGGLES_TOML);
        assert!(c.is_ok(), "{c:?}");
        let c = Catalog::bundled();
        let keys: Vec<_> = c.keys().collect();
        assert_eq!(
            keys,
            [
                "scratch",
                "distroless-static",
                "distroless-base",
                "alpine",
                "busybox",
                "debian-slim"
            ]
        );
        assert_eq!(c.builder.image, "golang:1.24");
        assert_eq!(c.toggles.len(), 8);
    }

    #[test]
    fn matches_images_as_written_after_from() {
        let c = Catalog::bundled();
        let key = |image| c.base_for_image(image).map(|b| b.key.as_str());
        assert_eq!(key("docker.io/library/alpine:3.20"), Some("alpine"));
        assert_eq!(key("alpine:3.19"), Some("alpine"));
        assert_eq!(key("SCRATCH"), Some("scratch"));
        assert_eq!(
            key("gcr.io/distroless/static-debian12:nonroot"),
            Some("distroless-static")
        );
        assert_eq!(key("ubuntu:24.04"), None);
    }

    #[test]
    fn split_tag_leaves_registry_ports_alone() {
        assert_eq!(
            split_tag("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        assert_eq!(
            split_tag("localhost:5000/app:1"),
            ("localhost:5000/app", Some("1"))
        );
        assert_eq!(split_tag("golang@sha256:ab"), ("golang", Some("sha256:ab")));
    }
}
