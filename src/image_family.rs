//! Families of real images that differ from the catalog's by a release:
//! `gcr.io/distroless/base-debian10`, `debian:buster-slim`, `alpine:3.12`.
//! Knowing them offline lets lint tell an old but real image (outdated) from
//! a name that no registry has (a misspelling), without asking a registry.

use serde::{Deserialize, Serialize};

use crate::catalog::{normalize_repo, split_tag};

/// One family, as `assets/bases.toml` describes it under `[[family]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ImageFamily {
    /// The image with `{flavor}` and `{release}` where they go; `{release}`
    /// in the tag may be followed by `-suffix` or `.patch`.
    pub image: String,
    #[serde(default)]
    pub flavors: Vec<String>,
    /// Oldest first; `10|buster` names one release two ways.
    pub releases: Vec<String>,
    /// The oldest release still updated; older ones are outdated. No value:
    /// every release of the family is fine to use.
    #[serde(default)]
    pub supported: Option<String>,
    /// The release an outdated one is replaced with.
    pub current: String,
    /// Whose releases they are, for messages: "Debian", "Alpine".
    pub release_of: String,
}

/// An image found in a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyMember {
    /// The release as written, e.g. `10` or `buster`.
    pub release: String,
    /// Older than the family's oldest supported release.
    pub outdated: bool,
    /// The same image on the current release, as it would be written.
    pub current_image: String,
    pub release_of: String,
}

impl ImageFamily {
    /// Whether `image` (as written after FROM) belongs to this family.
    pub fn member(&self, image: &str) -> Option<FamilyMember> {
        let (repo, tag) = split_tag(image);
        let repo = normalize_repo(repo);
        let (want_repo, want_tag) = split_tag(&self.image);
        let flavors: Vec<&str> = if self.flavors.is_empty() {
            vec![""]
        } else {
            self.flavors.iter().map(String::as_str).collect()
        };
        for flavor in flavors {
            for (index, names) in self.releases.iter().enumerate() {
                for (alias, release) in names.split('|').enumerate() {
                    let fill =
                        |s: &str| s.replace("{flavor}", flavor).replace("{release}", release);
                    if normalize_repo(&fill(want_repo)) != repo {
                        continue;
                    }
                    let rest = match want_tag {
                        None => Some(tag.map(|t| format!(":{t}")).unwrap_or_default()),
                        Some(want) => tag.and_then(|t| release_prefix(t, &fill(want))),
                    };
                    let Some(rest) = rest else { continue };
                    let current = self.current_alias(alias);
                    let now = |s: &str| s.replace("{flavor}", flavor).replace("{release}", current);
                    let current_image = match want_tag {
                        None => format!("{}{rest}", now(want_repo)),
                        Some(want) => format!("{}:{}{rest}", split_tag(image).0, now(want)),
                    };
                    return Some(FamilyMember {
                        release: release.to_string(),
                        outdated: self.supported_index().is_some_and(|s| index < s),
                        current_image,
                        release_of: self.release_of.clone(),
                    });
                }
            }
        }
        None
    }

    fn index_of(&self, release: &str) -> Option<usize> {
        self.releases
            .iter()
            .position(|names| names.split('|').any(|n| n == release))
    }

    fn supported_index(&self) -> Option<usize> {
        self.index_of(self.supported.as_deref()?)
    }

    /// The current release in the same style (number or codename) as alias `alias`.
    fn current_alias(&self, alias: usize) -> &str {
        let names = self
            .index_of(&self.current)
            .and_then(|i| self.releases.get(i))
            .map_or(self.current.as_str(), String::as_str);
        names
            .split('|')
            .nth(alias)
            .or_else(|| names.split('|').next())
            .unwrap_or(&self.current)
    }
}

/// What follows `release` at the start of `tag` and would follow any other
/// release too (`-slim`; a `.4` patch belongs to the old release), when the
/// tag starts with that release and not a longer one.
fn release_prefix(tag: &str, release: &str) -> Option<String> {
    let rest = tag.strip_prefix(release)?;
    if rest.is_empty() || rest.starts_with('-') {
        return Some(rest.to_string());
    }
    let patch = rest.strip_prefix('.')?;
    Some(patch.find('-').map_or("", |i| &patch[i..]).to_string())
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;

    fn member(image: &str) -> Option<(bool, String)> {
        Catalog::bundled()
            .family_member(image)
            .map(|m| (m.outdated, m.current_image))
    }

    #[test]
    fn old_releases_are_real_and_outdated() {
        assert_eq!(
            member("gcr.io/distroless/base-debian10"),
            Some((true, "gcr.io/distroless/base-debian12".into()))
        );
        assert_eq!(
            member("gcr.io/distroless/static-debian11:nonroot"),
            Some((true, "gcr.io/distroless/static-debian12:nonroot".into()))
        );
        assert_eq!(
            member("debian:buster-slim"),
            Some((true, "debian:bookworm-slim".into()))
        );
        assert_eq!(member("debian:10"), Some((true, "debian:12".into())));
        assert_eq!(member("alpine:3.12.4"), Some((true, "alpine:3.20".into())));
        assert_eq!(
            member("debian:10.13-slim"),
            Some((true, "debian:12-slim".into()))
        );
    }

    #[test]
    fn supported_releases_are_real_and_current_enough() {
        assert_eq!(
            member("gcr.io/distroless/cc-debian12").map(|m| m.0),
            Some(false)
        );
        assert_eq!(member("debian:bullseye-slim").map(|m| m.0), Some(false));
        assert_eq!(member("alpine:3.20").map(|m| m.0), Some(false));
    }

    #[test]
    fn names_outside_the_families_are_not_members() {
        assert_eq!(member("gcr.io/distroless/base-debain10"), None);
        assert_eq!(member("gcr.io/distroless/base-debian99"), None);
        assert_eq!(member("alpine:3.1x"), None);
        assert_eq!(member("debian:sid"), None);
        assert_eq!(member("ubuntu:20.04"), None);
    }
}
