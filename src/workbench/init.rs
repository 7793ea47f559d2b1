//! `dockstage init`: a good multi-stage Dockerfile for a Go module, chosen
//! from what the module's sources need, with a comment on every line saying
//! why it is there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::goproject::GoFacts;

/// What `init` learned about a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    /// `major.minor` from go.mod's `toolchain` line, else its `go` line.
    pub go_version: String,
    /// The Go the module needs at least: the higher of its `go` and
    /// `toolchain` lines, in full (`1.22.3`).
    pub go_required: String,
    /// The builder image and, when it is not go.mod's pin, why.
    pub builder: Builder,
    /// Main packages, as `go build` arguments: `.` or `./cmd/name`.
    pub mains: Vec<String>,
    pub facts: GoFacts,
    pub vendor: bool,
    pub go_sum: bool,
    /// Directories below with their own go.mod, as `tools/`: separate
    /// modules whose packages this module's build does not see.
    pub nested: Vec<String>,
}

impl Module {
    /// The main packages besides `main`, which the Dockerfile does not build.
    pub fn other_mains(&self, main: &str) -> Vec<&str> {
        self.mains
            .iter()
            .map(String::as_str)
            .filter(|m| *m != main)
            .collect()
    }
}

/// The image the builder stage starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    pub image: String,
    /// Why it is not the `golang:` tag go.mod asks for, for the comment.
    pub note: Option<String>,
}

impl Builder {
    /// `golang:<go.mod's version>`, the image a registry would serve.
    pub fn pinned(go_version: &str) -> Builder {
        Builder {
            image: format!("golang:{go_version}"),
            note: None,
        }
    }
}

/// A golang image on this machine and the Go version it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GolangOnHand {
    pub image: String,
    pub go_version: String,
}

/// The builder for `module` when go.mod's pin can be neither found here nor
/// pulled: the newest golang image on hand whose Go is at least the one
/// go.mod asks for (Go builds modules that ask for older versions). `None`
/// when no image on hand is new enough.
pub fn builder_on_hand(module: &Module, on_hand: &[GolangOnHand]) -> Option<Builder> {
    let needed = go_version_key(&module.go_required);
    let best = on_hand
        .iter()
        .filter(|g| go_version_key(&g.go_version) >= needed)
        .max_by_key(|g| go_version_key(&g.go_version))?;
    Some(Builder {
        image: best.image.clone(),
        note: Some(format!(
            "go.mod asks for Go {}, but {} is not on this machine and no registry answers; \
             {} (Go {}) is the newest Go here and builds it. With a registry, use {}.",
            module.go_required,
            Builder::pinned(&module.go_version).image,
            best.image,
            best.go_version,
            Builder::pinned(&module.go_version).image,
        )),
    })
}

/// go.mod's pin, kept when nothing on hand is new enough, saying so: the
/// build will stop at pre-flight, and the comment says what to load.
pub fn builder_none_new_enough(module: &Module, on_hand: &[GolangOnHand]) -> Builder {
    let pinned = Builder::pinned(&module.go_version);
    let newest = on_hand
        .iter()
        .max_by_key(|g| go_version_key(&g.go_version))
        .map(|g| format!(" (the newest here is {}, Go {})", g.image, g.go_version))
        .unwrap_or_default();
    Builder {
        note: Some(format!(
            "go.mod asks for Go {}, and no golang image on this machine is that new{newest} \
             and no registry answers: load {} with `dockstage bases load FILE`, or build \
             where a registry is reachable.",
            module.go_required, pinned.image
        )),
        ..pinned
    }
}

/// `1.22.3` (or `go1.22rc1`) as numbers to compare; missing parts are 0.
pub fn go_version_key(version: &str) -> (u32, u32, u32) {
    let v = version.trim().trim_start_matches("go");
    let mut parts = v.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap_or(0)
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InitError {
    #[error("no go.mod in {}: dockstage init works on a Go module; run `go mod init MODULE-PATH` there first, or give the module's directory", .0.display())]
    NoModule(PathBuf),
    #[error("no go.mod in {}; found Go modules in: {}; run dockstage init on one of them", .dir.display(), .found.join(", "))]
    ModulesBelow { dir: PathBuf, found: Vec<String> },
    #[error("no go.mod in {}; its go.work lists the Go modules: {}; run dockstage init on one of them", .dir.display(), .uses.join(", "))]
    Workspace { dir: PathBuf, uses: Vec<String> },
    #[error("{}: cannot read: {reason}", .path.display())]
    UnreadableGoMod { path: PathBuf, reason: String },
    #[error("{}: go.mod has no `module` line", .0.display())]
    NoModulePath(PathBuf),
    #[error("{}: no main package (no .go file with `package main`){}", .dir.display(), nested_note(.nested))]
    NoMain { dir: PathBuf, nested: Vec<String> },
    #[error("several main packages: {}; choose one with --main", .0.join(", "))]
    SeveralMains(Vec<String>),
    #[error("`{0}` is not one of the main packages: {list}", list = .1.join(", "))]
    UnknownMain(String, Vec<String>),
}

fn nested_note(nested: &[String]) -> String {
    let (has, them) = match nested {
        [] => return String::new(),
        [_] => ("has its", "it is a separate module"),
        _ => ("have their", "they are separate modules"),
    };
    format!(
        "; note: {} {has} own go.mod, so {them}: run dockstage init on one of them",
        nested.join(", ")
    )
}

/// How deep `init` looks for modules below a directory that is not one.
const MODULE_SEARCH_DEPTH: usize = 3;

/// Directories Go tooling and `init` leave alone.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "vendor" | "testdata" | "node_modules")
}

/// Reads go.mod and the sources under `dir`.
pub fn scan(dir: &Path) -> Result<Module, InitError> {
    let gomod_path = dir.join("go.mod");
    let gomod = match std::fs::read_to_string(&gomod_path) {
        Ok(text) => text,
        Err(_) if !gomod_path.exists() => return Err(not_a_module(dir)),
        Err(e) => {
            return Err(InitError::UnreadableGoMod {
                path: gomod_path,
                reason: e.to_string(),
            });
        }
    };
    let path = gomod
        .lines()
        .find_map(|l| l.trim().strip_prefix("module "))
        .map(|m| m.trim().trim_matches('"').to_string())
        .ok_or_else(|| InitError::NoModulePath(dir.to_path_buf()))?;
    let version_of = |prefix: &str| {
        gomod
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(|v| v.trim().trim_start_matches("go").to_string())
    };
    let full = version_of("toolchain ")
        .or_else(|| version_of("go "))
        .unwrap_or_else(|| "1.24".into());
    let go_version = full.split('.').take(2).collect::<Vec<_>>().join(".");
    let go_required = [version_of("go "), version_of("toolchain ")]
        .into_iter()
        .flatten()
        .max_by_key(|v| go_version_key(v))
        .unwrap_or_else(|| full.clone());
    let mut mains = Vec::new();
    collect_mains(dir, dir, &mut mains);
    mains.sort();
    Ok(Module {
        path,
        builder: Builder::pinned(&go_version),
        go_version,
        go_required,
        mains,
        facts: GoFacts::scan_dir(dir, 5_000),
        vendor: dir.join("vendor").is_dir(),
        go_sum: dir.join("go.sum").is_file(),
        nested: nested_modules(dir),
    })
}

/// The error for a directory without go.mod, naming the modules a
/// workspace or a repository of several modules holds instead.
fn not_a_module(dir: &Path) -> InitError {
    let uses = std::fs::read_to_string(dir.join("go.work"))
        .map(|text| go_work_uses(&text))
        .unwrap_or_default();
    if !uses.is_empty() {
        return InitError::Workspace {
            dir: dir.to_path_buf(),
            uses,
        };
    }
    let found = nested_modules(dir);
    if found.is_empty() {
        InitError::NoModule(dir.to_path_buf())
    } else {
        InitError::ModulesBelow {
            dir: dir.to_path_buf(),
            found,
        }
    }
}

/// The directories a go.work's `use` lines name, as `a/`, in file order.
pub fn go_work_uses(text: &str) -> Vec<String> {
    let mut uses = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line.starts_with(')') {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = true;
                rest.trim_start_matches('(').trim()
            } else if line.starts_with("use ") || line.starts_with("use\t") {
                rest
            } else {
                continue;
            }
        } else {
            continue;
        };
        let entry = entry.trim_matches('"').trim();
        if !entry.is_empty() {
            uses.push(as_dir(entry));
        }
    }
    uses
}

/// `./a/b` and `a/b` both read `a/b/`, the way the user types a directory.
fn as_dir(path: &str) -> String {
    let bare = path.trim_start_matches("./").trim_end_matches('/');
    if bare.is_empty() || bare == "." {
        "./".to_string()
    } else {
        format!("{bare}/")
    }
}

/// Directories below `dir` with their own go.mod, a few levels deep, sorted.
pub fn nested_modules(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    find_modules(dir, dir, 1, &mut found);
    found.sort();
    found
}

fn find_modules(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    if depth > MODULE_SEARCH_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if skipped(&name) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if path.join("go.mod").is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(as_dir(&rel.to_string_lossy().replace('\\', "/")));
        } else {
            find_modules(root, &path, depth + 1, out);
        }
    }
}

/// Main packages under `dir`, stopping at directories with their own
/// go.mod: those are other modules, which `go build` here cannot build.
fn collect_mains(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut is_main = false;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if !skipped(&name) && !path.join("go.mod").is_file() {
                subdirs.push(path);
            }
        } else if name.ends_with(".go")
            && !name.ends_with("_test.go")
            && std::fs::read_to_string(&path).is_ok_and(|t| is_main_source(&t))
        {
            is_main = true;
        }
    }
    if is_main {
        let rel = dir
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        out.push(if rel.is_empty() {
            ".".to_string()
        } else {
            format!("./{rel}")
        });
    }
    for sub in subdirs {
        collect_mains(root, &sub, out);
    }
}

/// Whether a Go file is part of a main package that `go build` builds: its
/// package clause says main, and no `//go:build ignore` (the generators
/// projects keep beside their packages, run with `go run x.go`) leaves it out.
fn is_main_source(text: &str) -> bool {
    for line in text.lines().map(str::trim) {
        let constraint = line
            .strip_prefix("//go:build ")
            .or_else(|| line.strip_prefix("// +build "));
        if let Some(expr) = constraint
            && expr
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
                .any(|term| term == "ignore")
        {
            return false;
        }
        if let Some(name) = line.strip_prefix("package ") {
            return name.split_whitespace().next() == Some("main");
        }
    }
    false
}

/// Picks the main package: the only one, or the one `--main` names.
pub fn choose_main(module: &Module, wanted: Option<&str>, dir: &Path) -> Result<String, InitError> {
    match (wanted, module.mains.as_slice()) {
        (_, []) => Err(InitError::NoMain {
            dir: dir.to_path_buf(),
            nested: module.nested.clone(),
        }),
        (Some(w), mains) => {
            let norm = |s: &str| s.trim_start_matches("./").trim_end_matches('/').to_string();
            mains
                .iter()
                .find(|m| norm(m) == norm(w) || m.rsplit('/').next() == Some(w))
                .cloned()
                .ok_or_else(|| InitError::UnknownMain(w.to_string(), mains.to_vec()))
        }
        (None, [only]) => Ok(only.clone()),
        // The module root is what `go install module@latest` builds; other
        // mains beside it are usually helpers (scripts/gen, tools/...).
        (None, many) if many.iter().any(|m| m == ".") => Ok(".".to_string()),
        (None, many) => Err(InitError::SeveralMains(many.to_vec())),
    }
}

/// The Dockerfile for `main` in `module`.
pub fn dockerfile(module: &Module, main: &str) -> String {
    let f = &module.facts;
    let binary = match main {
        "." => module.path.rsplit('/').next().unwrap_or("app").to_string(),
        m => m.rsplit('/').next().unwrap_or("app").to_string(),
    };
    let cgo = f.uses_cgo;
    let mut tags = Vec::new();
    if !cgo && (f.uses_net || f.uses_os_user) {
        tags.push("netgo");
        tags.push("osusergo");
    }
    if f.uses_timezones {
        tags.push("timetzdata");
    }
    let (runtime, runtime_why) = if cgo {
        (
            "gcr.io/distroless/base-debian12",
            "the code uses cgo, so the binary needs glibc: distroless/base has it and no shell",
        )
    } else {
        (
            "scratch",
            "a static binary needs nothing else: scratch is an empty image",
        )
    };
    let mut out = String::new();
    let w = &mut out;
    // No `# syntax=` line: the daemon's built-in frontend has cache mounts,
    // and a frontend image would have to be pulled, which fails offline.
    let _ = writeln!(w, "# Written by `dockstage init` for {}.", module.path);
    let _ = writeln!(w);
    let others = module.other_mains(main);
    if !others.is_empty() {
        let built = if main == "." {
            "the main package at the module root".to_string()
        } else {
            main.to_string()
        };
        comment(
            w,
            &format!(
                "It builds {built}; the other main packages here are {}: \
                 `dockstage init --main PKG --force` builds another.",
                others.join(", ")
            ),
        );
        let _ = writeln!(w);
    }
    match &module.builder.note {
        None => comment(
            w,
            "Builder: the Go toolchain, pinned to the version go.mod asks for.",
        ),
        Some(note) => comment(w, &format!("Builder: the Go toolchain. {note}")),
    }
    let _ = writeln!(w, "FROM {} AS builder", module.builder.image);
    let _ = writeln!(w, "WORKDIR /src");
    if module.vendor {
        let _ = writeln!(w, "# Dependencies are vendored, so nothing is downloaded.");
        let _ = writeln!(w, "COPY . .");
    } else {
        let _ = writeln!(
            w,
            "# go.mod and go.sum first: the download below stays cached until they change."
        );
        let sum = if module.go_sum { " go.sum" } else { "" };
        let _ = writeln!(w, "COPY go.mod{sum} ./");
        let _ = writeln!(
            w,
            "# The module cache survives between builds in a BuildKit cache mount."
        );
        let _ = writeln!(
            w,
            "RUN --mount=type=cache,target=/go/pkg/mod go mod download"
        );
        let _ = writeln!(
            w,
            "# Then the sources; editing them does not download modules again."
        );
        let _ = writeln!(w, "COPY . .");
    }
    let _ = writeln!(
        w,
        "# {}",
        if cgo {
            "CGO_ENABLED=1: the code imports \"C\"."
        } else {
            "CGO_ENABLED=0 makes a static binary that runs without libc."
        }
    );
    let _ = writeln!(
        w,
        "# -trimpath drops build paths; -ldflags=\"-s -w\" drops symbols and debug data."
    );
    if !tags.is_empty() {
        let mut why = Vec::new();
        if tags.contains(&"netgo") {
            why.push("netgo,osusergo use Go's DNS and user lookup instead of libc's");
        }
        if tags.contains(&"timetzdata") {
            why.push("timetzdata embeds the time zone database the code loads");
        }
        let _ = writeln!(w, "# -tags: {}.", why.join("; "));
    }
    let mount = if module.vendor {
        "--mount=type=cache,target=/root/.cache/go-build".to_string()
    } else {
        "--mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build".to_string()
    };
    let tag_flag = if tags.is_empty() {
        String::new()
    } else {
        format!(" -tags {}", tags.join(","))
    };
    let vendor_flag = if module.vendor { " -mod=vendor" } else { "" };
    let _ = writeln!(
        w,
        "RUN {mount} \\\n    CGO_ENABLED={} go build{vendor_flag} -trimpath -ldflags=\"-s -w\"{tag_flag} -o /out/{binary} {main}",
        u8::from(cgo)
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "# Runtime: {runtime_why}.");
    let _ = writeln!(w, "FROM {runtime}");
    if f.uses_tls_client && !cgo {
        let _ = writeln!(
            w,
            "# The code makes TLS calls; scratch has no CA certificates, so bring the builder's."
        );
        let _ = writeln!(
            w,
            "COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/"
        );
    }
    let _ = writeln!(w, "COPY --from=builder /out/{binary} /{binary}");
    let _ = writeln!(
        w,
        "# A numeric uid works on every base, even one with no /etc/passwd."
    );
    let _ = writeln!(w, "USER 65532:65532");
    let _ = writeln!(w, "ENTRYPOINT [\"/{binary}\"]");
    out
}

/// `text` as comment lines of at most about 90 columns.
fn comment(w: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > 90 {
            let _ = writeln!(w, "{line}");
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(w, "{line}");
}

/// What the build context leaves out.
pub const DOCKERIGNORE: &str = "\
# Written by `dockstage init`: keep the build context small and the COPY . . cache stable.
.git
.dockerignore
Dockerfile*
**/*_test.go
.env
.env.*
*.pem
";

#[cfg(test)]
mod tests {
    use super::*;

    fn module(facts: GoFacts) -> Module {
        Module {
            path: "example.com/svc".into(),
            go_version: "1.24".into(),
            go_required: "1.24".into(),
            builder: Builder::pinned("1.24"),
            mains: vec![".".into()],
            facts,
            vendor: false,
            go_sum: true,
            nested: Vec::new(),
        }
    }

    #[test]
    fn a_plain_program_gets_scratch_static_and_non_root() {
        let d = dockerfile(&module(GoFacts::default()), ".");
        assert!(d.contains("FROM golang:1.24 AS builder"));
        assert!(d.contains("COPY go.mod go.sum ./"));
        assert!(d.contains("CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/svc ."));
        assert!(d.contains("FROM scratch\n"));
        assert!(d.contains("USER 65532:65532") && d.contains("ENTRYPOINT [\"/svc\"]"));
        assert!(!d.contains("ca-certificates"));
    }

    #[test]
    fn tls_time_zones_and_net_pick_certs_and_tags() {
        let facts = GoFacts {
            uses_tls_client: true,
            uses_timezones: true,
            uses_net: true,
            go_files: 1,
            ..GoFacts::default()
        };
        let d = dockerfile(&module(facts), ".");
        assert!(d.contains("-tags netgo,osusergo,timetzdata"), "{d}");
        assert!(
            d.contains("COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
        );
    }

    #[test]
    fn cgo_keeps_cgo_and_a_glibc_base() {
        let facts = GoFacts {
            uses_cgo: true,
            go_files: 1,
            ..GoFacts::default()
        };
        let d = dockerfile(&module(facts), ".");
        assert!(d.contains("CGO_ENABLED=1 go build"));
        assert!(d.contains("FROM gcr.io/distroless/base-debian12"));
    }

    #[test]
    fn the_output_parses_and_lints_without_errors() {
        let d = dockerfile(&module(GoFacts::default()), "./cmd/api");
        let df = crate::dockerfile::parse(&d);
        let found = crate::dockerfile::lint::lint(
            &df,
            crate::catalog::Catalog::bundled(),
            Some(&GoFacts::default()),
        );
        assert!(
            found
                .iter()
                .all(|x| x.severity != crate::dockerfile::Severity::Error),
            "{found:#?}"
        );
        assert!(d.contains("-o /out/api ./cmd/api"));
    }

    #[test]
    fn main_choice() {
        let mut m = module(GoFacts::default());
        m.mains = vec!["./cmd/a".into(), "./cmd/b".into()];
        let dir = Path::new("/x");
        assert!(matches!(
            choose_main(&m, None, dir),
            Err(InitError::SeveralMains(_))
        ));
        assert_eq!(choose_main(&m, Some("b"), dir), Ok("./cmd/b".into()));
        assert_eq!(choose_main(&m, Some("cmd/a"), dir), Ok("./cmd/a".into()));
        assert!(matches!(
            choose_main(&m, Some("c"), dir),
            Err(InitError::UnknownMain(..))
        ));
    }

    #[test]
    fn a_root_main_beside_helper_mains_is_chosen_and_the_others_are_named() {
        let mut m = module(GoFacts::default());
        m.mains = vec![".".into(), "./scripts/gen".into(), "./scripts/lint".into()];
        let dir = Path::new("/x");
        assert_eq!(choose_main(&m, None, dir), Ok(".".into()));
        assert_eq!(
            choose_main(&m, Some("gen"), dir),
            Ok("./scripts/gen".into())
        );
        let d = dockerfile(&m, ".");
        assert!(
            d.contains("the other main packages here are\n# ./scripts/gen, ./scripts/lint"),
            "{d}"
        );
    }

    #[test]
    fn offline_the_newest_go_on_hand_that_is_new_enough_builds() {
        let mut m = module(GoFacts::default());
        m.go_version = "1.20".into();
        m.go_required = "1.20".into();
        let on_hand = |list: &[(&str, &str)]| -> Vec<GolangOnHand> {
            list.iter()
                .map(|(image, v)| GolangOnHand {
                    image: (*image).into(),
                    go_version: (*v).into(),
                })
                .collect()
        };
        let b = builder_on_hand(
            &m,
            &on_hand(&[
                ("golang:1.19", "1.19.13"),
                ("golang:1.24", "1.24.4"),
                ("golang:1.22", "1.22.1"),
            ]),
        );
        let b = b.unwrap_or_else(|| panic!("nothing chosen"));
        assert_eq!(b.image, "golang:1.24");
        m.builder = b;
        let d = dockerfile(&m, ".");
        assert!(d.contains("FROM golang:1.24 AS builder"), "{d}");
        assert!(
            d.contains(
                "# Builder: the Go toolchain. go.mod asks for Go 1.20, but golang:1.20 is not"
            ),
            "{d}"
        );
        // A toolchain line newer than anything here: nothing fits.
        m.go_required = "1.25.1".into();
        assert_eq!(
            builder_on_hand(&m, &on_hand(&[("golang:1.24", "1.24.4")])),
            None
        );
        assert!(go_version_key("go1.24.4") > go_version_key("1.24"));
        assert!(go_version_key("1.9") < go_version_key("1.10"));
    }

    #[test]
    fn generators_kept_out_by_go_build_ignore_are_not_main_packages() {
        assert!(is_main_source(
            "// Copyright\n\npackage main\n\nfunc main() {}\n"
        ));
        assert!(!is_main_source(
            "// Copyright\n\n//go:build ignore\n\npackage main\n"
        ));
        assert!(!is_main_source("// +build ignore\n\npackage main\n"));
        assert!(is_main_source(
            "//go:build !ignore && linux\n\npackage main\n"
        ));
        assert!(!is_main_source("package lib\n"));
        assert!(!is_main_source(
            "// package main is documented here\npackage lib\n"
        ));
    }

    #[test]
    fn go_work_use_entries_read_as_directories() {
        let work = "go 1.24\n\nuse (\n\t./api // the server\n\t\"./tools/gen\"\n)\n\nuse ./cli\n";
        assert_eq!(go_work_uses(work), vec!["api/", "tools/gen/", "cli/"]);
        assert!(go_work_uses("go 1.24\n").is_empty());
    }

    #[test]
    fn no_mains_names_the_nested_modules() {
        let mut m = module(GoFacts::default());
        m.mains.clear();
        m.nested = vec!["api/".into(), "tools/".into()];
        let said = choose_main(&m, None, Path::new("/x"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(said.contains("/x: no main package"), "{said}");
        assert!(
            said.contains("api/, tools/ have their own go.mod, so they are separate modules"),
            "{said}"
        );
    }
}
