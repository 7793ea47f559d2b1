//! The build context: the tar `docker build` would upload for a directory.
//!
//! dockstage builds the Dockerfile being edited, not the one on disk, so the
//! edited text travels inside the context at [`DOCKERFILE_IN_CONTEXT`] and the
//! build is pointed at that path. Everything else follows the docker CLI: the
//! directory is walked in sorted order, `.dockerignore` decides what stays
//! out, symlinks travel as symlinks, and owners are reset to root.

use std::ffi::OsString;
use std::fs::{self, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use tar::{EntryType, Header};

use super::error::EngineError;
use super::ignore::DockerIgnore;

/// Where the edited Dockerfile sits in every context dockstage sends; the
/// build's `dockerfile` option names this path.
pub const DOCKERFILE_IN_CONTEXT: &str = ".dockstage/Dockerfile";

const IGNORE_FILE: &str = ".dockerignore";

/// Appended to the `.dockerignore` inside the tar, as the docker CLI does for a
/// Dockerfile it injects: the classic builder then drops the injected file
/// after reading it, so `COPY . .` neither copies it nor changes with it.
const IGNORE_INJECTED: &str = "\n# added by dockstage: the Dockerfile it builds from\n.dockstage\n";

/// A packed context, with what the user should know about it before it is sent.
#[derive(Clone)]
pub struct BuildContext {
    /// The uncompressed tar to upload.
    pub tar: Vec<u8>,
    /// Regular files sent from the directory (the injected Dockerfile not counted).
    pub files: usize,
    /// Their content bytes, as on disk.
    pub bytes: u64,
    /// Paths left out by `.dockerignore`; a directory skipped unread counts once.
    pub ignored: usize,
    /// Context-relative paths of files sent that look like credentials.
    pub secrets: Vec<String>,
    /// The Dockerfile path to give the build.
    pub dockerfile_name: String,
}

impl std::fmt::Debug for BuildContext {
    /// The tar shows as its length, so logging a context stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext")
            .field("tar", &format_args!("{} bytes", self.tar.len()))
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
            ..self.clone()
        }
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
}

/// Sizes as `docker` prints them: decimal units, one decimal place.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // Step up when rounding would print "1000.0 kB".
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Packs `dir` as the context for a build of `dockerfile_text`.
pub fn pack(dir: &Path, dockerfile_text: &str) -> Result<BuildContext, EngineError> {
    pack_for(dir, dockerfile_text, None)
}

/// Packs `dir` for a build of `dockerfile_text`, which the user keeps at
/// `on_disk`. When that file is in the context and holds exactly this text,
/// nothing is injected and the context is byte for byte what `docker build`
/// sends, so `COPY . .` caches the same. BuildKit applies no `.dockerignore`
/// to an uploaded context, so an injected copy is seen by `COPY . .`.
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
    let mut packer = Packer {
        inject: unchanged_on_disk.is_none(),
        ignore,
        tar: tar::Builder::new(Vec::new()),
        pending: Vec::new(),
        files: 0,
        bytes: 0,
        ignored: 0,
        secrets: Vec::new(),
    };
    packer
        .add_ignore_file(ignore_file.as_ref())
        .map_err(&fail)?;
    let root = fs::read_dir(dir).map_err(|e| fail(format!("cannot be listed ({e})")))?;
    packer.walk(root, dir, Path::new(""), "").map_err(&fail)?;
    if packer.inject {
        for (i, text) in dockerfiles.iter().enumerate() {
            packer
                .add_dockerfile(&injected_name(i), text)
                .map_err(|e| fail(format!("cannot add the Dockerfile ({e})")))?;
        }
    }

    let tar = packer
        .tar
        .into_inner()
        .map_err(|e| fail(format!("cannot finish the tar ({e})")))?;
    Ok(BuildContext {
        tar,
        files: packer.files,
        bytes: packer.bytes,
        ignored: packer.ignored,
        secrets: packer.secrets,
        dockerfile_name: unchanged_on_disk.unwrap_or_else(|| DOCKERFILE_IN_CONTEXT.to_string()),
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
    meta: Metadata,
}

fn read_ignore_file(dir: &Path) -> Result<Option<IgnoreFile>, String> {
    let path = dir.join(IGNORE_FILE);
    let read = fs::read(&path).and_then(|content| Ok((content, fs::metadata(&path)?)));
    match read {
        Ok((content, meta)) => Ok(Some(IgnoreFile { content, meta })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read .dockerignore ({e})")),
    }
}

struct Packer {
    /// Whether the Dockerfile travels as an injected copy.
    inject: bool,
    ignore: DockerIgnore,
    tar: tar::Builder<Vec<u8>>,
    /// Excluded directories being walked for exceptions, outermost first.
    /// They are written only once something inside them is.
    pending: Vec<(PathBuf, Metadata)>,
    files: usize,
    bytes: u64,
    ignored: usize,
    secrets: Vec<String>,
}

impl Packer {
    /// `.dockerignore` is always sent, as the docker CLI sends it, with a
    /// line that keeps the injected Dockerfile out of `COPY`.
    fn add_ignore_file(&mut self, file: Option<&IgnoreFile>) -> Result<(), String> {
        let mut content = match file {
            Some(file) => {
                self.files += 1;
                self.bytes += file.content.len() as u64;
                file.content.clone()
            }
            None if !self.inject => return Ok(()),
            // A made-up file must drop itself too.
            None => IGNORE_FILE.as_bytes().to_vec(),
        };
        if self.inject {
            content.extend_from_slice(IGNORE_INJECTED.as_bytes());
        }
        let mut header = header(EntryType::Regular, file.map(|f| &f.meta));
        header.set_size(content.len() as u64);
        self.tar
            .append_data(&mut header, IGNORE_FILE, content.as_slice())
            .map_err(|e| format!("cannot add .dockerignore ({e})"))
    }

    fn add_dockerfile(&mut self, name: &str, text: &str) -> io::Result<()> {
        let mut header = header(EntryType::Regular, None);
        header.set_size(text.len() as u64);
        self.tar.append_data(&mut header, name, text.as_bytes())
    }

    /// Walks one directory in name order. `rel` is its context-relative path
    /// ("" for the root), `rel_text` the same as text for matching.
    fn walk(
        &mut self,
        entries: fs::ReadDir,
        abs: &Path,
        rel: &Path,
        rel_text: &str,
    ) -> Result<(), String> {
        let mut names: Vec<OsString> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {} ({e})", shown(rel_text)))?;
            names.push(entry.file_name());
        }
        names.sort();
        for name in names {
            let child_abs = abs.join(&name);
            let child_rel = rel.join(&name);
            let name_text = name.to_string_lossy();
            let child_text = if rel_text.is_empty() {
                name_text.into_owned()
            } else {
                format!("{rel_text}/{name_text}")
            };
            if child_text == IGNORE_FILE || (self.inject && is_injected(&child_text)) {
                continue; // written by pack itself
            }
            let meta = fs::symlink_metadata(&child_abs)
                .map_err(|e| format!("cannot read {child_text} ({e})"))?;
            self.visit(&child_abs, child_rel, &child_text, meta)?;
        }
        Ok(())
    }

    fn visit(
        &mut self,
        abs: &Path,
        rel: PathBuf,
        text: &str,
        meta: Metadata,
    ) -> Result<(), String> {
        let kind = meta.file_type();
        if is_special(kind) {
            return Ok(()); // sockets, fifos and devices cannot be built from
        }
        if self.ignore.is_excluded(text) {
            if kind.is_dir() && self.ignore.may_have_exceptions_under(text) {
                // An unreadable excluded directory is left out, not an error:
                // nothing in it could be sent anyway.
                let Ok(entries) = fs::read_dir(abs) else {
                    self.ignored += 1;
                    return Ok(());
                };
                self.pending.push((rel.clone(), meta));
                self.walk(entries, abs, &rel, text)?;
                if self.pending.last().is_some_and(|(p, _)| *p == rel) {
                    self.pending.pop();
                }
            } else {
                self.ignored += 1;
            }
            return Ok(());
        }
        self.write_pending()
            .map_err(|e| format!("cannot add the parents of {text} ({e})"))?;
        let added = |e: io::Error| format!("cannot add {text} ({e})");
        if kind.is_dir() {
            let entries = fs::read_dir(abs).map_err(|e| {
                format!("cannot list {text} ({e}); fix its permissions or add it to .dockerignore")
            })?;
            self.append_dir(&rel, &meta).map_err(added)?;
            self.walk(entries, abs, &rel, text)
        } else if kind.is_symlink() {
            let target = fs::read_link(abs).map_err(added)?;
            let mut header = header(EntryType::Symlink, Some(&meta));
            header.set_size(0);
            self.tar
                .append_link(&mut header, &rel, target)
                .map_err(added)
        } else {
            let content = fs::read(abs).map_err(|e| {
                format!("cannot read {text} ({e}); fix its permissions or add it to .dockerignore")
            })?;
            let mut header = header(EntryType::Regular, Some(&meta));
            header.set_size(content.len() as u64);
            self.tar
                .append_data(&mut header, &rel, content.as_slice())
                .map_err(added)?;
            self.files += 1;
            self.bytes += content.len() as u64;
            if looks_like_secret(text) {
                self.secrets.push(text.to_string());
            }
            Ok(())
        }
    }

    /// Writes the excluded directories that turn out to hold a kept entry,
    /// so the entry's parents arrive with their own modes.
    fn write_pending(&mut self) -> io::Result<()> {
        for (rel, meta) in std::mem::take(&mut self.pending) {
            self.append_dir(&rel, &meta)?;
        }
        Ok(())
    }

    fn append_dir(&mut self, rel: &Path, meta: &Metadata) -> io::Result<()> {
        let mut header = header(EntryType::Directory, Some(meta));
        header.set_size(0);
        // Directory names end in `/`, as Go's archive/tar writes them.
        let mut name = rel.as_os_str().to_owned();
        name.push("/");
        self.tar.append_data(&mut header, name, io::empty())
    }
}

fn shown(rel_text: &str) -> &str {
    if rel_text.is_empty() {
        "the directory"
    } else {
        rel_text
    }
}

/// A header with the entry's mode and mtime and root as owner. Entries
/// dockstage makes up get mode 0644 and mtime 0, so they never vary.
fn header(kind: EntryType, meta: Option<&Metadata>) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_uid(0);
    header.set_gid(0);
    let default_mode = if kind == EntryType::Directory {
        0o755
    } else {
        0o644
    };
    header.set_mode(meta.map_or(default_mode, |m| mode(m, default_mode)));
    let mtime = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    header.set_mtime(mtime);
    header
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

fn is_special(kind: FileType) -> bool {
    !(kind.is_file() || kind.is_dir() || kind.is_symlink())
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
    fn human_bytes_uses_decimal_units() {
        for (bytes, want) in [
            (0, "0 B"),
            (512, "512 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (1234, "1.2 kB"),
            (3_400_000, "3.4 MB"),
            (999_960, "1.0 MB"),
            (1_200_000_000, "1.2 GB"),
        ] {
            assert_eq!(human_bytes(bytes), want, "human_bytes({bytes})");
        }
    }

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
            tar: Vec::new(),
            files: 12,
            bytes: 3400,
            ignored: 5,
            secrets: Vec::new(),
            dockerfile_name: DOCKERFILE_IN_CONTEXT.to_string(),
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
