//! Sending a build's context and Dockerfile the way `docker buildx` does:
//! through a BuildKit client session.
//!
//! `POST /session` on the daemon's socket is upgraded to h2c and the
//! connection turned around: dockstage serves gRPC on it (FileSync and the
//! health check) and the daemon is the client. The build request then
//! names the session (`remote=client-session`), and BuildKit pulls two
//! local sources through it: `context`, the project directory filtered by
//! the patterns the daemon sends (its reading of `.dockerignore`), and
//! `dockerfile`, the text being edited, which never enters the context.
//! The daemon keeps its copy of both between builds and asks only for the
//! files that changed, so an edit of the Dockerfile busts no `COPY . .`.
//!
//! Daemons without sessions (API before 1.39, or an upgrade refused) and
//! the legacy builder get the context as a tar instead.

pub mod filesync;
mod request;
pub mod service;
mod transfer;
pub mod walk;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bollard::health::health_server::HealthServer;
use bollard::moby::filesync::v1::file_sync_server::FileSyncServer;
use bollard::query_parameters::BuildImageOptions;
use bytes::Bytes;
use http::StatusCode;
use http::header::{CONNECTION, HOST, UPGRADE};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};

pub use filesync::Sent;
pub use request::BuildStream;
pub use service::{MemoryFile, Sources, Totals};
pub use transfer::{ContextSent, ContextTransfer, Transfer};

use service::{Alive, FileSyncService};

/// The first API version with `POST /session` outside experimental mode.
pub const MIN_API: (u32, u32) = (1, 39);

const HEADER_ID: &str = "X-Docker-Expose-Session-Uuid";
const HEADER_NAME: &str = "X-Docker-Expose-Session-Name";
const HEADER_SHARED_KEY: &str = "X-Docker-Expose-Session-Sharedkey";
const HEADER_METHOD: &str = "X-Docker-Expose-Session-Grpc-Method";

/// The gRPC methods a session serves; the daemon only calls those it is told of.
pub const METHODS: [&str; 2] = [
    "/moby.filesync.v1.FileSync/DiffCopy",
    "/grpc.health.v1.Health/Check",
];

/// Why no session could be had; the build then sends a tar.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the daemon's API {0} has no build sessions (they came with 1.39)")]
    OldApi(String),
    #[error("sessions are not supported over {0}")]
    Endpoint(String),
    #[error("the daemon refused a session (HTTP {status}: {message})")]
    Refused { status: u16, message: String },
    #[error("cannot connect for a session ({0})")]
    Io(#[from] io::Error),
    #[error("the session upgrade failed ({0})")]
    Http(String),
    #[error("cannot write the build request ({0})")]
    Request(String),
}

/// Where to open connections to the daemon: the session's and the build's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dial {
    Unix(PathBuf),
    Tcp(String),
}

/// A byte stream to the daemon, whatever carries it.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

impl Dial {
    /// The dial for a `DOCKER_HOST`-style address; TLS and ssh endpoints
    /// have none (their builds send a tar).
    pub fn for_host(host: &str) -> Result<Dial, SessionError> {
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Dial::Unix(PathBuf::from(path)));
        }
        if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            return Ok(Dial::Tcp(addr.trim_end_matches('/').to_string()));
        }
        let scheme = host.split("://").next().unwrap_or(host);
        Err(SessionError::Endpoint(format!("{scheme}://")))
    }

    pub async fn connect(&self) -> io::Result<Box<dyn Io>> {
        Ok(match self {
            #[cfg(unix)]
            Dial::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
            #[cfg(not(unix))]
            Dial::Unix(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "unix sockets need a unix system",
                ));
            }
            Dial::Tcp(addr) => Box::new(tokio::net::TcpStream::connect(addr).await?),
        })
    }
}

/// The message of a daemon's JSON error body, or the body itself.
fn server_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// Whether `api` ("1.41") is at least `min`.
pub fn api_at_least(api: &str, min: (u32, u32)) -> bool {
    let mut parts = api.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    version >= min
}

/// An open session. Dropping it closes the connection, and with it every
/// transfer the daemon is still making.
pub struct Session {
    id: String,
    dial: Dial,
    api: String,
    totals: Arc<Totals>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Session {
    /// Opens a session on the daemon at `host` (API version `api`, e.g.
    /// "1.41") serving `sources`.
    pub async fn open(host: &str, api: &str, sources: Sources) -> Result<Session, SessionError> {
        if !api_at_least(api, MIN_API) {
            return Err(SessionError::OldApi(api.to_string()));
        }
        let dial = Dial::for_host(host)?;
        let id = super::new_session_id();
        let name = sources
            .context
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "context".into());
        let upgraded = upgrade(&dial, api, &id, &name, &shared_key(&sources.context)).await?;
        let totals = Arc::new(Totals::default());
        let filesync = FileSyncService {
            sources: Arc::new(sources),
            totals: totals.clone(),
        };
        let routes = tonic::service::Routes::new(HealthServer::new(Alive))
            .add_service(FileSyncServer::new(filesync));
        let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(upgraded, TowerToHyperService::new(routes));
        let failures = totals.clone();
        let server = tokio::spawn(async move {
            if let Err(e) = connection.await {
                let why = error_chain(&e);
                tracing::debug!(error = %why, "build session connection ended");
                failures.fail(format!("the session connection failed: {why}"));
            }
        });
        Ok(Session {
            id,
            dial,
            api: api.to_string(),
            totals,
            server,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the daemon has pulled through this session so far.
    pub fn totals(&self) -> Arc<Totals> {
        self.totals.clone()
    }

    /// Starts the build `options` describe on this session; the stream
    /// owns the session, so dropping it (a cancel) ends both.
    pub fn build(self, options: &BuildImageOptions) -> Result<BuildStream<'static>, SessionError> {
        let options = BuildImageOptions {
            remote: Some("client-session".into()),
            session: Some(self.id.clone()),
            ..options.clone()
        };
        let query = serde_urlencoded::to_string(&options)
            .map_err(|e| SessionError::Request(e.to_string()))?;
        let path = format!("/v{}/build?{query}", self.api);
        let stream = request::post_build(self.dial.clone(), path);
        Ok(Box::pin(WithSession {
            stream,
            _session: self,
        }))
    }
}

/// An error with its sources, "http2 error: connection error detected: ...",
/// since hyper's own words say little.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = e.source();
    }
    text
}

/// A stream that keeps a session open for as long as it is read.
struct WithSession<S> {
    stream: S,
    _session: Session,
}

impl<S: futures_util::Stream + Unpin> futures_util::Stream for WithSession<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        std::pin::Pin::new(&mut self.stream).poll_next(cx)
    }
}

/// The same key for every build of a directory, so the daemon reuses its
/// copy of the context from the last build and asks only for what changed.
fn shared_key(dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    "dockstage-context".hash(&mut h);
    dir.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// `POST /session` with the upgrade to h2c, and the connection it leaves.
async fn upgrade(
    dial: &Dial,
    api: &str,
    id: &str,
    name: &str,
    shared_key: &str,
) -> Result<hyper::upgrade::Upgraded, SessionError> {
    let http = |e: hyper::Error| SessionError::Http(e.to_string());
    let io = dial.connect().await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(http)?;
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!(error = %e, "session upgrade connection ended");
        }
    });
    let mut request = http::Request::post(format!("/v{api}/session"))
        .header(HOST, "localhost")
        .header(CONNECTION, "Upgrade")
        .header(UPGRADE, "h2c")
        .header(HEADER_ID, id)
        .header(HEADER_NAME, name)
        .header(HEADER_SHARED_KEY, shared_key);
    for method in METHODS {
        request = request.header(HEADER_METHOD, method);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| SessionError::Http(e.to_string()))?;
    let response = sender.send_request(request).await.map_err(http)?;
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        return Err(SessionError::Refused {
            status,
            message: server_message(&body),
        });
    }
    hyper::upgrade::on(response).await.map_err(http)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_by_number() {
        assert!(api_at_least("1.41", MIN_API));
        assert!(api_at_least("1.39", MIN_API));
        assert!(!api_at_least("1.38", MIN_API));
        assert!(api_at_least("2.0", MIN_API));
        assert!(!api_at_least("", MIN_API));
    }

    #[test]
    fn hosts_dial_unix_sockets_and_plain_tcp_only() {
        assert_eq!(
            Dial::for_host("unix:///var/run/docker.sock").ok(),
            Some(Dial::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            Dial::for_host("tcp://10.0.0.1:2375").ok(),
            Some(Dial::Tcp("10.0.0.1:2375".into()))
        );
        assert!(matches!(
            Dial::for_host("ssh://me@box"),
            Err(SessionError::Endpoint(s)) if s == "ssh://"
        ));
    }

    fn sources() -> Sources {
        Sources {
            context: std::env::temp_dir(),
            dockerfile: MemoryFile::new("Dockerfile", "FROM scratch\n"),
        }
    }

    #[tokio::test]
    async fn an_old_api_gets_no_session() {
        let refused = Session::open("unix:///nonexistent.sock", "1.38", sources()).await;
        assert!(matches!(refused, Err(SessionError::OldApi(v)) if v == "1.38"));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_refused_upgrade_says_what_the_daemon_answered() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = std::env::temp_dir().join(format!(
            "dockstage-refuse-{}.sock",
            super::super::new_session_id()
        ));
        let listener = tokio::net::UnixListener::bind(&socket).unwrap_or_else(|e| panic!("{e}"));
        let daemon = tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap_or_else(|e| panic!("{e}"));
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut buf).await.unwrap_or_else(|e| panic!("{e}"));
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            let body = r#"{"message":"no upgrade proto in request"}"#;
            let answer = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(answer.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            String::from_utf8_lossy(&request).into_owned()
        });
        let host = format!("unix://{}", socket.display());
        let refused = Session::open(&host, "1.41", sources()).await;
        let request = daemon.await.unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&socket);
        assert!(
            matches!(&refused, Err(SessionError::Refused { status: 400, message }) if message == "no upgrade proto in request"),
            "{:?}",
            refused.err()
        );
        let request = request.to_ascii_lowercase();
        assert!(
            request.starts_with("post /v1.41/session http/1.1"),
            "{request}"
        );
        for header in [
            "upgrade: h2c",
            "x-docker-expose-session-uuid: ",
            "x-docker-expose-session-sharedkey: ",
            "x-docker-expose-session-grpc-method: /moby.filesync.v1.filesync/diffcopy",
            "x-docker-expose-session-grpc-method: /grpc.health.v1.health/check",
        ] {
            assert!(request.contains(header), "{header} missing from {request}");
        }
    }

    #[test]
    fn a_directory_keeps_its_shared_key() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(shared_key(here), shared_key(here));
        assert_ne!(shared_key(here), shared_key(&here.join("src")));
    }
}
