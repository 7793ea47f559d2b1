//! The sending half of fsutil's DiffCopy, the protocol BuildKit pulls a
//! local source with.
//!
//! The sender announces every entry with a `STAT` packet, in walk order,
//! and ends the list with an empty one. The receiver compares them with its
//! copy from the last build (size, mtime, mode, owner, link) and asks for
//! the files that differ by their position in that list (`REQ`); each one
//! is answered with `DATA` chunks and an empty `DATA`. When the receiver
//! has everything it sends `FIN`, and the sender answers with `FIN`. An
//! unchanged context therefore costs its stats and nothing more.

use std::fmt::Display;
use std::path::PathBuf;
use std::sync::Arc;

use bollard::fsutil::types::packet::PacketType;
use bollard::fsutil::types::{Packet, Stat};
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

/// Bytes per `DATA` packet, as fsutil sends them.
pub const CHUNK: usize = 32 * 1024;

/// Where the bytes of an entry come from when the receiver asks for them.
#[derive(Debug, Clone)]
pub enum Content {
    /// Directories and symlinks: their stat is all there is.
    None,
    /// A file on disk, read when asked for.
    File(PathBuf),
    /// A file that exists only in memory: the Dockerfile being edited.
    Bytes(Arc<[u8]>),
}

/// One entry offered to the receiver.
#[derive(Debug, Clone)]
pub struct Offer {
    pub stat: Stat,
    pub content: Content,
}

/// What one transfer cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Entries announced.
    pub stats: usize,
    /// Files the receiver asked for.
    pub files: usize,
    /// Their content bytes.
    pub bytes: u64,
}

/// Why a transfer stopped; the receiver is told the same words.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the daemon asked for entry {0}, which is no file this transfer offered")]
    UnknownId(u32),
    #[error("the daemon asked for {0} twice")]
    AskedTwice(String),
    #[error("the daemon stopped the transfer: {0}")]
    Receiver(String),
    #[error("the daemon's side of the transfer failed: {0}")]
    Stream(String),
    #[error("the daemon went away before the transfer finished")]
    Closed,
    #[error("cannot read {path} ({source}); fix its permissions or add it to .dockerignore")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

fn packet(kind: PacketType) -> Packet {
    Packet {
        r#type: kind as i32,
        ..Packet::default()
    }
}

/// The packet that tells the receiver why the sender gave up.
pub fn error_packet(error: &SendError) -> Packet {
    Packet {
        data: error.to_string().into_bytes(),
        ..packet(PacketType::PacketErr)
    }
}

/// Runs one DiffCopy as the sender: `offers` in walk order, `incoming`
/// what the receiver sends, `out` what goes back to it. Returns once the
/// receiver's `FIN` is answered.
///
/// The receiver's packets are read as soon as they arrive, whatever the
/// sender is doing, and its requests queued here (at most one per offer).
/// BuildKit asks for every changed file at once, one tiny `REQ` message
/// each; left unread in the HTTP/2 connection while a file is being sent,
/// a few thousand of them exhaust its budget for small DATA frames and the
/// connection is closed with `ENHANCE_YOUR_CALM` ("too_many_data_frames"),
/// which the daemon reports as "context canceled".
pub async fn send<I, E>(
    offers: &[Offer],
    mut incoming: I,
    out: &mpsc::Sender<Packet>,
) -> Result<Sent, SendError>
where
    I: Stream<Item = Result<Packet, E>> + Unpin,
    E: Display,
{
    let emit = |p: Packet| async move { out.send(p).await.map_err(|_| SendError::Closed) };
    let stats = async {
        for offer in offers {
            emit(Packet {
                stat: Some(offer.stat.clone()),
                ..packet(PacketType::PacketStat)
            })
            .await?;
        }
        emit(packet(PacketType::PacketStat)).await
    };
    // Indexes of the files asked for, in the order asked; `None` is the
    // receiver's FIN.
    let (asks, mut asked) = mpsc::unbounded_channel::<Option<usize>>();
    let read = async move {
        let mut answered = vec![false; offers.len()];
        loop {
            let Some(next) = incoming.next().await else {
                return Err(SendError::Closed);
            };
            let p = next.map_err(|e| SendError::Stream(e.to_string()))?;
            match PacketType::try_from(p.r#type) {
                Ok(PacketType::PacketReq) => {
                    let index = p.id as usize;
                    let offer = offers
                        .get(index)
                        .filter(|o| !matches!(o.content, Content::None))
                        .ok_or(SendError::UnknownId(p.id))?;
                    if std::mem::replace(&mut answered[index], true) {
                        return Err(SendError::AskedTwice(offer.stat.path.clone()));
                    }
                    asks.send(Some(index)).map_err(|_| SendError::Closed)?;
                }
                Ok(PacketType::PacketFin) => {
                    asks.send(None).map_err(|_| SendError::Closed)?;
                    return Ok(());
                }
                Ok(PacketType::PacketErr) => {
                    return Err(SendError::Receiver(
                        String::from_utf8_lossy(&p.data).into_owned(),
                    ));
                }
                // STAT and DATA only ever flow the other way.
                _ => {}
            }
        }
    };
    let answers = async {
        let mut sent = Sent {
            stats: offers.len(),
            ..Sent::default()
        };
        while let Some(ask) = asked.recv().await {
            let Some(index) = ask else {
                emit(packet(PacketType::PacketFin)).await?;
                return Ok(sent);
            };
            let id = u32::try_from(index).map_err(|_| SendError::UnknownId(u32::MAX))?;
            sent.bytes += send_content(id, &offers[index], out).await?;
            sent.files += 1;
        }
        // The reader stopped without a FIN; its error is the one returned.
        Err(SendError::Closed)
    };
    let ((), (), sent) = tokio::try_join!(stats, read, answers)?;
    Ok(sent)
}

/// The content of one offer as `DATA` packets, then the empty `DATA` that
/// closes it. Returns the bytes sent.
async fn send_content(
    id: u32,
    offer: &Offer,
    out: &mpsc::Sender<Packet>,
) -> Result<u64, SendError> {
    let data = |data: Vec<u8>| Packet {
        id,
        data,
        ..packet(PacketType::PacketData)
    };
    let closed = |_| SendError::Closed;
    let mut total = 0u64;
    match &offer.content {
        Content::None => {}
        Content::Bytes(bytes) => {
            for chunk in bytes.chunks(CHUNK) {
                out.send(data(chunk.to_vec())).await.map_err(closed)?;
                total += chunk.len() as u64;
            }
        }
        Content::File(path) => {
            let read_error = |source| SendError::Read {
                path: offer.stat.path.clone(),
                source,
            };
            let mut file = tokio::fs::File::open(path).await.map_err(read_error)?;
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = file.read(&mut buf).await.map_err(read_error)?;
                if n == 0 {
                    break;
                }
                out.send(data(buf[..n].to_vec())).await.map_err(closed)?;
                total += n as u64;
            }
        }
    }
    out.send(data(Vec::new())).await.map_err(closed)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::walk::{Filter, compare_path, go_mode, walk};
    use std::cmp::Ordering;

    fn stat(path: &str, mode: u32, size: usize) -> Stat {
        Stat {
            path: path.into(),
            mode,
            size: size as i64,
            ..Stat::default()
        }
    }

    fn file(path: &str, text: &[u8]) -> Offer {
        Offer {
            stat: stat(path, 0o644, text.len()),
            content: Content::Bytes(text.into()),
        }
    }

    fn dir(path: &str) -> Offer {
        Offer {
            stat: stat(path, go_mode::DIR | 0o755, 0),
            content: Content::None,
        }
    }

    fn req(id: u32) -> Result<Packet, String> {
        Ok(Packet {
            id,
            ..packet(PacketType::PacketReq)
        })
    }

    fn fin() -> Result<Packet, String> {
        Ok(packet(PacketType::PacketFin))
    }

    /// Runs a transfer against a scripted receiver and returns everything
    /// the sender sent, with its result.
    async fn run(
        offers: &[Offer],
        script: Vec<Result<Packet, String>>,
    ) -> (Vec<Packet>, Result<Sent, SendError>) {
        let (tx, mut rx) = mpsc::channel(1024);
        let result = send(offers, futures_util::stream::iter(script), &tx).await;
        drop(tx);
        let mut packets = Vec::new();
        while let Some(p) = rx.recv().await {
            packets.push(p);
        }
        (packets, result)
    }

    fn kind(p: &Packet) -> PacketType {
        PacketType::try_from(p.r#type).unwrap_or(PacketType::PacketErr)
    }

    #[tokio::test]
    async fn stats_in_order_then_an_empty_stat_and_fin_answers_fin() {
        let offers = [
            dir("cmd"),
            file("cmd/main.go", b"package main"),
            file("go.mod", b"module x"),
        ];
        let (packets, result) = run(&offers, vec![fin()]).await;
        let kinds: Vec<PacketType> = packets.iter().map(kind).collect();
        assert_eq!(
            kinds,
            [
                PacketType::PacketStat,
                PacketType::PacketStat,
                PacketType::PacketStat,
                PacketType::PacketStat,
                PacketType::PacketFin
            ]
        );
        let paths: Vec<&str> = packets[..3]
            .iter()
            .filter_map(|p| p.stat.as_ref().map(|s| s.path.as_str()))
            .collect();
        assert_eq!(paths, ["cmd", "cmd/main.go", "go.mod"]);
        assert!(
            packets[3].stat.is_none(),
            "the list ends with an empty stat"
        );
        let sent = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            sent,
            Sent {
                stats: 3,
                files: 0,
                bytes: 0
            },
            "nothing asked, nothing sent"
        );
    }

    #[tokio::test]
    async fn a_request_is_answered_with_chunks_and_an_empty_data() {
        let big: Vec<u8> = (0..CHUNK * 2 + 10).map(|i| (i % 251) as u8).collect();
        let offers = [file("a.txt", b"small"), file("big.bin", &big)];
        let (packets, result) = run(&offers, vec![req(1), fin()]).await;
        let data: Vec<&Packet> = packets
            .iter()
            .filter(|p| kind(p) == PacketType::PacketData)
            .collect();
        assert_eq!(data.len(), 4, "three chunks and the empty end");
        assert!(data.iter().all(|p| p.id == 1));
        assert_eq!(data[0].data.len(), CHUNK);
        assert!(data[3].data.is_empty());
        let joined: Vec<u8> = data.iter().flat_map(|p| p.data.clone()).collect();
        assert_eq!(joined, big);
        let sent = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((sent.files, sent.bytes), (1, big.len() as u64));
        assert_eq!(
            kind(packets.last().unwrap_or_else(|| panic!("no packets"))),
            PacketType::PacketFin
        );
    }

    #[tokio::test]
    async fn requests_for_directories_unknown_ids_or_twice_are_refused() {
        let offers = [dir("cmd"), file("cmd/main.go", b"package main")];
        let (_, dir_asked) = run(&offers, vec![req(0), fin()]).await;
        assert!(matches!(dir_asked, Err(SendError::UnknownId(0))));
        let (_, unknown) = run(&offers, vec![req(7), fin()]).await;
        assert!(matches!(unknown, Err(SendError::UnknownId(7))));
        let (_, twice) = run(&offers, vec![req(1), req(1), fin()]).await;
        assert!(matches!(twice, Err(SendError::AskedTwice(p)) if p == "cmd/main.go"));
    }

    #[tokio::test]
    async fn the_receivers_error_or_hang_up_ends_the_transfer() {
        let offers = [file("a", b"a")];
        let err = Ok(Packet {
            data: b"disk full".to_vec(),
            ..packet(PacketType::PacketErr)
        });
        let (_, stopped) = run(&offers, vec![err]).await;
        assert!(matches!(stopped, Err(SendError::Receiver(m)) if m == "disk full"));
        let (_, hung_up) = run(&offers, vec![req(0)]).await;
        assert!(matches!(hung_up, Err(SendError::Closed)));
        let (_, broken) = run(&offers, vec![Err("reset".to_string())]).await;
        assert!(matches!(broken, Err(SendError::Stream(m)) if m == "reset"));
    }

    #[tokio::test]
    async fn requests_are_read_while_a_file_is_still_being_sent() {
        // Thousands of requests at once, and nobody reading what the sender
        // sends: every request must still be taken off the connection, or
        // HTTP/2 closes it for the small DATA frames left unread.
        let offers: Vec<Offer> = (0..5000).map(|i| file(&format!("f{i:04}"), b"x")).collect();
        let read = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = read.clone();
        let requests = futures_util::stream::iter((0..5000).map(req)).inspect(move |_| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let (tx, mut rx) = mpsc::channel(1);
        let sender = tokio::spawn(async move {
            let pending = futures_util::stream::pending::<Result<Packet, String>>();
            send(&offers, requests.chain(pending), &tx).await
        });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            read.load(std::sync::atomic::Ordering::SeqCst),
            5000,
            "requests left unread while the sender waits"
        );
        assert!(rx.recv().await.is_some());
        sender.abort();
    }

    #[tokio::test]
    async fn files_from_disk_are_read_when_asked_and_excluded_ones_never_offered() {
        let root = std::env::temp_dir().join(format!(
            "dockstage-filesync-{}-{}",
            std::process::id(),
            crate::engine::new_session_id()
        ));
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
        };
        write("main.go", "package main");
        write("secret.pem", "KEY");
        write("vendor/x/y.go", "package y");
        let filter = Filter::requested(
            Some(&root),
            &["*.pem".to_string(), "vendor".to_string()],
            &[],
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let walked = walk(&root, &filter).unwrap_or_else(|e| panic!("{e}"));
        let offers: Vec<Offer> = walked
            .entries
            .iter()
            .map(|e| Offer {
                stat: e.stat(),
                content: Content::File(root.join(&e.path)),
            })
            .collect();
        let (packets, result) = run(&offers, vec![req(0), fin()]).await;
        let _ = std::fs::remove_dir_all(&root);
        let named: Vec<&str> = packets
            .iter()
            .filter_map(|p| p.stat.as_ref().map(|s| s.path.as_str()))
            .collect();
        assert_eq!(named, ["main.go"], "excluded paths are never announced");
        for pair in named.windows(2) {
            assert_eq!(compare_path(pair[0], pair[1]), Ordering::Less);
        }
        let content: Vec<u8> = packets
            .iter()
            .filter(|p| kind(p) == PacketType::PacketData)
            .flat_map(|p| p.data.clone())
            .collect();
        assert_eq!(content, b"package main");
        assert!(
            !packets
                .iter()
                .any(|p| p.data.windows(3).any(|w| w == b"KEY"))
        );
        assert_eq!(result.map(|s| s.bytes).ok(), Some(12));
    }
}
