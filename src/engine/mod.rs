//! The Docker engine: the only part of dockstage that talks to a daemon.
//!
//! One `Engine` owns the bollard client. Builds, layer analysis, runs and
//! cleanup are plain Docker calls that return typed results and errors. The
//! jobs in `pipeline` put them together; the engine imports nothing above the
//! Dockerfile core and the shared leaves (docs/architecture.md).

pub mod build;
pub mod bundle;
pub mod cache;
pub mod cache_lease;
pub mod cleanup;
pub mod connect;
pub mod context;
pub mod daemon_info;
pub mod error;
pub mod events;
pub mod ignore;
pub mod image_export;
pub mod image_file;
pub mod images;
pub mod layer_dirs;
pub mod layers;
pub mod liveness;
mod progress;
pub mod run;
pub mod service;
pub mod session;
pub mod source_files;
pub mod stages;

use bollard::Docker;

pub use connect::{Endpoint, EndpointSource, ServerInfo};
pub use error::EngineError;

/// Every object dockstage creates carries this label, with the session id as
/// its value, so it can be found and removed on exit or by `dockstage clean`.
pub const SESSION_LABEL: &str = "io.dockstage.session";
/// Images made by `scripts/offline-bases.sh` carry this label.
pub const STANDIN_LABEL: &str = "io.dockstage.standin";
/// Tags of images dockstage builds live under this repository.
pub const IMAGE_REPOSITORY: &str = "dockstage";

/// A connected daemon, and the session whose objects it labels.
#[derive(Clone)]
pub struct Engine {
    docker: Docker,
    pub endpoint: Endpoint,
    pub server: ServerInfo,
    pub session: String,
    /// Held while this session runs, so `clean` elsewhere spares its objects.
    _alive: Option<std::sync::Arc<liveness::Alive>>,
}

impl Engine {
    /// Connects as the docker CLI would (DOCKER_HOST, then the current
    /// context, then the default socket) and negotiates the API version.
    pub async fn connect() -> Result<Self, EngineError> {
        let endpoint =
            connect::resolve_endpoint(&connect::process_env, connect::home_dir().as_deref());
        let (docker, server) = connect::open(&endpoint).await?;
        let session = new_session_id();
        Ok(Self {
            docker,
            endpoint,
            server,
            _alive: liveness::mark_alive(&session).map(std::sync::Arc::new),
            session,
        })
    }

    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Whether the daemon still answers, within two seconds.
    pub async fn ping(&self) -> bool {
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), self.docker.ping()).await,
            Ok(Ok(_))
        )
    }

    /// The labels to put on everything this session creates.
    pub fn labels(&self) -> std::collections::HashMap<String, String> {
        std::collections::HashMap::from([(SESSION_LABEL.to_string(), self.session.clone())])
    }
}

/// A random id for labels and BuildKit sessions: 128 bits as hex.
pub fn new_session_id() -> String {
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    format!("{a:016x}{b:016x}")
}
