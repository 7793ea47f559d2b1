//! Bad input to `dockstage init` and `dockstage build`: each gets one clear
//! message naming the cause, and nothing is left half-written.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A directory of files in the temporary directory, removed at the end.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str, files: &[(&str, &str)]) -> Tree {
        let dir = std::env::temp_dir().join(format!("dockstage-bad-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for (path, text) in files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        }
        Tree(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn dir(&self) -> String {
        self.0.display().to_string()
    }

    /// The names directly inside, sorted.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn go_mod(path: &str) -> String {
    format!("module {path}\n\ngo 1.24\n")
}

const HELLO: &str = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n";

#[test]
fn init_without_go_mod_names_the_cause() {
    let t = Tree::new("nomod", &[("main.go", HELLO)]);
    let out = dockstage(&["init", &t.dir()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("no go.mod in {}", t.dir())) && said.contains("go mod init"),
        "{said}"
    );
    assert_eq!(t.entries(), ["main.go"], "nothing is written");
}

#[test]
fn init_above_several_modules_lists_them() {
    let a = go_mod("example.com/a");
    let b = go_mod("example.com/b");
    let hidden = go_mod("example.com/hidden");
    let t = Tree::new(
        "several",
        &[
            ("README.md", "two services\n"),
            ("a/go.mod", &a),
            ("a/main.go", HELLO),
            ("services/b/go.mod", &b),
            ("services/b/main.go", HELLO),
            (".git/x/go.mod", &hidden),
            ("vendor/y/go.mod", &hidden),
            ("node_modules/z/go.mod", &hidden),
        ],
    );
    let out = dockstage(&["init", &t.dir()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!(
            "no go.mod in {}; found Go modules in: a/, services/b/; run dockstage init on one of them",
            t.dir()
        )),
        "{said}"
    );
    assert!(!t.path().join("Dockerfile").exists());
}

#[test]
fn init_in_a_workspace_lists_its_use_entries() {
    let api = go_mod("example.com/api");
    let cli = go_mod("example.com/cli");
    let t = Tree::new(
        "work",
        &[
            ("go.work", "go 1.24\n\nuse (\n\t./api\n\t./cli\n)\n"),
            ("api/go.mod", &api),
            ("api/main.go", HELLO),
            ("cli/go.mod", &cli),
            ("cli/main.go", HELLO),
        ],
    );
    let out = dockstage(&["init", &t.dir()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(
            "go.work lists the Go modules: api/, cli/; run dockstage init on one of them"
        ),
        "{said}"
    );
    assert!(!t.path().join("Dockerfile").exists());
}

#[test]
fn nested_modules_are_not_main_packages_of_the_root() {
    let root = go_mod("example.com/app");
    let tools = go_mod("example.com/app/tools");
    let t = Tree::new(
        "nested",
        &[
            ("go.mod", &root),
            ("main.go", HELLO),
            ("tools/go.mod", &tools),
            ("tools/gen/main.go", HELLO),
        ],
    );
    let out = dockstage(&["init", &t.dir()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("main package .\n"), "{said}");
    let dockerfile = std::fs::read_to_string(t.path().join("Dockerfile")).unwrap_or_default();
    assert!(dockerfile.contains("-o /out/app .\n"), "{dockerfile}");

    // A root with no main of its own points at the modules below it.
    let lib = Tree::new(
        "nested-lib",
        &[
            ("go.mod", &root),
            ("lib.go", "package app\n"),
            ("tools/go.mod", &tools),
            ("tools/gen/main.go", HELLO),
        ],
    );
    let out = dockstage(&["init", &lib.dir()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("no main package"), "{said}");
    assert!(
        said.contains("tools/ has its own go.mod, so it is a separate module"),
        "{said}"
    );
    assert!(!lib.path().join("Dockerfile").exists());
}

#[test]
fn init_writes_both_files_or_neither() {
    let root = go_mod("example.com/app");
    let t = Tree::new("atomic", &[("go.mod", &root), ("main.go", HELLO)]);
    // A directory where .dockerignore goes makes the second file fail
    // after the Dockerfile could have been written.
    std::fs::create_dir(t.path().join(".dockerignore")).unwrap_or_else(|e| panic!("{e}"));
    let out = dockstage(&["init", &t.dir(), "--force"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(".dockerignore: cannot write") && said.contains("nothing was written"),
        "{said}"
    );
    assert_eq!(
        t.entries(),
        [".dockerignore", "go.mod", "main.go"],
        "no Dockerfile and no temporary file is left"
    );

    // Under --force an existing Dockerfile gets its old bytes back.
    std::fs::write(t.path().join("Dockerfile"), "FROM mine\n").unwrap_or_else(|e| panic!("{e}"));
    let out = dockstage(&["init", &t.dir(), "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(t.path().join("Dockerfile")).unwrap_or_default(),
        "FROM mine\n"
    );
    assert_eq!(
        t.entries(),
        [".dockerignore", "Dockerfile", "go.mod", "main.go"]
    );
}

/// Runs `init` then `build` on `t`, which must fail; returns (stderr, stdout of a JSON build).
fn failing_build(t: &Tree) -> (String, serde_json::Value) {
    let out = dockstage(&["init", &t.dir()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = dockstage(&["build", &t.dir(), "--no-run"]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "the build must fail:\n{said}");
    let json = dockstage(&["build", &t.dir(), "--no-run", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
    let v = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&json.stdout),
            stderr(&json)
        )
    });
    (said, v)
}

#[tokio::test]
async fn a_module_that_does_not_compile_names_the_compiler_error() {
    if support::docker_with("bad_compile", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let root = go_mod("example.com/bad");
    let t = Tree::new(
        "compile",
        &[
            ("go.mod", &root),
            (
                "main.go",
                "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(foo)\n}\n",
            ),
        ],
    );
    let (said, v) = failing_build(&t);
    assert!(
        said.contains("why: the Go code does not compile (line ")
            && said.contains("go build")
            && said.contains("./main.go:6:14: undefined: foo"),
        "{said}"
    );
    let why = &v["explanation"];
    assert_eq!(why["cause"], "the Go code does not compile", "{v}");
    assert_eq!(why["detail"], "./main.go:6:14: undefined: foo", "{v}");
    assert_eq!(v["failed"], true);
    assert!(v["line"].as_u64().is_some(), "{v}");
}

#[tokio::test]
async fn a_dependency_offline_says_the_network_is_needed() {
    if support::docker_with("bad_offline", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let root = "module example.com/dep\n\ngo 1.24\n\nrequire github.com/pkg/errors v0.9.1\n";
    let t = Tree::new(
        "offline",
        &[
            ("go.mod", root),
            (
                "main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/pkg/errors\"\n)\n\nfunc main() { fmt.Println(errors.New(\"x\")) }\n",
            ),
        ],
    );
    let (said, v) = failing_build(&t);
    assert!(
        said.contains(
            "why: the build needs the network to download Go modules, and this machine is offline"
        ) && said.contains("github.com/pkg/errors"),
        "{said}"
    );
    assert!(
        said.contains("hint: ") && said.contains("go mod vendor"),
        "{said}"
    );
    let why = &v["explanation"];
    assert!(
        why["detail"]
            .as_str()
            .is_some_and(|d| d.contains("github.com/pkg/errors@v0.9.1")),
        "{v}"
    );
}

#[test]
fn a_directory_without_a_dockerfile_says_what_to_do() {
    let module = Tree::new("nodockerfile", &[("go.mod", &go_mod("example.com/m"))]);
    let empty = Tree::new("nothing", &[("README", "hi\n")]);
    for command in ["build", "matrix"] {
        let out = dockstage(&[command, &module.dir()]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let said = stderr(&out);
        assert!(
            said.contains("no Dockerfile") && said.contains("dockstage init"),
            "{command}: {said}"
        );
        let out = dockstage(&[command, &empty.dir()]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            stderr(&out).contains("no Dockerfile and no go.mod"),
            "{command}: {}",
            stderr(&out)
        );
    }
    let out = dockstage(&["tune", &empty.dir()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Dockerfile and no go.mod"),
        "{}",
        stderr(&out)
    );
    assert_eq!(empty.entries(), ["README"], "nothing may be written");
}
