//! The gRPC services a build session offers the daemon: FileSync for the
//! two local sources a Dockerfile build reads, and the health check
//! BuildKit polls every second (a session that stops answering it is
//! closed).

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bollard::fsutil::types::Packet;
use bollard::fsutil::types::packet::PacketType;
use bollard::health::health_check_response::ServingStatus;
use bollard::health::health_server::Health;
use bollard::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard::moby::filesync::v1::file_sync_server::FileSync;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use super::filesync::{self, Content, Offer, SendError, Sent};
use super::walk::{self, Filter};

/// The local source BuildKit's Dockerfile frontend reads the build context from.
pub const CONTEXT: &str = "context";
/// The local source it reads the Dockerfile from.
pub const DOCKERFILE: &str = "dockerfile";

/// The Dockerfile as a file that exists only in memory.
#[derive(Debug, Clone)]
pub struct MemoryFile {
    pub name: String,
    pub content: Arc<[u8]>,
    /// Derived from the content, so the daemon asks for it again exactly
    /// when the text changed (it compares size and mtime).
    pub mtime_ns: i64,
}

impl MemoryFile {
    pub fn new(name: &str, content: &str) -> MemoryFile {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        content.hash(&mut h);
        // Some time between 2001 and 2033: any instant works, as long as
        // another text gets another one.
        let offset = i64::try_from(h.finish() % 1_000_000_000_000_000_000).unwrap_or(0);
        MemoryFile {
            name: name.to_string(),
            content: content.as_bytes().into(),
            mtime_ns: 1_000_000_000_000_000_000 + offset,
        }
    }

    fn offer(&self) -> Offer {
        Offer {
            stat: bollard::fsutil::types::Stat {
                path: self.name.clone(),
                mode: 0o644,
                size: self.content.len() as i64,
                mod_time: self.mtime_ns,
                ..Default::default()
            },
            content: Content::Bytes(self.content.clone()),
        }
    }
}

/// What the session serves: the context directory and the Dockerfile text.
#[derive(Debug, Clone)]
pub struct Sources {
    pub context: PathBuf,
    pub dockerfile: MemoryFile,
}

/// Running totals over every transfer of one session: the context's
/// files, the Dockerfile apart, and the first thing that went wrong.
#[derive(Debug, Default)]
pub struct Totals {
    stats: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
    dockerfile: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Totals {
    pub(super) fn add(&self, dir: &str, sent: Sent) {
        if dir == DOCKERFILE {
            if sent.files > 0 {
                self.dockerfile.store(true, Ordering::Relaxed);
            }
            return;
        }
        self.stats.fetch_add(sent.stats as u64, Ordering::Relaxed);
        self.files.fetch_add(sent.files as u64, Ordering::Relaxed);
        self.bytes.fetch_add(sent.bytes, Ordering::Relaxed);
    }

    /// Context entries announced, context files sent and their bytes, so far.
    pub fn snapshot(&self) -> Sent {
        Sent {
            stats: usize::try_from(self.stats.load(Ordering::Relaxed)).unwrap_or(usize::MAX),
            files: usize::try_from(self.files.load(Ordering::Relaxed)).unwrap_or(usize::MAX),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Whether the daemon fetched the Dockerfile.
    pub fn dockerfile_sent(&self) -> bool {
        self.dockerfile.load(Ordering::Relaxed)
    }

    /// Records why the session or a transfer failed; the first cause stays.
    pub fn fail(&self, why: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        failure.get_or_insert(why);
    }

    /// What made the session or a transfer fail, if anything did.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// FileSync for one session's sources.
pub struct FileSyncService {
    pub sources: Arc<Sources>,
    pub totals: Arc<Totals>,
}

/// What the daemon's request metadata asks for.
#[derive(Debug, Default)]
struct Asked {
    dir: String,
    exclude: Vec<String>,
    include: Vec<String>,
    follow: Vec<String>,
}

fn values(meta: &MetadataMap, key: &str) -> Vec<String> {
    meta.get_all(key)
        .iter()
        .map(|v| match v.to_str() {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(v.as_encoded_bytes()).into_owned(),
        })
        .collect()
}

impl Asked {
    fn read(meta: &MetadataMap) -> Asked {
        Asked {
            dir: values(meta, "dir-name")
                .into_iter()
                .next()
                .unwrap_or_default(),
            exclude: values(meta, "exclude-patterns"),
            include: values(meta, "include-patterns"),
            follow: values(meta, "followpaths"),
        }
    }
}

type PacketStream = Pin<Box<dyn Stream<Item = Result<Packet, Status>> + Send>>;

impl FileSyncService {
    /// The entries to offer for a request, or why there are none.
    async fn offers(&self, asked: Asked) -> Result<Vec<Offer>, String> {
        match asked.dir.as_str() {
            CONTEXT => {
                let root = self.sources.context.clone();
                tokio::task::spawn_blocking(move || {
                    let filter = Filter::requested(
                        Some(&root),
                        &asked.exclude,
                        &asked.include,
                        &asked.follow,
                    )?;
                    let walked = walk::walk(&root, &filter).map_err(|e| e.to_string())?;
                    Ok(walked
                        .entries
                        .into_iter()
                        .map(|entry| Offer {
                            stat: entry.stat(),
                            content: match entry.kind {
                                walk::Kind::File => Content::File(root.join(&entry.path)),
                                _ => Content::None,
                            },
                        })
                        .collect())
                })
                .await
                .map_err(|e| format!("the walk of the context stopped: {e}"))?
            }
            DOCKERFILE => {
                let filter =
                    Filter::requested(None, &asked.exclude, &asked.include, &asked.follow)?;
                let file = &self.sources.dockerfile;
                Ok(if filter.admits(&file.name) {
                    vec![file.offer()]
                } else {
                    Vec::new()
                })
            }
            other => Err(format!("no access allowed to dir {other:?}")),
        }
    }
}

#[tonic::async_trait]
impl FileSync for FileSyncService {
    type DiffCopyStream = PacketStream;
    type TarStreamStream = PacketStream;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        let asked = Asked::read(request.metadata());
        let dir = asked.dir.clone();
        if dir != CONTEXT && dir != DOCKERFILE {
            return Err(Status::not_found(format!(
                "no access allowed to dir {dir:?}"
            )));
        }
        let (tx, rx) = mpsc::channel(64);
        let offers = self.offers(asked).await;
        let incoming = request.into_inner();
        let totals = self.totals.clone();
        tokio::spawn(async move {
            let offers = match offers {
                Ok(offers) => offers,
                Err(reason) => {
                    tracing::warn!(%dir, %reason, "cannot offer the files asked for");
                    totals.fail(format!("cannot offer {dir:?}: {reason}"));
                    let _ = tx
                        .send(Packet {
                            r#type: PacketType::PacketErr as i32,
                            data: reason.into_bytes(),
                            ..Packet::default()
                        })
                        .await;
                    return;
                }
            };
            match filesync::send(&offers, incoming, &tx).await {
                Ok(sent) => {
                    tracing::debug!(%dir, ?sent, "transfer done");
                    totals.add(&dir, sent);
                }
                Err(SendError::Closed) => tracing::debug!(%dir, "the daemon closed the transfer"),
                Err(e) => {
                    tracing::warn!(%dir, error = %e, "transfer failed");
                    totals.fail(format!("sending {dir:?}: {e}"));
                    let _ = tx.send(filesync::error_packet(&e)).await;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx).map(Ok))))
    }

    async fn tar_stream(
        &self,
        _request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        Err(Status::unimplemented(
            "dockstage sends build contexts with DiffCopy only",
        ))
    }
}

/// Answers BuildKit's health checks for as long as the session lives.
pub struct Alive;

#[tonic::async_trait]
impl Health for Alive {
    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Err(Status::unimplemented("only Check is served"))
    }

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("only Check is served"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(dir: &std::path::Path, dockerfile: &str) -> FileSyncService {
        FileSyncService {
            sources: Arc::new(Sources {
                context: dir.to_path_buf(),
                dockerfile: MemoryFile::new("Dockerfile", dockerfile),
            }),
            totals: Arc::default(),
        }
    }

    fn asked(dir: &str, follow: &[&str]) -> Asked {
        Asked {
            dir: dir.into(),
            follow: follow.iter().map(|s| s.to_string()).collect(),
            ..Asked::default()
        }
    }

    #[test]
    fn the_dockerfiles_mtime_changes_with_its_text_only() {
        let a = MemoryFile::new("Dockerfile", "FROM scratch\n");
        let again = MemoryFile::new("Dockerfile", "FROM scratch\n");
        let b = MemoryFile::new("Dockerfile", "FROM busybox\n");
        assert_eq!(a.mtime_ns, again.mtime_ns);
        assert_ne!(
            a.mtime_ns, b.mtime_ns,
            "same size, other text: asked for again"
        );
    }

    #[tokio::test]
    async fn the_dockerfile_source_holds_the_edited_text_and_nothing_else() {
        let dir = std::env::temp_dir();
        let sync = service(&dir, "FROM scratch\n");
        let offers = sync
            .offers(asked(
                DOCKERFILE,
                &["Dockerfile", "Dockerfile.dockerignore", "dockerfile"],
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(offers.len(), 1);
        assert_eq!(offers[0].stat.path, "Dockerfile");
        assert_eq!(offers[0].stat.size, "FROM scratch\n".len() as i64);
        assert!(matches!(&offers[0].content, Content::Bytes(b) if &b[..] == b"FROM scratch\n"));
        let other = sync
            .offers(asked(DOCKERFILE, &["build/Dockerfile.prod"]))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(other.is_empty(), "a name not asked for is not offered");
        let unknown = sync.offers(asked("secrets", &[])).await;
        assert!(unknown.is_err_and(|e| e.contains("no access allowed")));
    }
}
