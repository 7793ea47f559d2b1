//! What `dockstage` sends as the build context, read back from the tar:
//! `.dockerignore` is honoured as docker honours it, the edited Dockerfile
//! always travels, and likely secrets are named. No Docker daemon is needed.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use dockstage::engine::EngineError;
use dockstage::engine::context::{BuildContext, DOCKERFILE_IN_CONTEXT, pack, pack_for};

/// A scratch directory removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dockstage-context-{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Scratch(dir)
    }

    fn file(&self, rel: &str, text: &str) -> &Self {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One tar entry as a test cares about it.
#[derive(Debug)]
struct Entry {
    kind: tar::EntryType,
    mode: u32,
    mtime: u64,
    uid: u64,
    gid: u64,
    link: Option<String>,
    content: String,
}

/// The entries of a context in tar order, with names as written.
fn entries(context: &BuildContext) -> Vec<(String, Entry)> {
    let tar = context.tar().unwrap_or_else(|e| panic!("{e}"));
    let mut archive = tar::Archive::new(tar);
    let mut out = Vec::new();
    for entry in archive.entries().unwrap_or_else(|e| panic!("bad tar: {e}")) {
        let mut entry = entry.unwrap_or_else(|e| panic!("bad entry: {e}"));
        let header = entry.header().clone();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let link = entry
            .link_name()
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|l| l.to_string_lossy().into_owned());
        let mut content = String::new();
        entry
            .read_to_string(&mut content)
            .unwrap_or_else(|e| panic!("{e}"));
        out.push((
            name,
            Entry {
                kind: header.entry_type(),
                mode: header.mode().unwrap_or_else(|e| panic!("{e}")),
                mtime: header.mtime().unwrap_or_else(|e| panic!("{e}")),
                uid: header.uid().unwrap_or_else(|e| panic!("{e}")),
                gid: header.gid().unwrap_or_else(|e| panic!("{e}")),
                link,
                content,
            },
        ));
    }
    out
}

fn names(context: &BuildContext) -> Vec<String> {
    entries(context).into_iter().map(|(name, _)| name).collect()
}

fn by_name(context: &BuildContext) -> BTreeMap<String, Entry> {
    entries(context).into_iter().collect()
}

fn packed(dir: &Path, dockerfile: &str) -> BuildContext {
    pack(dir, dockerfile).unwrap_or_else(|e| panic!("pack failed: {e}"))
}

const DOCKERFILE: &str = "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app\n";

#[test]
fn dockerignore_with_exceptions_and_double_star_decides_the_entries() {
    let dir = Scratch::new("rules");
    dir.file(
        ".dockerignore",
        "# build output\nbin\n**/*.log\nvendor\n!vendor/keep/**\ndocs/*.md\n!docs/README.md\n.git\n",
    )
    .file("main.go", "package main\n")
    .file("go.mod", "module example.com/app\n")
    .file("bin/app", "ELF")
    .file("app.log", "log")
    .file("internal/x/debug.log", "log")
    .file("internal/x/x.go", "package x\n")
    .file("vendor/a/a.go", "package a\n")
    .file("vendor/keep/k.go", "package keep\n")
    .file("docs/guide.md", "# guide\n")
    .file("docs/README.md", "# readme\n")
    .file(".git/HEAD", "ref: refs/heads/main\n")
    .file(".git/objects/ab/cdef", "blob");

    let context = packed(dir.path(), DOCKERFILE);
    assert_eq!(
        names(&context),
        [
            ".dockerignore",
            "docs/",
            "docs/README.md",
            "go.mod",
            "internal/",
            "internal/x/",
            "internal/x/x.go",
            "main.go",
            // Written because an exception keeps something inside them.
            "vendor/",
            "vendor/keep/",
            "vendor/keep/k.go",
            DOCKERFILE_IN_CONTEXT,
        ]
    );
    // bin, app.log, internal/x/debug.log, vendor/a, docs/guide.md, .git
    assert_eq!(context.ignored, 6);
    let disk_bytes: u64 = [
        ".dockerignore",
        "docs/README.md",
        "go.mod",
        "internal/x/x.go",
        "main.go",
        "vendor/keep/k.go",
    ]
    .iter()
    .map(|f| fs::metadata(dir.path().join(f)).map_or(0, |m| m.len()))
    .sum();
    assert_eq!(context.files, 6);
    assert_eq!(context.bytes, disk_bytes);
    assert_eq!(context.dockerfile_name, DOCKERFILE_IN_CONTEXT);
    assert!(context.summary().starts_with("context: 6 files, "));
    assert!(context.summary().ends_with(" (6 ignored)"));
}

#[test]
fn the_edited_dockerfile_is_sent_even_when_everything_is_ignored() {
    let dir = Scratch::new("everything");
    dir.file(".dockerignore", "*\n.dockstage\nDockerfile\n")
        .file("Dockerfile", "FROM scratch\n")
        .file("main.go", "package main\n");

    let edited = "FROM golang:1.22\n# edited, not saved\n";
    let context = packed(dir.path(), edited);
    let entries = by_name(&context);
    assert_eq!(
        entries.keys().cloned().collect::<Vec<_>>(),
        [".dockerignore", DOCKERFILE_IN_CONTEXT]
    );
    assert_eq!(entries[DOCKERFILE_IN_CONTEXT].content, edited);
    assert_eq!(context.ignored, 2);
    assert_eq!(
        context.files, 1,
        "only .dockerignore came from the directory"
    );
}

#[test]
fn the_sent_dockerignore_also_drops_the_injected_dockerfile() {
    let dir = Scratch::new("ignorefile");
    dir.file(".dockerignore", "*.tmp")
        .file("main.go", "package main\n");
    let entries = by_name(&packed(dir.path(), DOCKERFILE));
    let sent = &entries[".dockerignore"].content;
    assert!(
        sent.starts_with("*.tmp\n"),
        "the user's lines come first: {sent:?}"
    );
    assert!(sent.lines().any(|l| l == ".dockstage"), "{sent:?}");

    // With no file on disk, one is made that drops itself and the Dockerfile.
    let bare = Scratch::new("no-ignorefile");
    bare.file("main.go", "package main\n");
    let context = packed(bare.path(), DOCKERFILE);
    let entries = by_name(&context);
    let made = &entries[".dockerignore"].content;
    assert!(made.lines().any(|l| l == ".dockerignore"), "{made:?}");
    assert!(made.lines().any(|l| l == ".dockstage"), "{made:?}");
    assert_eq!(
        context.files, 1,
        "a made-up .dockerignore is not the user's file"
    );
    assert_eq!(context.ignored, 0);
}

#[test]
fn a_dockstage_dockerfile_on_disk_is_replaced_by_the_edited_one() {
    let dir = Scratch::new("replaced");
    dir.file(".dockstage/Dockerfile", "FROM stale\n");
    let context = packed(dir.path(), DOCKERFILE);
    let all = names(&context);
    assert_eq!(
        all.iter().filter(|n| *n == DOCKERFILE_IN_CONTEXT).count(),
        1
    );
    assert_eq!(by_name(&context)[DOCKERFILE_IN_CONTEXT].content, DOCKERFILE);
}

#[test]
fn likely_secrets_that_are_sent_are_named() {
    let dir = Scratch::new("secrets");
    dir.file(".dockerignore", "ignored/\n")
        .file(".env", "TOKEN=1")
        .file(".env.example", "TOKEN=")
        .file("certs/tls.key", "key")
        .file("ignored/id_rsa", "key")
        .file("main.go", "package main\n");
    let context = packed(dir.path(), DOCKERFILE);
    assert_eq!(context.secrets, [".env", "certs/tls.key"]);
    let warning = context.secret_warning().unwrap_or_default();
    assert!(warning.contains(".env, certs/tls.key"), "{warning}");
    assert!(warning.contains(".dockerignore"), "{warning}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_stored_as_symlinks_and_not_followed() {
    use std::os::unix::fs::symlink;

    let dir = Scratch::new("symlinks");
    dir.file("main.go", "package main\n")
        .file("real/inner.go", "package real\n");
    symlink("main.go", dir.path().join("alias.go")).unwrap_or_else(|e| panic!("{e}"));
    symlink("real", dir.path().join("linked")).unwrap_or_else(|e| panic!("{e}"));
    symlink("missing", dir.path().join("dangling")).unwrap_or_else(|e| panic!("{e}"));

    let context = packed(dir.path(), DOCKERFILE);
    let entries = by_name(&context);
    for (name, target) in [
        ("alias.go", "main.go"),
        ("linked", "real"),
        ("dangling", "missing"),
    ] {
        let entry = &entries[name];
        assert_eq!(entry.kind, tar::EntryType::Symlink, "{name}");
        assert_eq!(entry.link.as_deref(), Some(target), "{name}");
    }
    assert!(!entries.keys().any(|n| n.starts_with("linked/")));
    assert_eq!(context.files, 2, "symlinks are not counted as files");
}

#[cfg(unix)]
#[test]
fn mode_and_mtime_are_kept_and_owners_are_root() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, UNIX_EPOCH};

    let dir = Scratch::new("metadata");
    dir.file("run.sh", "#!/bin/sh\n");
    let script = dir.path().join("run.sh");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o750))
        .unwrap_or_else(|e| panic!("{e}"));
    let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    fs::File::options()
        .write(true)
        .open(&script)
        .and_then(|f| f.set_modified(when))
        .unwrap_or_else(|e| panic!("{e}"));

    let entries = by_name(&packed(dir.path(), DOCKERFILE));
    let run = &entries["run.sh"];
    assert_eq!(run.kind, tar::EntryType::Regular);
    assert_eq!(run.mode, 0o750);
    assert_eq!(run.mtime, 1_700_000_000);
    assert_eq!((run.uid, run.gid), (0, 0));
}

#[cfg(unix)]
#[test]
fn sockets_are_skipped() {
    let dir = Scratch::new("socket");
    dir.file("main.go", "package main\n");
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("agent.sock"))
        .unwrap_or_else(|e| panic!("{e}"));
    let context = packed(dir.path(), DOCKERFILE);
    assert!(!names(&context).iter().any(|n| n == "agent.sock"));
    assert_eq!(context.ignored, 0);
}

#[test]
fn packing_twice_gives_the_same_bytes() {
    let dir = Scratch::new("stable");
    dir.file("b.go", "package main\n")
        .file("a/z.go", "package a\n")
        .file("a/b.go", "package a\n");
    let first = packed(dir.path(), DOCKERFILE);
    assert_eq!(names(&first)[1..4], ["a/", "a/b.go", "a/z.go"]);
    let again = packed(dir.path(), DOCKERFILE);
    assert_eq!(first.tar().ok(), again.tar().ok());
}

#[test]
fn paths_longer_than_a_tar_name_field_survive() {
    let dir = Scratch::new("long");
    let deep = format!(
        "vendor/{}module.go",
        "a-rather-long-directory-name/".repeat(5)
    );
    dir.file(&deep, "package deep\n");
    assert!(deep.len() > 100);
    let entries = by_name(&packed(dir.path(), DOCKERFILE));
    assert_eq!(entries[&deep].content, "package deep\n");
}

#[test]
fn a_missing_directory_is_a_context_error() {
    let dir = Scratch::new("missing");
    let gone = dir.path().join("nope");
    match pack(&gone, DOCKERFILE) {
        Err(EngineError::Context { dir, reason }) => {
            assert_eq!(dir, gone);
            assert!(reason.contains("does not exist"), "{reason}");
        }
        other => panic!("expected a context error, got {other:?}"),
    }
}

#[test]
fn a_file_is_not_a_context() {
    let dir = Scratch::new("file");
    dir.file("main.go", "package main\n");
    let err = pack(&dir.path().join("main.go"), DOCKERFILE).map(|_| ());
    assert!(
        matches!(&err, Err(EngineError::Context { reason, .. }) if reason.contains("not a directory")),
        "{err:?}"
    );
}

#[test]
fn a_bad_dockerignore_pattern_stops_the_build_with_its_line() {
    let dir = Scratch::new("bad-pattern");
    dir.file(".dockerignore", "bin\n[abc\n")
        .file("main.go", "package main\n");
    let message = match pack(dir.path(), DOCKERFILE) {
        Err(e @ EngineError::Context { .. }) => e.to_string(),
        other => panic!("expected a context error, got {other:?}"),
    };
    assert!(message.contains("line 2 of .dockerignore"), "{message}");
    assert!(message.contains("[abc"), "{message}");
}

#[test]
fn the_examples_send_their_go_sources_and_the_edited_dockerfile() {
    for example in ["hello", "probe", "webserver"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/examples")
            .join(example);
        let dockerfile =
            fs::read_to_string(dir.join("Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
        let context = packed(&dir, &dockerfile);
        let entries = by_name(&context);
        for wanted in ["main.go", "go.mod", ".dockerignore", DOCKERFILE_IN_CONTEXT] {
            assert!(entries.contains_key(wanted), "{example}: {wanted} missing");
        }
        // Their .dockerignore excludes Dockerfile*: only the injected one goes.
        assert!(
            !entries.keys().any(|n| n.starts_with("Dockerfile")),
            "{example}: {:?}",
            entries.keys()
        );
        assert_eq!(entries[DOCKERFILE_IN_CONTEXT].content, dockerfile);
        assert!(context.ignored >= 1, "{example}: {}", context.summary());
        assert!(
            context.secrets.is_empty(),
            "{example}: {:?}",
            context.secrets
        );
    }
}

#[test]
fn an_unchanged_dockerfile_on_disk_is_used_as_is_so_the_context_matches_docker() {
    let dir = Scratch::new("ondisk");
    let text = "FROM scratch\nCOPY . /ctx\n";
    dir.file("Dockerfile", text)
        .file("main.go", "package main\n");
    let on_disk = dir.path().join("Dockerfile");
    let same = pack_for(dir.path(), text, Some(&on_disk)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(same.dockerfile_name, "Dockerfile");
    assert_eq!(
        names(&same),
        ["Dockerfile", "main.go"],
        "nothing injected, no .dockerignore made up"
    );
    let edited = pack_for(dir.path(), "FROM scratch\nCOPY . /x\n", Some(&on_disk))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(edited.dockerfile_name, DOCKERFILE_IN_CONTEXT);
    assert!(names(&edited).iter().any(|n| n == DOCKERFILE_IN_CONTEXT));
    // An ignored Dockerfile cannot be used from disk: the copy is injected.
    dir.file(".dockerignore", "Dockerfile\n");
    let ignored = pack_for(dir.path(), text, Some(&on_disk)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ignored.dockerfile_name, DOCKERFILE_IN_CONTEXT);
}
