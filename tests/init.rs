//! `dockstage init` on four module layouts: what it writes builds and runs on
//! the real daemon and the program prints what it should.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

/// A module in a temporary directory, removed at the end.
struct Module(support::TempTree);

impl Module {
    fn new(name: &str, files: &[(&str, &str)]) -> Module {
        Module(support::TempTree::new("init", name, files))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn dir(&self) -> String {
        self.0.path().display().to_string()
    }
}

const GO_MOD: &str = "module example.com/app\n\ngo 1.24\n";

/// Builds and runs DIR with dockstage and returns the run's stdout.
fn build_and_run(dir: &str) -> String {
    let out = dockstage(&["build", dir, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "build of {dir} failed:\n{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    v["run"]["stdout"].as_str().unwrap_or_default().to_string()
}

fn init(dir: &str, extra: &[&str]) -> String {
    let mut args = vec!["init", dir];
    args.extend_from_slice(extra);
    let out = dockstage(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_single_main_package() {
    if support::docker_with("init_single", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let m = Module::new(
        "single",
        &[
            ("go.mod", GO_MOD),
            (
                "main.go",
                "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"single ok\") }\n",
            ),
        ],
    );
    init(&m.dir(), &[]);
    let dockerfile = std::fs::read_to_string(m.path().join("Dockerfile")).unwrap_or_default();
    assert!(dockerfile.contains("FROM scratch") && dockerfile.contains("CGO_ENABLED=0"));
    assert_eq!(build_and_run(&m.dir()), "single ok\n");
    // A second init refuses to overwrite, and nothing changes.
    let again = dockstage(&["init", &m.dir()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(m.path().join("Dockerfile")).unwrap_or_default(),
        dockerfile
    );
}

#[tokio::test]
async fn two_commands_under_cmd() {
    if support::docker_with("init_cmd", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let m = Module::new(
        "cmd",
        &[
            ("go.mod", GO_MOD),
            (
                "cmd/a/main.go",
                "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"this is a\") }\n",
            ),
            (
                "cmd/b/main.go",
                "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"this is b\") }\n",
            ),
        ],
    );
    let out = dockstage(&["init", &m.dir()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("./cmd/a, ./cmd/b"));
    assert!(
        !m.path().join("Dockerfile").exists(),
        "nothing is written when the choice is open"
    );
    init(&m.dir(), &["--main", "cmd/b"]);
    assert_eq!(build_and_run(&m.dir()), "this is b\n");
}

#[tokio::test]
async fn a_cgo_program_keeps_cgo_on_a_glibc_base() {
    if support::docker_with(
        "init_cgo",
        &["golang:1.24", "gcr.io/distroless/base-debian12"],
    )
    .await
    .is_none()
    {
        return;
    }
    let main = "package main\n\n/*\nint add(int a, int b) { return a + b; }\n*/\nimport \"C\"\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"cgo\", C.add(2, 3)) }\n";
    let m = Module::new("cgo", &[("go.mod", GO_MOD), ("main.go", main)]);
    let said = init(&m.dir(), &[]);
    assert!(said.contains("cgo"), "{said}");
    let dockerfile = std::fs::read_to_string(m.path().join("Dockerfile")).unwrap_or_default();
    assert!(
        dockerfile.contains("CGO_ENABLED=1") && dockerfile.contains("distroless/base"),
        "{dockerfile}"
    );
    assert_eq!(build_and_run(&m.dir()), "cgo 5\n");
}

#[tokio::test]
async fn tls_and_time_zones_get_certificates_and_tzdata() {
    if support::docker_with("init_tls", &["golang:1.24"])
        .await
        .is_none()
    {
        return;
    }
    let main = "package main\n\nimport (\n\t\"crypto/tls\"\n\t\"crypto/x509\"\n\t\"fmt\"\n\t\"time\"\n)\n\nfunc main() {\n\t_ = tls.Config{}\n\tpool, err := x509.SystemCertPool()\n\tif err != nil {\n\t\tfmt.Println(\"no cert pool\")\n\t\treturn\n\t}\n\t_, tzErr := time.LoadLocation(\"Europe/Berlin\")\n\tfmt.Printf(\"certs=%d tz=%v\\n\", len(pool.Subjects()), tzErr == nil)\n}\n";
    let m = Module::new("tls", &[("go.mod", GO_MOD), ("main.go", main)]);
    init(&m.dir(), &[]);
    let out = build_and_run(&m.dir());
    let certs: usize = out
        .trim()
        .strip_prefix("certs=")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(certs > 100, "{out}");
    assert!(out.contains("tz=true"), "{out}");
}

/// The shape of real modules: the module root is the main package (what
/// `go install module@latest` builds), helper mains sit in scripts/, and
/// go.mod's `go` line is older than the golang image on hand. Offline, init
/// picks the root and the Go that is here, and the file builds unedited.
#[tokio::test]
async fn a_root_main_with_helpers_and_an_old_go_line_builds_offline_unedited() {
    let test = "init_root_main_old_go";
    let Some(engine) = support::docker_with(test, &["golang:1.24"]).await else {
        return;
    };
    if engine.docker().inspect_image("golang:1.20").await.is_ok() {
        eprintln!("skipping {test}: golang:1.20 is on this machine, so init keeps the pin");
        return;
    }
    let m = Module::new(
        "rootmain",
        &[
            ("go.mod", "module example.com/tool\n\ngo 1.20\n"),
            (
                "main.go",
                "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"root main\\n\") }\n",
            ),
            ("scripts/gen/main.go", "package main\n\nfunc main() {}\n"),
            (
                "scripts/release/main.go",
                "package main\n\nfunc main() {}\n",
            ),
        ],
    );
    let said = init(&m.dir(), &[]);
    assert!(said.contains("main package ."), "{said}");
    assert!(
        said.contains("other main packages: ./scripts/gen, ./scripts/release (choose"),
        "{said}"
    );
    assert!(
        said.contains("builder golang:1.24: go.mod asks for Go 1.20"),
        "{said}"
    );
    let dockerfile = std::fs::read_to_string(m.path().join("Dockerfile")).unwrap_or_default();
    assert!(
        dockerfile.contains("FROM golang:1.24 AS builder"),
        "{dockerfile}"
    );
    assert_eq!(build_and_run(&m.dir()), "root main\n");
}
