//! What the daemon says about itself beyond its version: where it keeps its
//! data, and whether it builds with BuildKit. The doctor reads these before
//! a workshop; a build finds out by trying.

use std::path::{Path, PathBuf};

use super::session::{MIN_API, api_at_least};
use super::{Engine, EngineError};

/// The daemon facts the doctor judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonInfo {
    /// DockerRootDir: images, layers and the build cache live here.
    pub root_dir: Option<PathBuf>,
    pub os_type: String,
    pub buildkit: bool,
}

/// BuildKit builds through a session, which Linux daemons serve from API
/// 1.39 on; the same test decides whether a build sends its context through
/// a session or as a tar.
pub fn buildkit_available(api_version: &str, os_type: &str) -> bool {
    os_type.eq_ignore_ascii_case("linux") && api_at_least(api_version, MIN_API)
}

impl Engine {
    /// One `docker info`: the version alone does not say where the data
    /// lives, nor the OS that decides BuildKit.
    pub async fn daemon_info(&self) -> Result<DaemonInfo, EngineError> {
        let info = self.docker().info().await?;
        let os_type = info.os_type.unwrap_or_default();
        Ok(DaemonInfo {
            root_dir: info
                .docker_root_dir
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            buildkit: buildkit_available(&self.server.api_version, &os_type),
            os_type,
        })
    }

    /// Whether the daemon's paths are paths on this machine: only a daemon
    /// behind a local socket shares our file system (a tcp:// one may be
    /// anywhere, and the path would name an unrelated local directory).
    pub fn is_local(&self) -> bool {
        self.endpoint.host.starts_with("unix://")
    }
}

/// A free-space measurement that failed, naming the path it was tried on.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", .path.display())]
pub struct DiskError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// The bytes an unprivileged writer can still use on the file system that
/// holds `path` (statvfs: available blocks times the fragment size).
pub fn free_bytes(path: &Path) -> Result<u64, DiskError> {
    let stat = rustix::fs::statvfs(path).map_err(|e| DiskError {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildkit_needs_a_linux_daemon_with_sessions() {
        assert!(buildkit_available("1.41", "linux"));
        assert!(buildkit_available("1.39", "Linux"));
        assert!(!buildkit_available("1.38", "linux"));
        assert!(!buildkit_available("1.41", "windows"));
        assert!(!buildkit_available("", ""));
    }

    #[test]
    fn free_bytes_of_a_real_and_a_missing_path() {
        assert!(free_bytes(&std::env::temp_dir()).is_ok_and(|b| b > 0));
        let missing = free_bytes(Path::new("/nonexistent/dockstage"));
        assert!(missing.is_err_and(|e| e.to_string().starts_with("/nonexistent/dockstage: ")));
    }
}
