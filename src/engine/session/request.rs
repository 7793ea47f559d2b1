//! `POST /build` for a build whose context comes through a session, with
//! the progress stream decoded into the same `BuildInfo` items bollard
//! yields, so the build loop reads both transfers alike.
//!
//! bollard cannot send this request itself: for a BuildKit build it opens
//! a session of its own under the build's session id, which would collide
//! with ours.

use std::io;
use std::pin::Pin;

use bollard::errors::Error;
use bollard::models::{BuildInfo, ErrorDetail};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};
use http::header::{CONTENT_TYPE, HOST};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use super::Dial;

/// The progress of one build, as bollard's `build_image` yields it.
pub type BuildStream<'a> = Pin<Box<dyn Stream<Item = Result<BuildInfo, Error>> + Send + 'a>>;

/// Sends `POST {path}` (path and query) on a connection of its own and
/// streams the answer.
pub(super) fn post_build(dial: Dial, path: String) -> BuildStream<'static> {
    stream::once(async move { open(&dial, &path).await })
        .flat_map(|opened| match opened {
            Ok((body, connection)) => decode(body, connection).left_stream(),
            Err(e) => stream::once(async { Err(e) }).right_stream(),
        })
        .boxed()
}

/// Aborts the connection's task when the stream is dropped, so a cancelled
/// build closes its request at once and the daemon stops building.
struct Connection(tokio::task::JoinHandle<()>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn open(dial: &Dial, path: &str) -> Result<(Incoming, Connection), Error> {
    let io = dial.connect().await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(io_error)?;
    let connection = Connection(tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "build request connection ended");
        }
    }));
    let request = http::Request::post(path)
        .header(HOST, "localhost")
        .header(CONTENT_TYPE, "application/x-tar")
        .body(Empty::<Bytes>::new())
        .map_err(|e| Error::IOError {
            err: io::Error::new(io::ErrorKind::InvalidInput, e),
        })?;
    let response = sender.send_request(request).await.map_err(io_error)?;
    let status = response.status();
    if !status.is_success() {
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        return Err(Error::DockerResponseServerError {
            status_code: status.as_u16(),
            message: super::server_message(&body),
        });
    }
    Ok((response.into_body(), connection))
}

fn io_error(e: hyper::Error) -> Error {
    Error::IOError {
        err: io::Error::other(e),
    }
}

struct Decoder {
    body: Incoming,
    buf: Vec<u8>,
    done: bool,
    _connection: Connection,
}

/// dockerd writes one JSON message per line; a stream that ends inside a
/// message is an I/O error, as bollard reports it, so the build is retried.
fn decode(body: Incoming, connection: Connection) -> impl Stream<Item = Result<BuildInfo, Error>> {
    let decoder = Decoder {
        body,
        buf: Vec::new(),
        done: false,
        _connection: connection,
    };
    stream::unfold(decoder, |mut d| async move {
        let item = next_message(&mut d).await?;
        Some((item, d))
    })
}

async fn next_message(d: &mut Decoder) -> Option<Result<BuildInfo, Error>> {
    loop {
        if let Some(end) = d.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = d.buf.drain(..=end).collect();
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(parse(&line));
        }
        if d.done {
            if d.buf.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            let rest = std::mem::take(&mut d.buf);
            // A last message without its newline is still a message.
            return Some(match serde_json::from_slice::<BuildInfo>(&rest) {
                Ok(info) => checked(info),
                Err(_) => Err(Error::IOError {
                    err: io::Error::new(io::ErrorKind::UnexpectedEof, "bytes remaining on stream"),
                }),
            });
        }
        match d.body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    d.buf.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => {
                d.done = true;
                d.buf.clear();
                return Some(Err(io_error(e)));
            }
            None => d.done = true,
        }
    }
}

fn parse(line: &[u8]) -> Result<BuildInfo, Error> {
    checked(serde_json::from_slice::<BuildInfo>(line)?)
}

/// A message carrying an error ends the build, as in bollard.
fn checked(info: BuildInfo) -> Result<BuildInfo, Error> {
    match info.error_detail {
        Some(ErrorDetail {
            message: Some(error),
            ..
        }) => Err(Error::DockerStreamError { error }),
        _ => Ok(info),
    }
}
