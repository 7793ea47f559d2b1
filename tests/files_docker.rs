//! The Files view against the real daemon: an image's files read through
//! the workbench's Docker worker (progress, then the stacked files), and
//! one file's first bytes read from the export.

mod support;

use std::time::{Duration, Instant};

use dockstage::engine::image_file::FileHead;
use dockstage::tui::msg::{Cmd, Msg};
use dockstage::tui::worker::Workers;
use tokio::sync::mpsc;

const IMAGE: &str = "busybox:stable";

/// The next message from the workers that `pick` keeps, within a minute.
async fn wait_for<T>(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    mut pick: impl FnMut(Msg) -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(Some(msg)) = tokio::time::timeout(
        deadline.saturating_duration_since(Instant::now()),
        rx.recv(),
    )
    .await
    {
        if let Some(found) = pick(msg) {
            return Some(found);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_reads_an_images_files_and_one_files_first_bytes() {
    let test = "the_worker_reads_an_images_files_and_one_files_first_bytes";
    let Some(engine) = support::docker_with(test, &[IMAGE]).await else {
        return;
    };
    let id = match engine.local_image(IMAGE).await {
        Ok(Some(local)) => local.id,
        other => panic!("{IMAGE}: {other:?}"),
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let workers = Workers::spawn(tx, None);
    assert!(
        wait_for(&mut rx, |m| matches!(m, Msg::Docker(_)).then_some(()))
            .await
            .is_some(),
        "the worker never said whether Docker is there"
    );
    let started = Instant::now();
    workers.send(Cmd::ReadFiles { image: id.clone() });
    let mut progress = 0;
    let files = wait_for(&mut rx, |m| match m {
        Msg::FilesProgress { layers_read, .. } => {
            progress = progress.max(layers_read);
            None
        }
        Msg::FilesRead { image, result } if image == id => Some(result),
        _ => None,
    })
    .await
    .unwrap_or_else(|| panic!("no FilesRead for {IMAGE}"))
    .unwrap_or_else(|e| panic!("{IMAGE}: {}", e.message));
    eprintln!(
        "{IMAGE}: {} layers, {} paths read in {:?}",
        files.layers.len(),
        files.tree.len(),
        started.elapsed()
    );
    assert!(progress >= 1, "no progress was reported while it streamed");
    assert!(!files.layers.is_empty());
    assert!(
        files.tree.contains_key("bin/busybox"),
        "busybox has /bin/busybox"
    );
    assert!(files.final_bytes > 100_000);

    // Every export layer is matched to one `docker history` row, and the
    // rows that made no layer (CMD) to none.
    let df = dockstage::dockerfile::parse(&format!("FROM {IMAGE}\n"));
    let graph = dockstage::dockerfile::StageGraph::new(&df);
    let history = engine
        .image_layers(&id, &df, &graph)
        .await
        .unwrap_or_else(|e| panic!("history of {IMAGE}: {e}"));
    let mapped = dockstage::tui::files_view::export_layers(&history.layers, &files);
    let matched: Vec<usize> = mapped.iter().flatten().copied().collect();
    assert_eq!(
        matched,
        (0..files.layers.len()).collect::<Vec<_>>(),
        "history {:?} mapped as {mapped:?}",
        history
            .layers
            .iter()
            .map(|l| &l.created_by)
            .collect::<Vec<_>>()
    );
    assert_eq!(mapped.len(), history.layers.len());

    // The same image again, by a path the worker reads for the preview.
    workers.send(Cmd::ReadImageFile {
        image: id.clone(),
        path: "/etc/passwd".into(),
    });
    let found = wait_for(&mut rx, |m| match m {
        Msg::ImageFileRead { path, result, .. } if path == "/etc/passwd" => Some(result),
        _ => None,
    })
    .await
    .unwrap_or_else(|| panic!("no ImageFileRead"))
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|| panic!("{IMAGE} has no /etc/passwd"));
    let FileHead::File { size_bytes, head } = found.head else {
        panic!("/etc/passwd is not a file: {:?}", found.head);
    };
    let text = String::from_utf8_lossy(&head);
    assert!(text.starts_with("root:x:0:0:"), "{text}");
    assert_eq!(
        size_bytes as usize,
        head.len(),
        "the whole small file is read"
    );

    // Directly through the engine: a byte limit, and a path no layer has.
    let limited = engine.read_image_file(&id, "etc/passwd", 5).await;
    assert!(
        matches!(&limited, Ok(Some(f)) if matches!(&f.head, FileHead::File { head, .. } if head == b"root:")),
        "{limited:?}"
    );
    assert_eq!(
        engine.read_image_file(&id, "/no/such/file", 100).await.ok(),
        Some(None)
    );

    // An image that is not there is reported as gone, not as a failure.
    workers.send(Cmd::ReadFiles {
        image: "sha256:0000000000000000000000000000000000000000000000000000000000000000".into(),
    });
    let gone = wait_for(&mut rx, |m| match m {
        Msg::FilesRead { result, .. } => Some(result),
        _ => None,
    })
    .await;
    assert!(
        matches!(&gone, Some(Err(e)) if e.gone),
        "a missing image must say it is gone: {gone:?}"
    );
    workers.shutdown(Duration::from_secs(5)).await;
}
