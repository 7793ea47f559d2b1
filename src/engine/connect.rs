//! Finding and opening the daemon the way the docker CLI does.

use std::path::{Path, PathBuf};

use bollard::{API_DEFAULT_VERSION, Docker};
use serde::Serialize;

use super::EngineError;

/// Requests that stream a whole build need a long timeout; liveness checks
/// use their own short one.
const REQUEST_TIMEOUT_SECS: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointSource {
    DockerHost,
    Context(String),
    Default,
}

/// Where the daemon is, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub host: String,
    pub source: EndpointSource,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            EndpointSource::DockerHost => write!(f, "{} (DOCKER_HOST)", self.host),
            EndpointSource::Context(name) => write!(f, "{} (docker context {name})", self.host),
            EndpointSource::Default => f.write_str(&self.host),
        }
    }
}

/// What the daemon said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub arch: String,
}

pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn home_dir() -> Option<PathBuf> {
    process_env("HOME").map(PathBuf::from)
}

/// DOCKER_HOST, then DOCKER_CONTEXT or the config's current context, then
/// the default socket.
pub fn resolve_endpoint(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Endpoint {
    if let Some(host) = env("DOCKER_HOST") {
        return Endpoint {
            host,
            source: EndpointSource::DockerHost,
        };
    }
    let config_dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".docker")));
    if let Some(dir) = config_dir {
        let context = env("DOCKER_CONTEXT").or_else(|| current_context(&dir));
        if let Some(name) = context.filter(|n| n != "default")
            && let Some(host) = context_host(&dir, &name)
        {
            return Endpoint {
                host,
                source: EndpointSource::Context(name),
            };
        }
    }
    Endpoint {
        host: DEFAULT_HOST.to_string(),
        source: EndpointSource::Default,
    }
}

fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("currentContext")?.as_str().map(str::to_string)
}

/// The docker endpoint of context `name`, from `contexts/meta/*/meta.json`.
fn context_host(config_dir: &Path, name: &str) -> Option<String> {
    let meta = config_dir.join("contexts").join("meta");
    for entry in std::fs::read_dir(meta).ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("meta.json")) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if value.get("Name").and_then(|n| n.as_str()) == Some(name) {
            return value
                .pointer("/Endpoints/docker/Host")
                .and_then(|h| h.as_str())
                .map(str::to_string);
        }
    }
    None
}

/// Opens a client for `endpoint`, checks it answers and negotiates the version.
pub async fn open(endpoint: &Endpoint) -> Result<(Docker, ServerInfo), EngineError> {
    let unreachable = |reason: String, hint: String| EngineError::Unreachable {
        endpoint: endpoint.to_string(),
        reason,
        hint,
    };
    if let Some(path) = endpoint.host.strip_prefix("unix://") {
        check_socket(Path::new(path)).map_err(|(reason, hint)| unreachable(reason, hint))?;
    }
    let docker = if endpoint.host.starts_with("unix://") {
        Docker::connect_with_unix(&endpoint.host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else if endpoint.host.starts_with("tcp://") || endpoint.host.starts_with("http://") {
        Docker::connect_with_http(&endpoint.host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else {
        Docker::connect_with_host(&endpoint.host)
    }
    .map_err(|e| {
        unreachable(
            e.to_string(),
            "Check DOCKER_HOST or the docker context.".into(),
        )
    })?;
    let docker = match tokio::time::timeout(
        std::time::Duration::from_secs(5),
        docker.negotiate_version(),
    )
    .await
    {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(unreachable(e.to_string(), start_hint())),
        Err(_) => return Err(unreachable("no answer within 5 s".into(), start_hint())),
    };
    let version = docker
        .version()
        .await
        .map_err(|e| unreachable(e.to_string(), start_hint()))?;
    let server = ServerInfo {
        version: version.version.unwrap_or_default(),
        api_version: version.api_version.unwrap_or_default(),
        os: version.os.unwrap_or_default(),
        arch: version.arch.unwrap_or_default(),
    };
    Ok((docker, server))
}

fn start_hint() -> String {
    "Start Docker (`sudo systemctl start docker`, or `sudo bash scripts/docker-up.sh` on a \
     machine without systemd), or point DOCKER_HOST at a running daemon."
        .to_string()
}

/// Connects to the socket once to tell "absent", "refused" and "forbidden" apart.
fn check_socket(path: &Path) -> Result<(), (String, String)> {
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            std::io::ErrorKind::NotFound => ("the socket does not exist".into(), start_hint()),
            std::io::ErrorKind::ConnectionRefused => {
                ("nothing is listening on the socket".into(), start_hint())
            }
            std::io::ErrorKind::PermissionDenied => (
                "permission denied on the socket".into(),
                format!(
                    "Add your user to the docker group (`sudo usermod -aG docker $USER`, then \
                     log in again), or fix the permissions of {}.",
                    path.display()
                ),
            ),
            _ => (e.to_string(), start_hint()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn docker_host_wins() {
        let e = resolve_endpoint(&env_of(&[("DOCKER_HOST", "tcp://10.0.0.1:2375")]), None);
        assert_eq!(e.host, "tcp://10.0.0.1:2375");
        assert_eq!(e.source, EndpointSource::DockerHost);
    }

    #[test]
    fn the_current_context_is_followed() {
        let dir = std::env::temp_dir().join(format!("dockstage-ctx-{}", std::process::id()));
        let meta = dir.join(".docker/contexts/meta/0123abcd");
        let _ = std::fs::create_dir_all(&meta);
        let _ = std::fs::write(
            dir.join(".docker/config.json"),
            r#"{"currentContext":"colima"}"#,
        );
        let _ = std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///home/u/.colima/docker.sock"}}}"#,
        );
        let e = resolve_endpoint(&env_of(&[]), Some(&dir));
        assert_eq!(e.host, "unix:///home/u/.colima/docker.sock");
        assert_eq!(e.source, EndpointSource::Context("colima".into()));
        let default = resolve_endpoint(&env_of(&[("DOCKER_CONTEXT", "default")]), Some(&dir));
        assert_eq!(default.source, EndpointSource::Default);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_socket_says_how_to_start_docker() {
        let err = check_socket(Path::new("/nonexistent/docker.sock"));
        assert!(
            matches!(err, Err((ref r, ref h)) if r.contains("does not exist") && h.contains("Start Docker"))
        );
    }
}
