//! How one build's context reaches the daemon: through a session when the
//! daemon and the builder allow it, as a tar otherwise, and what that cost.

use std::sync::Arc;

use bollard::query_parameters::BuildImageOptions;
use bytes::Bytes;
use serde::Serialize;

use super::{MemoryFile, Session, SessionError, Sources, Totals, request::BuildStream};
use crate::engine::build::BuilderKind;
use crate::engine::context::BuildContext;
use crate::engine::events::BuildEvent;
use crate::engine::{Engine, EngineError};
use crate::human::human_bytes;

/// How a build's context reached the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextTransfer {
    /// Through a client session: only the files the daemon asked for.
    Session,
    /// As a tar in the request body: every file, every time.
    Tar,
    /// Not at all: the image kept from an identical build was reused.
    None,
}

impl ContextTransfer {
    pub fn name(self) -> &'static str {
        match self {
            ContextTransfer::Session => "session",
            ContextTransfer::Tar => "tar",
            ContextTransfer::None => "none",
        }
    }
}

/// What a build sent of its context: files and their bytes. For a tar
/// that is the whole context; for a session, what the daemon asked for.
/// The Dockerfile a session sends on its own is not among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContextSent {
    pub files: usize,
    pub bytes: u64,
    /// Whether the Dockerfile travelled too (in a tar it always does).
    pub dockerfile: bool,
}

/// The path one build's context took, to report once the build is done.
pub struct Transfer {
    pub kind: ContextTransfer,
    totals: Option<Arc<Totals>>,
    /// What the tar held, or why there was no session.
    tar: Option<(ContextSent, String)>,
    /// Files in the context, for "2 of 12 files".
    context_files: usize,
}

impl Transfer {
    /// What was sent; for a session, what the daemon asked for so far.
    pub fn sent(&self) -> ContextSent {
        match (&self.totals, &self.tar) {
            (Some(totals), _) => {
                let sent = totals.snapshot();
                ContextSent {
                    files: sent.files,
                    bytes: sent.bytes,
                    dockerfile: totals.dockerfile_sent(),
                }
            }
            (None, Some((sent, _))) => *sent,
            (None, None) => ContextSent::default(),
        }
    }

    /// What made the session fail, when the build went through one that did.
    pub fn failure(&self) -> Option<String> {
        self.totals.as_ref().and_then(|t| t.failure())
    }

    /// One line for the build log saying which path the context took.
    pub fn note(&self) -> BuildEvent {
        let sent = self.sent();
        let text = match (self.kind, &self.tar) {
            (ContextTransfer::Session, _) => {
                let files = match (sent.files, self.context_files) {
                    (0, 0) => "an empty context".to_string(),
                    (0, n) => format!("the daemon had all {n} files"),
                    (k, n) if k >= n => {
                        format!("all {k} files fetched ({})", human_bytes(sent.bytes))
                    }
                    (k, n) => format!(
                        "{k} of {n} files fetched ({}); the daemon had the rest",
                        human_bytes(sent.bytes)
                    ),
                };
                let dockerfile = if sent.dockerfile {
                    "; the Dockerfile sent apart"
                } else {
                    ""
                };
                format!("context: sent through a BuildKit session: {files}{dockerfile}")
            }
            (_, Some((_, why))) => format!(
                "context: sent as a tar, {} files ({}): {why}",
                sent.files,
                human_bytes(sent.bytes)
            ),
            _ => "context: not sent".to_string(),
        };
        BuildEvent::Note { text }
    }
}

impl Engine {
    /// Sends the build request for `context`: through a session for
    /// BuildKit when the daemon takes one, with the tar otherwise.
    /// `options` are the build's; the session path names its own
    /// Dockerfile and session.
    pub(crate) async fn start_build<'a>(
        &'a self,
        context: &BuildContext,
        kind: BuilderKind,
        options: BuildImageOptions,
    ) -> Result<(BuildStream<'a>, Transfer), EngineError> {
        let why_tar = match kind {
            BuilderKind::Legacy => "the legacy builder takes no sessions".to_string(),
            BuilderKind::Buildkit => match self.open_session(context).await {
                Ok(session) => {
                    let totals = session.totals();
                    let options = BuildImageOptions {
                        dockerfile: context.session_dockerfile.clone(),
                        ..options
                    };
                    let stream = session
                        .build(&options)
                        .map_err(|e| EngineError::Other(e.to_string()))?;
                    let transfer = Transfer {
                        kind: ContextTransfer::Session,
                        totals: Some(totals),
                        tar: None,
                        context_files: context.files,
                    };
                    return Ok((stream, transfer));
                }
                Err(e) => {
                    tracing::info!(error = %e, "no build session; sending a tar");
                    e.to_string()
                }
            },
        };
        let tar = context.tar()?;
        let sent = ContextSent {
            files: context.files,
            bytes: tar.len() as u64,
            dockerfile: true,
        };
        let body = bollard::body_full(Bytes::copy_from_slice(tar));
        let stream = Box::pin(self.docker().build_image(options, None, Some(body)));
        let transfer = Transfer {
            kind: ContextTransfer::Tar,
            totals: None,
            tar: Some((sent, why_tar)),
            context_files: context.files,
        };
        Ok((stream, transfer))
    }

    async fn open_session(&self, context: &BuildContext) -> Result<Session, SessionError> {
        let version = self.docker().client_version();
        let api = format!("{}.{}", version.major_version, version.minor_version);
        let sources = Sources {
            context: context.dir.clone(),
            dockerfile: MemoryFile::new(&context.session_dockerfile, context.dockerfile_text()),
        };
        Session::open(&self.endpoint.host, &api, sources).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::Sent;

    fn text(transfer: &Transfer) -> String {
        match transfer.note() {
            BuildEvent::Note { text } => text,
            other => panic!("not a note: {other:?}"),
        }
    }

    #[test]
    fn the_note_says_which_way_the_context_went_and_what_it_cost() {
        let session = |files: usize| Transfer {
            kind: ContextTransfer::Session,
            totals: Some(Arc::new(Totals::default())),
            tar: None,
            context_files: files,
        };
        assert_eq!(
            text(&session(3)),
            "context: sent through a BuildKit session: the daemon had all 3 files"
        );
        assert_eq!(
            text(&session(0)),
            "context: sent through a BuildKit session: an empty context"
        );
        assert_eq!(session(3).sent(), ContextSent::default());
        let some = session(3);
        let totals = some.totals.clone().unwrap_or_default();
        let sent = |files, bytes| Sent {
            stats: 4,
            files,
            bytes,
        };
        totals.add(super::super::service::CONTEXT, sent(2, 2048));
        assert_eq!(
            text(&some),
            "context: sent through a BuildKit session: 2 of 3 files fetched (2.0 kB); the \
             daemon had the rest"
        );
        totals.add(super::super::service::CONTEXT, sent(1, 1024));
        totals.add(super::super::service::DOCKERFILE, sent(1, 40));
        assert_eq!(
            text(&some),
            "context: sent through a BuildKit session: all 3 files fetched (3.1 kB); the \
             Dockerfile sent apart"
        );
        assert_eq!(
            some.sent(),
            ContextSent {
                files: 3,
                bytes: 3072,
                dockerfile: true
            },
            "the Dockerfile is no context file"
        );
        let tar = Transfer {
            kind: ContextTransfer::Tar,
            totals: None,
            tar: Some((
                ContextSent {
                    files: 3,
                    bytes: 6144,
                    dockerfile: true,
                },
                "the legacy builder takes no sessions".into(),
            )),
            context_files: 3,
        };
        assert_eq!(tar.sent().bytes, 6144);
        assert_eq!(tar.failure(), None);
        assert_eq!(
            text(&tar),
            "context: sent as a tar, 3 files (6.1 kB): the legacy builder takes no sessions"
        );
    }
}
