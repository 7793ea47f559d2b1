//! The context directory walked the way fsutil walks it for BuildKit.
//!
//! BuildKit's receiver checks the order of what it is sent: entries of one
//! directory by name, byte by byte, and a directory right before its
//! contents (fsutil's `ComparePath`, where `/` sorts before every other
//! byte). A path enters when the include patterns select it (or select a
//! parent) and `.dockerignore` does not exclude it; a directory left out
//! because of a pattern is still walked when something inside could come
//! back, and it is sent only once something inside does, so every entry
//! arrives after its parents.
//!
//! The same walk packs the tar for the fallback, so both transfers send the
//! same files.

use std::cmp::Ordering;
use std::ffi::OsString;
use std::fs::{self, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bollard::fsutil::types::Stat;

use crate::engine::ignore::DockerIgnore;

/// Bits of Go's `os.FileMode`, which fsutil's `Stat.mode` carries in place
/// of a unix `st_mode`.
pub mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const STICKY: u32 = 1 << 20;
    /// Everything that makes an entry not a regular file.
    pub const TYPE: u32 = DIR | SYMLINK | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);
}

/// What an entry is; sockets, fifos and devices never enter a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Dir,
    File,
    Symlink,
}

/// One path of the context as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Relative to the context, `/`-separated: the name the daemon sees.
    pub rel: String,
    /// The same path as the file system spells it, for opening it.
    pub path: PathBuf,
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`st_mode & 0o7777`).
    pub perm: u32,
    /// Content bytes of a file; the length of the target of a symlink.
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Where a symlink points, as written.
    pub link: Option<PathBuf>,
}

impl Entry {
    /// The fsutil `Stat` for this entry. Owners are root, as the docker
    /// CLI sends them, so a context builds the same whoever owns the files.
    pub fn stat(&self) -> Stat {
        let mut mode = self.perm & 0o777;
        for (unix, go) in [
            (0o4000, go_mode::SETUID),
            (0o2000, go_mode::SETGID),
            (0o1000, go_mode::STICKY),
        ] {
            if self.perm & unix != 0 {
                mode |= go;
            }
        }
        mode |= match self.kind {
            Kind::Dir => go_mode::DIR,
            Kind::Symlink => go_mode::SYMLINK,
            Kind::File => 0,
        };
        Stat {
            path: self.rel.clone(),
            mode,
            uid: 0,
            gid: 0,
            size: match self.kind {
                Kind::Dir => 0,
                _ => i64::try_from(self.size).unwrap_or(i64::MAX),
            },
            mod_time: self.mtime_ns,
            linkname: self
                .link
                .as_ref()
                .map(|l| l.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ..Stat::default()
        }
    }
}

/// What a walk keeps: the daemon's include patterns (with follow paths
/// resolved into them) and the exclude patterns of `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    exclude: DockerIgnore,
    include: Option<DockerIgnore>,
}

impl Filter {
    /// Everything but what `.dockerignore` excludes.
    pub fn excluding(exclude: DockerIgnore) -> Filter {
        Filter {
            exclude,
            include: None,
        }
    }

    /// The filter a session request names, in the words of fsutil's walk:
    /// `follow` paths are include patterns whose symlinks are resolved
    /// under `root` first. An invalid pattern is an error, as in fsutil.
    pub fn requested(
        root: Option<&Path>,
        exclude: &[String],
        include: &[String],
        follow: &[String],
    ) -> Result<Filter, String> {
        let exclude = DockerIgnore::from_patterns(exclude);
        if let Some(bad) = exclude.invalid().first() {
            return Err(format!(
                "invalid exclude pattern `{}`: {}",
                bad.text, bad.reason
            ));
        }
        let mut patterns: Vec<String> = include.to_vec();
        if !follow.is_empty() {
            let targets = match root {
                Some(root) => follow_links(root, follow),
                None => Some(follow.to_vec()),
            };
            match targets {
                Some(targets) => patterns.extend(targets),
                // A follow path of the root itself selects everything.
                None if include.is_empty() => return Ok(Filter::excluding(exclude)),
                None => {}
            }
        }
        if include.is_empty() && follow.is_empty() {
            return Ok(Filter::excluding(exclude));
        }
        let include = DockerIgnore::from_patterns(&patterns);
        if let Some(bad) = include.invalid().first() {
            return Err(format!(
                "invalid include pattern `{}`: {}",
                bad.text, bad.reason
            ));
        }
        Ok(Filter {
            exclude,
            include: Some(include),
        })
    }

    /// Whether a path that exists only in memory (the edited Dockerfile)
    /// passes this filter.
    pub fn admits(&self, rel: &str) -> bool {
        self.selects(rel) && !self.exclude.is_excluded(rel)
    }

    fn selects(&self, rel: &str) -> bool {
        // "Matches or a parent matches" is what `is_excluded` answers.
        self.include.as_ref().is_none_or(|i| i.is_excluded(rel))
    }

    fn may_select_under(&self, dir: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|i| i.is_excluded(dir) || i.may_match_under(dir))
    }
}

/// The entries to send, in the order the daemon expects them.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub entries: Vec<Entry>,
    /// Paths `.dockerignore` left out; a directory skipped unread counts once.
    pub ignored: usize,
}

/// A path that could not be read, with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("cannot list {rel} ({source}); fix its permissions or add it to .dockerignore")]
    List { rel: String, source: io::Error },
    #[error("cannot read {rel} ({source})")]
    Stat { rel: String, source: io::Error },
}

/// Walks `root` in fsutil's order, keeping what `filter` keeps.
pub fn walk(root: &Path, filter: &Filter) -> Result<Walk, WalkError> {
    let mut walker = Walker {
        filter,
        walk: Walk::default(),
        pending: Vec::new(),
    };
    let names = list(root).map_err(|source| WalkError::List {
        rel: "the directory".into(),
        source,
    })?;
    walker.children(root, Path::new(""), "", names)?;
    Ok(walker.walk)
}

struct Walker<'a> {
    filter: &'a Filter,
    walk: Walk,
    /// Directories walked only for what they may hold, outermost first;
    /// they are sent once something inside them is.
    pending: Vec<Entry>,
}

impl Walker<'_> {
    fn children(
        &mut self,
        abs: &Path,
        rel: &Path,
        rel_text: &str,
        names: Vec<OsString>,
    ) -> Result<(), WalkError> {
        for name in names {
            let child_abs = abs.join(&name);
            let child_rel = rel.join(&name);
            let name_text = name.to_string_lossy();
            let child_text = if rel_text.is_empty() {
                name_text.into_owned()
            } else {
                format!("{rel_text}/{name_text}")
            };
            let meta = match fs::symlink_metadata(&child_abs) {
                Ok(meta) => meta,
                // Gone since the listing: as if it had never been there.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(WalkError::Stat {
                        rel: child_text,
                        source,
                    });
                }
            };
            self.visit(&child_abs, child_rel, child_text, &meta)?;
        }
        Ok(())
    }

    fn visit(
        &mut self,
        abs: &Path,
        rel: PathBuf,
        text: String,
        meta: &Metadata,
    ) -> Result<(), WalkError> {
        let Some(kind) = kind_of(meta.file_type()) else {
            return Ok(()); // sockets, fifos and devices cannot be built from
        };
        if !self.filter.selects(&text) {
            if kind == Kind::Dir && self.filter.may_select_under(&text) {
                self.walk_pending(abs, rel, text, meta)?;
            }
            return Ok(());
        }
        if self.filter.exclude.is_excluded(&text) {
            if kind == Kind::Dir && self.filter.exclude.may_have_exceptions_under(&text) {
                self.walk_pending(abs, rel, text, meta)?;
            } else {
                self.walk.ignored += 1;
            }
            return Ok(());
        }
        let entry = entry(abs, rel.clone(), text.clone(), kind, meta)?;
        self.walk.entries.append(&mut self.pending);
        self.walk.entries.push(entry);
        if kind == Kind::Dir {
            let names = list(abs).map_err(|source| WalkError::List {
                rel: text.clone(),
                source,
            })?;
            self.children(abs, &rel, &text, names)?;
        }
        Ok(())
    }

    /// Walks a directory that is not sent itself unless something inside
    /// it is. One that cannot be read is left out, not an error: nothing
    /// in it was asked for by name.
    fn walk_pending(
        &mut self,
        abs: &Path,
        rel: PathBuf,
        text: String,
        meta: &Metadata,
    ) -> Result<(), WalkError> {
        let Ok(names) = list(abs) else {
            self.walk.ignored += usize::from(self.filter.selects(&text));
            return Ok(());
        };
        let depth = self.pending.len();
        self.pending
            .push(entry(abs, rel.clone(), text.clone(), Kind::Dir, meta)?);
        self.children(abs, &rel, &text, names)?;
        self.pending.truncate(depth);
        Ok(())
    }
}

/// A directory's names in byte order, which is fsutil's order within it.
fn list(dir: &Path) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        names.push(entry?.file_name());
    }
    names.sort();
    Ok(names)
}

fn kind_of(file_type: FileType) -> Option<Kind> {
    if file_type.is_dir() {
        Some(Kind::Dir)
    } else if file_type.is_file() {
        Some(Kind::File)
    } else if file_type.is_symlink() {
        Some(Kind::Symlink)
    } else {
        None
    }
}

fn entry(
    abs: &Path,
    path: PathBuf,
    rel: String,
    kind: Kind,
    meta: &Metadata,
) -> Result<Entry, WalkError> {
    let link = match kind {
        Kind::Symlink => Some(fs::read_link(abs).map_err(|source| WalkError::Stat {
            rel: rel.clone(),
            source,
        })?),
        _ => None,
    };
    Ok(Entry {
        rel,
        path,
        kind,
        perm: perm(meta, kind),
        size: if kind == Kind::Dir { 0 } else { meta.len() },
        mtime_ns: mtime_ns(meta),
        link,
    })
}

#[cfg(unix)]
fn perm(meta: &Metadata, _kind: Kind) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn perm(meta: &Metadata, kind: Kind) -> u32 {
    let mode = if kind == Kind::Dir { 0o755 } else { 0o644 };
    if meta.permissions().readonly() {
        mode & !0o222
    } else {
        mode
    }
}

fn mtime_ns(meta: &Metadata) -> i64 {
    let Ok(time) = meta.modified() else { return 0 };
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// fsutil's `ComparePath`: byte order, except that `/` sorts before every
/// other byte, so a directory's contents come right after it.
pub fn compare_path(a: &str, b: &str) -> Ordering {
    for (x, y) in a.bytes().zip(b.bytes()) {
        if x == y {
            continue;
        }
        return match (x, y) {
            (b'/', _) => Ordering::Less,
            (_, b'/') => Ordering::Greater,
            _ => x.cmp(&y),
        };
    }
    a.len().cmp(&b.len())
}

/// fsutil's `FollowLinks`: each follow path, with any symlink along it
/// resolved (inside the context) so the link and what it points at are
/// both selected. `None` when a path names the context root, which
/// selects everything. A component with glob characters is kept as a
/// pattern and not resolved further.
fn follow_links(root: &Path, paths: &[String]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for path in paths {
        resolve(root, &clean_rel(path), 0, &mut out);
    }
    if out.iter().any(|p| p.is_empty()) {
        return None;
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Symlinks inside symlinks are followed this deep, as a guard against loops.
const MAX_LINK_DEPTH: usize = 16;

fn resolve(root: &Path, path: &str, depth: usize, out: &mut Vec<String>) {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut current = String::new();
    for (i, part) in parts.iter().enumerate() {
        if part.contains(['*', '?', '[']) {
            out.push(parts.join("/"));
            return;
        }
        if !current.is_empty() {
            current.push('/');
        }
        current.push_str(part);
        let full = root.join(&current);
        let is_link = fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && depth < MAX_LINK_DEPTH {
            out.push(current.clone());
            let Ok(target) = fs::read_link(&full) else {
                return;
            };
            let target = target.to_string_lossy();
            let base = if target.starts_with('/') {
                target.to_string()
            } else {
                let parent = current.rsplit_once('/').map_or("", |(dir, _)| dir);
                format!("{parent}/{target}")
            };
            let rest = parts[i + 1..].join("/");
            resolve(root, &clean_rel(&format!("{base}/{rest}")), depth + 1, out);
            return;
        }
    }
    out.push(current);
}

/// A path cleaned lexically and made relative to the context ("" for the
/// root); `..` cannot climb above it.
fn clean_rel(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "dockstage-walk-{name}-{}-{}",
                std::process::id(),
                crate::engine::new_session_id()
            ));
            fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
            Scratch(dir)
        }

        fn file(&self, rel: &str) -> &Self {
            let path = self.0.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            fs::write(&path, rel).unwrap_or_else(|e| panic!("{e}"));
            self
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn rels(walk: &Walk) -> Vec<&str> {
        walk.entries.iter().map(|e| e.rel.as_str()).collect()
    }

    fn walked(dir: &Scratch, filter: &Filter) -> Walk {
        walk(&dir.0, filter).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_directory_comes_right_before_its_contents() {
        let dir = Scratch::new("order");
        dir.file("a.b")
            .file("a/x")
            .file("a-b")
            .file("B")
            .file("a/y/z");
        let walk = walked(&dir, &Filter::default());
        assert_eq!(rels(&walk), ["B", "a", "a/x", "a/y", "a/y/z", "a-b", "a.b"]);
        let names = rels(&walk);
        for pair in names.windows(2) {
            assert_eq!(compare_path(pair[0], pair[1]), Ordering::Less, "{pair:?}");
        }
    }

    #[test]
    fn compare_path_puts_the_separator_first() {
        assert_eq!(compare_path("a/x", "a-b"), Ordering::Less);
        assert_eq!(compare_path("a", "a/x"), Ordering::Less);
        assert_eq!(compare_path("a.b", "a/b"), Ordering::Greater);
        assert_eq!(compare_path("same", "same"), Ordering::Equal);
    }

    #[test]
    fn excluded_paths_are_counted_and_their_parents_come_only_with_an_exception() {
        let dir = Scratch::new("exclude");
        dir.file("main.go")
            .file("vendor/a.go")
            .file("docs/keep.md")
            .file("docs/drop.md")
            .file(".env");
        let filter = Filter::excluding(DockerIgnore::parse("vendor\ndocs\n!docs/keep.md\n.env\n"));
        let walk = walked(&dir, &filter);
        assert_eq!(rels(&walk), ["docs", "docs/keep.md", "main.go"]);
        assert_eq!(walk.ignored, 3, "vendor, docs/drop.md and .env");
    }

    #[test]
    fn include_patterns_send_what_they_select_with_its_parents() {
        let dir = Scratch::new("include");
        dir.file(".dockerignore")
            .file("main.go")
            .file("cmd/app/main.go")
            .file("cmd/app/util.go")
            .file("cmd/tool/main.go");
        let only = |include: &[&str]| {
            let include: Vec<String> = include.iter().map(|s| s.to_string()).collect();
            let filter = Filter::requested(Some(&dir.0), &[], &include, &[])
                .unwrap_or_else(|e| panic!("{e}"));
            rels(&walked(&dir, &filter))
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(only(&[".dockerignore"]), [".dockerignore"]);
        assert_eq!(
            only(&["cmd/app/main.go"]),
            ["cmd", "cmd/app", "cmd/app/main.go"]
        );
        assert_eq!(
            only(&["cmd/*/main.go"]),
            [
                "cmd",
                "cmd/app",
                "cmd/app/main.go",
                "cmd/tool",
                "cmd/tool/main.go"
            ]
        );
        assert_eq!(
            only(&["cmd/app"]),
            ["cmd", "cmd/app", "cmd/app/main.go", "cmd/app/util.go"]
        );
    }

    #[test]
    fn follow_paths_resolve_symlinks_inside_the_context() {
        let dir = Scratch::new("follow");
        dir.file("real/Dockerfile").file("other.txt");
        #[cfg(unix)]
        std::os::unix::fs::symlink("real/Dockerfile", dir.0.join("Dockerfile"))
            .unwrap_or_else(|e| panic!("{e}"));
        let filter = Filter::requested(Some(&dir.0), &[], &[], &["Dockerfile".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        let walk = walked(&dir, &filter);
        assert_eq!(rels(&walk), ["Dockerfile", "real", "real/Dockerfile"]);
        let link = &walk.entries[0];
        assert_eq!(link.kind, Kind::Symlink);
        assert_eq!(link.stat().linkname, "real/Dockerfile");
        assert_eq!(link.stat().mode, go_mode::SYMLINK | 0o777);
        let everything = Filter::requested(Some(&dir.0), &[], &[], &[".".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(walked(&dir, &everything).entries.len(), 4);
    }

    #[cfg(unix)]
    #[test]
    fn stat_carries_go_mode_bits_and_root_owners() {
        use std::os::unix::fs::PermissionsExt;
        let dir = Scratch::new("stat");
        dir.file("bin/run");
        fs::set_permissions(dir.0.join("bin/run"), fs::Permissions::from_mode(0o4755))
            .unwrap_or_else(|e| panic!("{e}"));
        let walk = walked(&dir, &Filter::default());
        let bin = walk.entries[0].stat();
        let run = walk.entries[1].stat();
        assert_eq!(bin.mode & go_mode::DIR, go_mode::DIR);
        assert_eq!(bin.size, 0);
        assert_eq!(run.mode, go_mode::SETUID | 0o755);
        assert_eq!(
            run.mode & go_mode::TYPE,
            0,
            "a regular file has no type bits"
        );
        assert_eq!((run.uid, run.gid), (0, 0));
        assert_eq!(run.size, "bin/run".len() as i64);
        assert!(run.mod_time > 1_600_000_000_000_000_000, "nanoseconds");
    }

    #[test]
    fn a_bad_pattern_from_the_daemon_is_an_error() {
        let err = Filter::requested(None, &["[".into()], &[], &[]);
        assert!(err.is_err_and(|e| e.contains("invalid exclude pattern")));
    }
}
