//! Which golang image builds a module: go.mod's pin where it can be had,
//! otherwise the newest Go on this machine that is new enough.

use super::Module;

/// The image the builder stage starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    pub image: String,
    /// Why it is not the `golang:` tag go.mod asks for, for the comment.
    pub note: Option<String>,
}

impl Builder {
    /// `golang:<go.mod's version>`, the image a registry would serve.
    pub fn pinned(go_version: &str) -> Builder {
        Builder {
            image: format!("golang:{go_version}"),
            note: None,
        }
    }
}

/// A golang image on this machine and the Go version it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GolangOnHand {
    pub image: String,
    pub go_version: String,
}

/// The builder for `module` when go.mod's pin can be neither found here nor
/// pulled: the newest golang image on hand whose Go is at least the one
/// go.mod asks for (Go builds modules that ask for older versions). `None`
/// when no image on hand is new enough.
pub fn builder_on_hand(module: &Module, on_hand: &[GolangOnHand]) -> Option<Builder> {
    let needed = go_version_key(&module.go_required);
    let best = on_hand
        .iter()
        .filter(|g| go_version_key(&g.go_version) >= needed)
        .max_by_key(|g| go_version_key(&g.go_version))?;
    Some(Builder {
        image: best.image.clone(),
        note: Some(format!(
            "go.mod asks for Go {}, but {} is not on this machine and no registry answers; \
             {} (Go {}) is the newest Go here and builds it. With a registry, use {}.",
            module.go_required,
            Builder::pinned(&module.go_version).image,
            best.image,
            best.go_version,
            Builder::pinned(&module.go_version).image,
        )),
    })
}

/// go.mod's pin, kept when nothing on hand is new enough, saying so: the
/// build will stop at pre-flight, and the comment says what to load.
pub fn builder_none_new_enough(module: &Module, on_hand: &[GolangOnHand]) -> Builder {
    let pinned = Builder::pinned(&module.go_version);
    let newest = on_hand
        .iter()
        .max_by_key(|g| go_version_key(&g.go_version))
        .map(|g| format!(" (the newest here is {}, Go {})", g.image, g.go_version))
        .unwrap_or_default();
    Builder {
        note: Some(format!(
            "go.mod asks for Go {}, and no golang image on this machine is that new{newest} \
             and no registry answers: load {} with `dockstage bases load FILE`, or build \
             where a registry is reachable.",
            module.go_required, pinned.image
        )),
        ..pinned
    }
}

/// `1.22.3` (or `go1.22rc1`) as numbers to compare; missing parts are 0.
pub fn go_version_key(version: &str) -> (u32, u32, u32) {
    let v = version.trim().trim_start_matches("go");
    let mut parts = v.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap_or(0)
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}
