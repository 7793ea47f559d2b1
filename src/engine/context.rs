//! The build context: what `docker build` would send for a directory.
//!
//! dockstage builds the Dockerfile being edited, not the one on disk. Sent
//! through a BuildKit session (see `session`), the edited text travels on
//! its own and the directory is read as the daemon asks. For the tar
//! upload (older daemons, the legacy builder) the edited text travels
//! inside the context at [`DOCKERFILE_IN_CONTEXT`] and the build is pointed
//! at that path. Either way the directory is walked as fsutil walks it,
//! `.dockerignore` decides what stays out, symlinks travel as symlinks, and
//! owners are reset to root.
//!
//! Packing only walks: file contents are read when a tar is actually
//! wanted, so a build through a session never reads an unchanged file.

use std::fs::{self, Metadata};
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::UNIX_EPOCH;

use tar::{EntryType, Header};

use super::error::EngineError;
use super::ignore::DockerIgnore;
use super::session::walk::{self, Entry, Filter, Kind};
use crate::human::human_bytes;

/// Where the edited Dockerfile sits in every tar dockstage uploads; the
/// build's `dockerfile` option names this path.
pub const DOCKERFILE_IN_CONTEXT: &str = ".dockstage/Dockerfile";

/// The name the Dockerfile goes by in a session when it has none on disk.
pub const DEFAULT_DOCKERFILE: &str = "Dockerfile";

const IGNORE_FILE: &str = ".dockerignore";

/// Appended to the `.dockerignore` inside the tar, as the docker CLI does for a
/// Dockerfile it injects: the classic builder then drops the injected file
/// after reading it, so `COPY . .` neither copies it nor changes with it.
const IGNORE_INJECTED: &str = "\n# added by dockstage: the Dockerfile it builds from\n.dockstage\n";

/// A walked context, with what the user should know about it before it is sent.
#[derive(Clone)]
pub struct BuildContext {
    /// The directory the context is read from.
    pub dir: PathBuf,
    /// Regular files sent from the directory (the injected Dockerfile not counted).
    pub files: usize,
    /// Their content bytes, as on disk.
    pub bytes: u64,
    /// Paths left out by `.dockerignore`; a directory skipped unread counts once.
    pub ignored: usize,
    /// Context-relative paths of files sent that look like credentials.
    pub secrets: Vec<String>,
    /// The Dockerfile path to give a build that uploads the tar.
    pub dockerfile_name: String,
    /// The Dockerfile's name in a session: its own file name on disk, or
    /// [`DEFAULT_DOCKERFILE`]. BuildKit names it in its messages.
    pub session_dockerfile: String,
    /// The directory's entries after `.dockerignore`, in walk order, without
    /// `.dockerignore` itself and the injected paths.
    entries: Arc<Vec<Entry>>,
    ignore_file: Option<Arc<IgnoreFile>>,
    /// Whether the tar carries the Dockerfiles as injected copies.
    inject: bool,
    /// The Dockerfile texts given to `pack*`; `selected` is the one built.
    dockerfiles: Arc<Vec<String>>,
    selected: usize,
    /// The tar, made on first use and shared by clones.
    tar: Arc<OnceLock<Vec<u8>>>,
}

impl std::fmt::Debug for BuildContext {
    /// Entries show as their count, so logging a context stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext")
            .field("dir", &self.dir)
            .field("entries", &self.entries.len())
            .field("files", &self.files)
            .field("bytes", &self.bytes)
            .field("ignored", &self.ignored)
            .field("secrets", &self.secrets)
            .field("dockerfile_name", &self.dockerfile_name)
            .finish()
    }
}

impl BuildContext {
    /// The same context, building the `i`th Dockerfile given to `pack_many`.
    pub fn for_dockerfile(&self, i: usize) -> BuildContext {
        BuildContext {
            dockerfile_name: injected_name(i),
            selected: i,
            ..self.clone()
        }
    }

    /// The text of the Dockerfile this context builds.
    pub fn dockerfile_text(&self) -> &str {
        self.dockerfiles
            .get(self.selected)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Feeds everything a build reads from this context to `h`: per entry
    /// its path, type, mode, size, mtime and link (what buildx's local
    /// cache compares), the `.dockerignore` text and the Dockerfiles. Two
    /// contexts that hash alike build alike, without a byte of content read.
    pub fn hash_inputs<H: Hasher>(&self, h: &mut H) {
        self.entries.hash(h);
        self.ignore_file.as_ref().map(|f| &f.content).hash(h);
        self.inject.hash(h);
        self.dockerfiles.hash(h);
        self.selected.hash(h);
        self.dockerfile_name.hash(h);
    }

    /// The directory's entries as they will be sent, `.dockerignore`
    /// applied, for hashing what COPY and ADD copy.
    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The uncompressed tar `docker build` would upload, read from disk on
    /// first use.
    pub fn tar(&self) -> Result<&[u8], EngineError> {
        if let Some(tar) = self.tar.get() {
            return Ok(tar);
        }
        let tar = self.write_tar().map_err(|reason| EngineError::Context {
            dir: self.dir.clone(),
            reason,
        })?;
        Ok(self.tar.get_or_init(|| tar))
    }

    /// One line for the status bar and the CLI, e.g.
    /// "context: 12 files, 3.4 kB (5 ignored)".
    pub fn summary(&self) -> String {
        let files = match self.files {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        };
        format!(
            "context: {files}, {} ({} ignored)",
            human_bytes(self.bytes),
            self.ignored
        )
    }

    /// A warning naming the likely secrets the context would send, and what
    /// to do about it; `None` when there are none.
    pub fn secret_warning(&self) -> Option<String> {
        if self.secrets.is_empty() {
            return None;
        }
        let (noun, verb) = match self.secrets.len() {
            1 => ("file that looks", "Add it"),
            _ => ("files that look", "Add them"),
        };
        Some(format!(
            "the build context sends {} {noun} like a secret: {}. {verb} to .dockerignore \
             unless the build needs them; anything `COPY`ed ends up readable in the image.",
            self.secrets.len(),
            self.secrets.join(", ")
        ))
    }

    fn write_tar(&self) -> Result<Vec<u8>, String> {
        let mut tar = tar::Builder::new(Vec::new());
        self.add_ignore_file(&mut tar)?;
        for entry in self.entries.iter() {
            let added = |e: io::Error| format!("cannot add {} ({e})", entry.rel);
            let mut header = header(kind_of(entry.kind), Some(entry));
            match entry.kind {
                Kind::Dir => {
                    // Directory names end in `/`, as Go's archive/tar writes them.
                    let mut name = entry.path.as_os_str().to_owned();
                    name.push("/");
                    tar.append_data(&mut header, name, io::empty())
                        .map_err(added)?;
                }
                Kind::Symlink => {
                    let target = entry.link.clone().unwrap_or_default();
                    tar.append_link(&mut header, &entry.path, target)
                        .map_err(added)?;
                }
                Kind::File => {
                    let content = fs::read(self.dir.join(&entry.path)).map_err(|e| {
                        format!(
                            "cannot read {} ({e}); fix its permissions or add it to .dockerignore",
                            entry.rel
                        )
                    })?;
                    header.set_size(content.len() as u64);
                    tar.append_data(&mut header, &entry.path, content.as_slice())
                        .map_err(added)?;
                }
            }
        }
        if self.inject {
            for (i, text) in self.dockerfiles.iter().enumerate() {
                let mut header = header(EntryType::Regular, None);
                header.set_size(text.len() as u64);
                tar.append_data(&mut header, injected_name(i), text.as_bytes())
                    .map_err(|e| format!("cannot add the Dockerfile ({e})"))?;
            }
        }
        tar.into_inner()
            .map_err(|e| format!("cannot finish the tar ({e})"))
    }

    /// `.dockerignore` is always sent, as the docker CLI sends it, with a
    /// line that keeps the injected Dockerfile out of `COPY`.
    fn add_ignore_file(&self, tar: &mut tar::Builder<Vec<u8>>) -> Result<(), String> {
        let file = self.ignore_file.as_deref();
        let mut content = match file {
            Some(file) => file.content.clone(),
            None if !self.inject => return Ok(()),
            // A made-up file must drop itself too.
            None => IGNORE_FILE.as_bytes().to_vec(),
        };
        if self.inject {
            content.extend_from_slice(IGNORE_INJECTED.as_bytes());
        }
        let mut header = header(EntryType::Regular, file.map(|f| &f.entry));
        header.set_size(content.len() as u64);
        tar.append_data(&mut header, IGNORE_FILE, content.as_slice())
            .map_err(|e| format!("cannot add .dockerignore ({e})"))
    }
}

/// Packs `dir` as the context for a build of `dockerfile_text`.
pub fn pack(dir: &Path, dockerfile_text: &str) -> Result<BuildContext, EngineError> {
    pack_for(dir, dockerfile_text, None)
}

/// Packs `dir` for a build of `dockerfile_text`, which the user keeps at
/// `on_disk`. When that file is in the context and holds exactly this text,
/// nothing is injected and the tar is byte for byte what `docker build`
/// sends, so `COPY . .` caches the same. BuildKit applies no `.dockerignore`
/// to an uploaded tar, so an injected copy is seen by `COPY . .`; a session
/// never injects anything.
pub fn pack_for(
    dir: &Path,
    dockerfile_text: &str,
    on_disk: Option<&Path>,
) -> Result<BuildContext, EngineError> {
    pack_inner(dir, &[dockerfile_text], on_disk)
}

/// Packs `dir` once with several Dockerfiles injected, the first one the
/// context's own; `BuildContext::for_dockerfile(i)` picks another. Builds of
/// any of them then see the same files, so `COPY . .` caches across them.
pub fn pack_many(dir: &Path, dockerfiles: &[&str]) -> Result<BuildContext, EngineError> {
    pack_inner(dir, dockerfiles, None)
}

/// Where the `i`th injected Dockerfile lives in the context.
fn injected_name(i: usize) -> String {
    if i == 0 {
        DOCKERFILE_IN_CONTEXT.to_string()
    } else {
        format!("{DOCKERFILE_IN_CONTEXT}.{i}")
    }
}

fn pack_inner(
    dir: &Path,
    dockerfiles: &[&str],
    on_disk: Option<&Path>,
) -> Result<BuildContext, EngineError> {
    let dockerfile_text = dockerfiles.first().copied().unwrap_or("");
    let fail = |reason: String| EngineError::Context {
        dir: dir.to_path_buf(),
        reason,
    };
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(fail(
                "is not a directory; pass the directory that holds the Go module".to_string(),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(fail(
                "does not exist; pass the directory that holds the Go module".to_string(),
            ));
        }
        Err(e) => return Err(fail(format!("cannot be read ({e}); check its permissions"))),
    }
    if let Err(e) = fs::read_dir(dir) {
        return Err(fail(format!("cannot be listed ({e})")));
    }

    let ignore_file = read_ignore_file(dir).map_err(&fail)?;
    let ignore = match &ignore_file {
        Some(file) => DockerIgnore::parse(&String::from_utf8_lossy(&file.content)),
        None => DockerIgnore::default(),
    };
    if let Some(bad) = ignore.invalid().first() {
        return Err(fail(format!(
            "line {} of .dockerignore, `{}`, is not a valid pattern: {}. Fix or remove it; \
             docker build refuses it too",
            bad.line, bad.text, bad.reason
        )));
    }

    let unchanged_on_disk = on_disk.and_then(|file| {
        let rel = file.strip_prefix(dir).ok()?;
        let rel_text = rel.to_str()?.replace('\\', "/");
        let same = fs::read(file).ok()? == dockerfile_text.as_bytes();
        (same && !rel_text.is_empty() && !ignore.is_excluded(&rel_text)).then_some(rel_text)
    });
    let inject = unchanged_on_disk.is_none();
    // `.dockerignore` is sent whatever it says, so it is not counted as ignored.
    let ignores_itself = ignore_file.is_some() && ignore.is_excluded(IGNORE_FILE);
    let walked = walk::walk(dir, &Filter::excluding(ignore)).map_err(|e| fail(e.to_string()))?;
    // Written by the tar itself.
    let entries: Vec<Entry> = walked
        .entries
        .into_iter()
        .filter(|e| e.rel != IGNORE_FILE && !(inject && is_injected(&e.rel)))
        .collect();

    let mut files = 0;
    let mut bytes = 0;
    if let Some(file) = &ignore_file {
        files += 1;
        bytes += file.content.len() as u64;
    }
    let mut secrets = Vec::new();
    for entry in entries.iter().filter(|e| e.kind == Kind::File) {
        files += 1;
        bytes += entry.size;
        if looks_like_secret(&entry.rel) {
            secrets.push(entry.rel.clone());
        }
    }
    let session_dockerfile = on_disk
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or(DEFAULT_DOCKERFILE)
        .to_string();
    Ok(BuildContext {
        dir: dir.to_path_buf(),
        files,
        bytes,
        ignored: walked.ignored - usize::from(ignores_itself),
        secrets,
        dockerfile_name: unchanged_on_disk.unwrap_or_else(|| DOCKERFILE_IN_CONTEXT.to_string()),
        session_dockerfile,
        entries: Arc::new(entries),
        ignore_file: ignore_file.map(Arc::new),
        inject,
        dockerfiles: Arc::new(dockerfiles.iter().map(|t| t.to_string()).collect()),
        selected: 0,
        tar: Arc::new(OnceLock::new()),
    })
}

/// Paths pack writes itself when it injects Dockerfiles.
fn is_injected(rel: &str) -> bool {
    rel == DOCKERFILE_IN_CONTEXT
        || rel
            .strip_prefix(DOCKERFILE_IN_CONTEXT)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The `.dockerignore` on disk, read through a symlink as docker does.
struct IgnoreFile {
    content: Vec<u8>,
    /// Its mode and mtime, for the tar header.
    entry: Entry,
}

fn read_ignore_file(dir: &Path) -> Result<Option<IgnoreFile>, String> {
    let path = dir.join(IGNORE_FILE);
    let read = fs::read(&path).and_then(|content| Ok((content, fs::metadata(&path)?)));
    match read {
        Ok((content, meta)) => Ok(Some(IgnoreFile {
            entry: Entry {
                rel: IGNORE_FILE.into(),
                path: PathBuf::from(IGNORE_FILE),
                kind: Kind::File,
                perm: mode(&meta, 0o644),
                size: content.len() as u64,
                mtime_ns: mtime_secs(&meta) * 1_000_000_000,
                link: None,
            },
            content,
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read .dockerignore ({e})")),
    }
}

fn kind_of(kind: Kind) -> EntryType {
    match kind {
        Kind::Dir => EntryType::Directory,
        Kind::File => EntryType::Regular,
        Kind::Symlink => EntryType::Symlink,
    }
}

/// A header with the entry's mode and mtime and root as owner. Entries
/// dockstage makes up get mode 0644 and mtime 0, so they never vary.
fn header(kind: EntryType, entry: Option<&Entry>) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_uid(0);
    header.set_gid(0);
    header.set_size(0);
    let default_mode = if kind == EntryType::Directory {
        0o755
    } else {
        0o644
    };
    header.set_mode(entry.map_or(default_mode, |e| e.perm));
    let mtime = entry.map_or(0, |e| e.mtime_ns.div_euclid(1_000_000_000).max(0));
    header.set_mtime(u64::try_from(mtime).unwrap_or(0));
    header
}

fn mtime_secs(meta: &Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

#[cfg(unix)]
fn mode(meta: &Metadata, _default: u32) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(meta: &Metadata, default: u32) -> u32 {
    if meta.permissions().readonly() {
        default & !0o222
    } else {
        default
    }
}

/// Names that usually hold credentials. A template such as `.env.example`
/// is meant to be shared, so it is not flagged.
fn looks_like_secret(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let exact = matches!(
        name,
        ".env"
            | "id_rsa"
            | "id_ed25519"
            | "id_ecdsa"
            | ".netrc"
            | ".npmrc"
            | "credentials.json"
            | ".git-credentials"
            | "kubeconfig"
    );
    let env_variant = name.strip_prefix(".env.").is_some_and(|rest| {
        !matches!(
            rest,
            "example" | "sample" | "template" | "dist" | "defaults"
        )
    });
    let extension = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && matches!(ext, "pem" | "key" | "p12" | "pfx")
    });
    let aws = rel == ".aws/credentials" || rel.ends_with("/.aws/credentials");
    exact || env_variant || extension || aws
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised_by_name() {
        for path in [
            ".env",
            "config/.env.production",
            "certs/server.pem",
            "tls.key",
            "home/.ssh/id_rsa",
            "id_ed25519",
            "store.p12",
            ".netrc",
            ".aws/credentials",
            "deploy/kubeconfig",
            "gcp/credentials.json",
        ] {
            assert!(looks_like_secret(path), "{path} should look like a secret");
        }
        for path in [
            "main.go",
            ".env.example",
            "id_rsa.pub",
            "keys.go",
            "credentials",
            ".pem",
            "environment",
        ] {
            assert!(
                !looks_like_secret(path),
                "{path} should not look like a secret"
            );
        }
    }

    #[test]
    fn summary_reads_like_a_sentence() {
        let context = BuildContext {
            dir: PathBuf::from("."),
            files: 12,
            bytes: 3400,
            ignored: 5,
            secrets: Vec::new(),
            dockerfile_name: DOCKERFILE_IN_CONTEXT.to_string(),
            session_dockerfile: DEFAULT_DOCKERFILE.to_string(),
            entries: Arc::default(),
            ignore_file: None,
            inject: true,
            dockerfiles: Arc::default(),
            selected: 0,
            tar: Arc::default(),
        };
        assert_eq!(context.summary(), "context: 12 files, 3.4 kB (5 ignored)");
        assert_eq!(context.secret_warning(), None);
        let one = BuildContext {
            files: 1,
            bytes: 7,
            ignored: 0,
            secrets: vec![".env".to_string()],
            ..context
        };
        assert_eq!(one.summary(), "context: 1 file, 7 B (0 ignored)");
        assert!(
            one.secret_warning()
                .is_some_and(|w| w.contains(".env. Add it"))
        );
    }
}
