//! Which dockstage sessions are running now, so `dockstage clean` removes
//! what killed sessions left behind and never the containers and images of
//! a workbench or a build running at the same time (or another test run on
//! the same daemon). Each session holds an exclusive `flock` on a file named
//! after it for as long as it runs; the kernel drops the lock when the
//! process ends, however it ends.

use std::fs::File;
use std::path::PathBuf;

use rustix::fs::{FlockOperation, flock};

/// The lock a running session holds; dropping it marks the session gone.
#[derive(Debug)]
pub struct Alive {
    _file: File,
    path: PathBuf,
}

impl Drop for Alive {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where the lock files named `name` live: the user's runtime directory,
/// which the system empties at logout and reboot, or the temp dir.
pub(super) fn locks_dir(name: &str) -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(name)
}

fn dir() -> PathBuf {
    locks_dir("dockstage-sessions")
}

fn path(session: &str) -> Option<PathBuf> {
    // Session ids are hex; anything else is not a file name of ours.
    session
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        .then(|| dir().join(format!("{session}.lock")))
}

/// Marks `session` as running until the returned lock is dropped. `None`
/// when no lock can be taken (a read-only temp dir): the session is then
/// treated as gone by a `clean`, as before.
pub fn mark_alive(session: &str) -> Option<Alive> {
    let path = path(session)?;
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = File::create(&path).ok()?;
    flock(&file, FlockOperation::NonBlockingLockExclusive).ok()?;
    Some(Alive { _file: file, path })
}

/// Whether `session` is running now: its lock file is held.
pub fn is_alive(session: &str) -> bool {
    let Some(path) = path(session) else {
        return false;
    };
    let Ok(file) = File::open(&path) else {
        return false;
    };
    match flock(&file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => {
            // Nobody holds it: a session that ended without removing it.
            let _ = std::fs::remove_file(&path);
            false
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_alive_while_its_lock_is_held() {
        let session = crate::engine::new_session_id();
        assert!(!is_alive(&session));
        let alive = mark_alive(&session);
        assert!(alive.is_some());
        assert!(is_alive(&session));
        drop(alive);
        assert!(!is_alive(&session));
        assert!(!is_alive("../etc/passwd"), "not a session id");
    }
}
