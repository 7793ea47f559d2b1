//! Finding the peer tools (hadolint, dive) the benchmarks measure against.

use std::path::PathBuf;

/// `$ENV_VAR` (a path or a name on PATH), then `name` on PATH, then the
/// venv the docs suggest (`/tmp/peers/bin`).
pub fn find_peer(env_var: &str, name: &str) -> Option<PathBuf> {
    if let Some(v) = std::env::var_os(env_var).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(&v);
        if p.is_file() {
            return Some(p);
        }
        return on_path(&v.to_string_lossy());
    }
    on_path(name).or_else(|| {
        let p = PathBuf::from("/tmp/peers/bin").join(name);
        p.is_file().then_some(p)
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
