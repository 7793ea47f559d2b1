//! `dockstage init`: a good multi-stage Dockerfile for a Go module, chosen
//! from what the module's sources need, with a comment on every line saying
//! why it is there.

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

mod builder;
mod dockerfile;
mod layout;

pub use builder::{
    Builder, GolangOnHand, builder_none_new_enough, builder_on_hand, go_version_key,
};
pub use dockerfile::dockerfile;
use layout::collect_mains;
#[cfg(test)]
use layout::is_main_source;
pub use layout::{go_work_uses, nested_modules};

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
