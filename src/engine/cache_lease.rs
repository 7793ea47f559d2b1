//! Leases on kept builds, shared by every dockstage process on this machine.
//!
//! A build holds a lease on its input's tag from the moment it looks for a
//! kept image until it has read the layers and run the image; a prune removes
//! a kept image only while it holds the removal lock on every tag the image
//! carries. Both are `flock`s on one file per tag, a lease shared and a
//! removal exclusive, so two workbenches, a workbench and a `dockstage build`,
//! or two test binaries on one daemon never untag what the other is about to
//! use. Identical builds share an image id, which is how another process's
//! prune reaches a build of this one. The kernel drops a lock when its process
//! ends, however it ends, so a killed build leaves nothing held.
//!
//! A prune deletes the file of a tag it removed while still holding it. A
//! lease taken on a file that was deleted meanwhile is taken again on the
//! file now at that path, so a lease always shares its lock with the
//! removals that come after it.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use super::liveness::locks_dir;

/// Held while a build may still return, read or run the kept image for its
/// input; dropping it lets a prune remove that image.
#[must_use = "the lease protects the kept build only while it is held"]
#[derive(Debug)]
pub struct CacheLease {
    _file: Option<File>,
}

/// Held by a prune while it removes one kept image: no lease on any of the
/// image's tags can be taken until it is dropped.
#[derive(Debug)]
pub struct Removal {
    held: Vec<(File, PathBuf)>,
}

fn dir() -> PathBuf {
    locks_dir("dockstage-cache-leases")
}

/// The lock file of a cache tag (`dockstage/cache:<name>`): named by the part
/// after the colon, which is the input key's hex.
fn path(tag: &str) -> Option<PathBuf> {
    let name = tag.rsplit(':').next()?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then(|| dir().join(format!("{name}.lock")))
}

fn open(path: &Path) -> io::Result<File> {
    std::fs::create_dir_all(dir())?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Whether `file` is still the file at `path`: a prune may have deleted it
/// between our open and our lock.
fn still_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(ours), Ok(now)) => ours.ino() == now.ino() && ours.dev() == now.dev(),
        _ => false,
    }
}

impl CacheLease {
    /// Takes the lease on `tag`, waiting for a prune that is removing its
    /// image right now. Without a lock directory (a read-only temp dir) the
    /// lease holds nothing, and no prune removes anything either.
    pub async fn take(tag: &str) -> CacheLease {
        let Some(path) = path(tag) else {
            return CacheLease { _file: None };
        };
        let file = tokio::task::spawn_blocking(move || lock_shared(&path))
            .await
            .ok()
            .flatten();
        CacheLease { _file: file }
    }
}

fn lock_shared(path: &Path) -> Option<File> {
    loop {
        let file = open(path).ok()?;
        flock(&file, FlockOperation::LockShared).ok()?;
        if still_at(&file, path) {
            return Some(file);
        }
    }
}

impl Removal {
    /// The removal lock on every one of `tags`, or `None` when a build holds
    /// a lease on any of them, or when leases cannot be kept on this machine
    /// (then nothing can tell what a build is using, so nothing is removed).
    pub fn try_lock(tags: &[&str]) -> Option<Removal> {
        let mut held = Vec::new();
        for tag in tags {
            let path = path(tag)?;
            let file = open(&path).ok()?;
            flock(&file, FlockOperation::NonBlockingLockExclusive).ok()?;
            if !still_at(&file, &path) {
                return None;
            }
            held.push((file, path));
        }
        Some(Removal { held })
    }

    /// The image is gone: its tags' files go too, while still locked, so the
    /// directory holds a file only for tags that may still be kept.
    pub fn done(self) {
        for (_, path) in &self.held {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> String {
        format!(
            "dockstage/cache:test-{name}-{}",
            crate::engine::new_session_id()
        )
    }

    #[tokio::test]
    async fn a_leased_tag_cannot_be_removed_until_every_lease_is_dropped() {
        let t = tag("leased");
        let first = CacheLease::take(&t).await;
        let second = CacheLease::take(&t).await;
        assert!(Removal::try_lock(&[&t]).is_none());
        drop(first);
        assert!(Removal::try_lock(&[&t]).is_none(), "one lease is left");
        drop(second);
        let removal = Removal::try_lock(&[&t]);
        assert!(removal.is_some());
        removal.into_iter().for_each(Removal::done);
        assert!(path(&t).is_some_and(|p| !p.exists()));
    }

    #[tokio::test]
    async fn one_leased_tag_spares_the_whole_image() {
        let (free, leased) = (tag("free"), tag("other"));
        let _lease = CacheLease::take(&leased).await;
        assert!(Removal::try_lock(&[&free, &leased]).is_none());
        let removal = Removal::try_lock(&[&free]);
        assert!(removal.is_some());
        removal.into_iter().for_each(Removal::done);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lease_waits_for_a_removal_and_then_holds_the_new_file() {
        let t = tag("wait");
        let Some(removal) = Removal::try_lock(&[&t]) else {
            panic!("nothing holds {t}");
        };
        let waiting = tokio::spawn({
            let t = t.clone();
            async move { CacheLease::take(&t).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the lease waits for the removal");
        removal.done();
        let lease = waiting.await.unwrap_or_else(|e| panic!("{e}"));
        // The lease is on the file now at the path, so a later removal sees it.
        assert!(Removal::try_lock(&[&t]).is_none());
        drop(lease);
        Removal::try_lock(&[&t]).into_iter().for_each(Removal::done);
    }

    #[test]
    fn a_tag_that_is_not_a_plain_name_gets_no_file() {
        assert!(path("dockstage/cache:../../etc/passwd").is_none());
        assert!(path("dockstage/cache:").is_none());
    }
}
