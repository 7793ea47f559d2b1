//! An image export that stops early, at any byte, or a daemon that goes
//! away mid-stream: each is a clear error, never a panic and never half an
//! answer, and nothing is left on disk (the export is read as it streams).

mod support;

use std::io::{Read, Write};
use std::process::Command;

use dockstage::engine::image_export::{ExportProgress, read_layers};
use dockstage::layer_tar::EntryKind;

/// A tar of `files` (path, bytes); a path ending in `/` is a directory.
fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        let kind = if path.ends_with('/') {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        };
        header.set_entry_type(kind);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, *bytes)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    builder.into_inner().unwrap_or_else(|e| panic!("{e}"))
}

/// An export in the legacy layout (`ID/layer.tar`, the config, and
/// `manifest.json` last, as `docker save` writes them): two layers, the
/// second overwriting one file and removing another.
fn legacy_export() -> Vec<u8> {
    let first = tar_of(&[
        ("etc/", b""),
        ("etc/motd", b"hello"),
        ("app/", b""),
        ("app/bin", &[1u8; 1500]),
        ("tmp/big", &[2u8; 3000]),
    ]);
    let second = tar_of(&[("app/bin", &[3u8; 700]), ("tmp/.wh.big", b"")]);
    let config = br#"{"history":[{"created_by":"COPY . /"},{"created_by":"ENV A=1","empty_layer":true},{"created_by":"RUN rebuild"}]}"#;
    let manifest =
        br#"[{"Config":"cfg.json","RepoTags":["t:1"],"Layers":["aaa/layer.tar","bbb/layer.tar"]}]"#;
    tar_of(&[
        ("aaa/", b""),
        ("aaa/layer.tar", &first),
        ("bbb/", b""),
        ("bbb/layer.tar", &second),
        ("cfg.json", config),
        ("manifest.json", manifest),
    ])
}

fn read(bytes: &[u8]) -> Result<Vec<(String, Option<String>, usize)>, String> {
    read_layers("t:1", bytes, &mut |_: ExportProgress| {})
        .map(|layers| {
            layers
                .into_iter()
                .map(|l| (l.id, l.created_by, l.index.entries.len()))
                .collect()
        })
        .map_err(|e| e.to_string())
}

/// The error reading `bytes` gives; a test failure when it reads.
fn error(bytes: &[u8]) -> String {
    match read(bytes) {
        Ok(layers) => panic!("expected an error, read {layers:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_whole_legacy_export_reads_in_the_manifests_order_with_its_history() {
    let export = legacy_export();
    let mut seen = Vec::new();
    let layers = read_layers("t:1", export.as_slice(), &mut |p: ExportProgress| {
        seen.push(p.layers_read)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen, [1, 2], "progress after each layer");
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0].id, "aaa");
    assert_eq!(layers[1].created_by.as_deref(), Some("RUN rebuild"));
    let removed = &layers[1].index.entries[1];
    assert_eq!(
        (removed.path.as_str(), removed.kind),
        ("tmp/big", EntryKind::Whiteout)
    );
}

#[test]
fn an_export_cut_at_any_byte_is_an_error_or_the_whole_answer() {
    let export = legacy_export();
    let whole = read(&export).unwrap_or_else(|e| panic!("{e}"));
    let mut errors = 0;
    for cut in 0..export.len() {
        match read(&export[..cut]) {
            // Only the end-of-archive padding after the manifest may go.
            Ok(layers) => assert_eq!(layers, whole, "cut at {cut} gave half an answer"),
            Err(message) => {
                errors += 1;
                assert!(
                    message.contains("`t:1`"),
                    "cut at {cut}: the error names the image: {message}"
                );
            }
        }
    }
    // Everything up to the end of manifest.json's bytes must fail.
    assert!(
        errors > export.len() - 1100,
        "{errors} of {} cuts failed",
        export.len()
    );
    let cut = error(&export[..export.len() / 2]);
    assert!(
        cut.contains("could not be read") || cut.contains("was it cut short"),
        "{cut}"
    );
}

#[test]
fn a_layer_the_manifest_lists_but_the_export_lacks_is_named() {
    let manifest = br#"[{"Config":"c.json","Layers":["zzz/layer.tar"]}]"#;
    let export = tar_of(&[("manifest.json", manifest)]);
    let err = error(&export);
    assert!(err.contains("zzz/layer.tar"), "{err}");
}

#[test]
fn garbage_is_not_an_image_archive() {
    let err = error(&[0x5a; 4096]);
    assert!(err.contains("`t:1`"), "{err}");
}

/// A daemon that answers the version and the image's inspect, then sends
/// half of an export as one chunk and hangs up mid-chunk.
fn fake_daemon(socket: &std::path::Path, export: Vec<u8>) -> std::thread::JoinHandle<()> {
    let listener = std::os::unix::net::UnixListener::bind(socket).unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => request.push(byte[0]),
                    _ => break,
                }
            }
            let line = String::from_utf8_lossy(&request);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let json = |body: &str| {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.43\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let reply = if path.ends_with("/version") {
                json(
                    r#"{"Version":"25.0.0","ApiVersion":"1.43","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#,
                )
            } else if path.ends_with("/json") {
                json(r#"{"Id":"sha256:0123456789abcdef"}"#)
            } else if path.ends_with("/get") {
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n\
                         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                        export.len()
                    )
                    .as_bytes(),
                );
                let _ = stream.write_all(&export[..export.len() / 2]);
                // The daemon is gone: the chunk never ends.
                continue;
            } else if path.ends_with("/_ping") {
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK".to_string()
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    })
}

#[test]
fn a_daemon_gone_mid_export_is_a_clear_error_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("dockstage-fake-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let socket = dir.join("docker.sock");
    let _server = fake_daemon(&socket, legacy_export());
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["files", "fake:1"])
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .env_remove("DOCKER_CONTEXT")
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("the export of `fake:1` could not be read"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_missing_image_is_named_with_exit_2() {
    if support::docker("a_missing_image_is_named_with_exit_2")
        .await
        .is_none()
    {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["files", "dockstage-test/no-such-image:never"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no image `dockstage-test/no-such-image:never` on the daemon"),
        "{stderr}"
    );
}
