//! The context files each COPY or ADD copies, with their content hashes,
//! so the next build can say which file broke the cache.
//!
//! The files are the context's own walk, `.dockerignore` applied, so an
//! ignored file never counts. Contents are hashed with SHA-256 (the `sha2`
//! crate, already in the tree and what BuildKit itself checksums with); a
//! file whose size and mtime match the previous build's is not read again.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;

use sha2::{Digest, Sha256};

use super::context::BuildContext;
use super::error::EngineError;
use super::ignore::DockerIgnore;
use super::session::walk::{Entry, Kind};
use crate::outcome::FileDigest;

/// What the COPY and ADD steps of a build copy from its context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopiedFiles {
    /// Per source list given, the context paths it matches.
    pub per_step: Vec<Vec<String>>,
    /// Every matched file's digest.
    pub digests: BTreeMap<String, FileDigest>,
}

/// Matches each of `sources` (one COPY or ADD's source paths each, then its
/// `--exclude` patterns after a `!`) against the context and hashes the
/// files they match. A digest in `known` with the
/// same size and mtime is reused unread.
pub fn copied_files(
    ctx: &BuildContext,
    sources: &[Vec<String>],
    known: &BTreeMap<String, FileDigest>,
) -> Result<CopiedFiles, EngineError> {
    let mut out = CopiedFiles::default();
    for list in sources {
        let (excludes, paths): (Vec<&String>, Vec<&String>) =
            list.iter().partition(|s| s.starts_with('!'));
        let matchers: Vec<Source> = paths.iter().map(|s| Source::new(s)).collect();
        let excluded =
            DockerIgnore::from_patterns(&excludes.iter().map(|e| &e[1..]).collect::<Vec<_>>());
        let matched: Vec<&Entry> = ctx
            .entries()
            .iter()
            .filter(|e| e.kind != Kind::Dir && matchers.iter().any(|m| m.copies(&e.rel)))
            .filter(|e| !excluded.is_excluded(&e.rel))
            .collect();
        for entry in &matched {
            if out.digests.contains_key(&entry.rel) {
                continue;
            }
            let digest = match known.get(&entry.rel) {
                Some(d) if d.size == entry.size && d.mtime_ns == entry.mtime_ns => d.clone(),
                _ => digest(ctx, entry).map_err(|e| EngineError::Context {
                    dir: ctx.dir.clone(),
                    reason: format!(
                        "cannot read {} ({e}); fix its permissions or add it to .dockerignore",
                        entry.rel
                    ),
                })?,
            };
            out.digests.insert(entry.rel.clone(), digest);
        }
        out.per_step
            .push(matched.into_iter().map(|e| e.rel.clone()).collect());
    }
    Ok(out)
}

/// One COPY source: the whole context, or a path or wildcard that copies
/// what it names and everything under it.
enum Source {
    All,
    Pattern(DockerIgnore),
}

impl Source {
    fn new(written: &str) -> Source {
        let mut path = written.trim();
        while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix('/')) {
            path = rest;
        }
        let path = path.trim_end_matches('/');
        if path.is_empty() || path == "." {
            return Source::All;
        }
        // `.dockerignore` matching is a pattern that takes a path or any
        // parent of it, which is how a COPY source takes a directory.
        Source::Pattern(DockerIgnore::from_patterns(&[path]))
    }

    fn copies(&self, rel: &str) -> bool {
        match self {
            Source::All => true,
            Source::Pattern(p) => p.is_excluded(rel),
        }
    }
}

fn digest(ctx: &BuildContext, entry: &Entry) -> io::Result<FileDigest> {
    let mut hasher = Sha256::new();
    match entry.kind {
        Kind::Symlink => {
            let target = entry.link.as_deref().unwrap_or(std::path::Path::new(""));
            hasher.update(target.to_string_lossy().as_bytes());
        }
        _ => {
            let mut file = File::open(ctx.dir.join(&entry.path))?;
            io::copy(&mut file, &mut hasher)?;
        }
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(FileDigest {
        size: entry.size,
        mtime_ns: entry.mtime_ns,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::pack;

    fn project() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dockstage-source-files-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let write = |rel: &str, text: &str| {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(path, text);
        };
        write("go.mod", "module hello\n");
        write("main.go", "package main\n");
        write("cmd/tool/tool.go", "package main\n");
        write("notes.txt", "ignored\n");
        write(".dockerignore", "notes.txt\n");
        dir
    }

    #[test]
    fn sources_match_their_files_and_ignored_files_never() {
        let dir = project();
        let ctx = pack(&dir, "FROM scratch\n").unwrap_or_else(|e| panic!("{e}"));
        let sources = vec![
            vec!["go.mod".to_string()],
            vec![".".to_string()],
            vec!["./cmd/".to_string()],
            vec!["*.go".to_string()],
            vec![".".to_string(), "!cmd".to_string()],
        ];
        let copied =
            copied_files(&ctx, &sources, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(copied.per_step[0], vec!["go.mod"]);
        assert_eq!(
            copied.per_step[1],
            vec!["cmd/tool/tool.go", "go.mod", "main.go"]
        );
        assert_eq!(copied.per_step[2], vec!["cmd/tool/tool.go"]);
        assert_eq!(copied.per_step[3], vec!["main.go"]);
        assert_eq!(copied.per_step[4], vec!["go.mod", "main.go"]);
        assert!(!copied.digests.contains_key("notes.txt"));
        // sha256sum of "module hello\n"
        assert_eq!(
            copied.digests.get("go.mod").map(|d| d.sha256.as_str()),
            Some("fb9f43ca0295fb227504fbecebe73dd104d9cdc2b6ff0e04a2c2c347da72fe00")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_known_digest_with_the_same_size_and_mtime_is_not_read_again() {
        let dir = project();
        let ctx = pack(&dir, "FROM scratch\n").unwrap_or_else(|e| panic!("{e}"));
        let sources = vec![vec!["main.go".to_string()]];
        let first =
            copied_files(&ctx, &sources, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"));
        let mut known = first.digests.clone();
        if let Some(d) = known.get_mut("main.go") {
            d.sha256 = "remembered".into();
        }
        let again = copied_files(&ctx, &sources, &known).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            again.digests.get("main.go").map(|d| d.sha256.as_str()),
            Some("remembered")
        );
        std::fs::write(dir.join("main.go"), "package main // changed size\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let ctx = pack(&dir, "FROM scratch\n").unwrap_or_else(|e| panic!("{e}"));
        let changed = copied_files(&ctx, &sources, &known).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            changed.digests.get("main.go").map(|d| d.sha256.as_str()),
            Some("remembered")
        );
        assert_ne!(changed.digests, first.digests);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
