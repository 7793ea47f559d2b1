//! `--expect` means what it says: the text on stdout or stderr, whatever the
//! exit code, unless `--expect-exit N` asks for an exit code too. Checked on
//! the real daemon with a program that prints its usage and exits 1, as
//! command-line tools do when run with no arguments.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Project(PathBuf);

impl Project {
    fn usage_tool(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dockstage-expect-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let main_go = "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\t\
                       fmt.Fprintln(os.Stderr, \"usage: goawk [-F fs] 'prog' [file ...]\")\n\t\
                       os.Exit(1)\n}\n";
        let dockerfile = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod main.go ./\n\
                          RUN CGO_ENABLED=0 go build -o /goawk .\n\nFROM busybox:stable\n\
                          COPY --from=builder /goawk /goawk\nENTRYPOINT [\"/goawk\"]\n";
        for (name, text) in [
            ("go.mod", "module example.com/goawk\n\ngo 1.24\n"),
            ("main.go", main_go),
            ("Dockerfile", dockerfile),
        ] {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
        Self(dir)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dockstage(command: &str, dir: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .arg(command)
        .arg(dir)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn ready(test: &str) -> bool {
    support::docker_with(test, &["golang:1.24", "busybox:stable"])
        .await
        .is_some()
}

#[tokio::test]
async fn tune_takes_a_run_that_prints_the_text_and_exits_1() {
    if !ready("expect_tune").await {
        return;
    }
    let project = Project::usage_tool("tune");
    let args = ["--bases", "scratch,busybox", "--expect", "usage: goawk"];
    let (code, stdout, stderr) = dockstage("tune", &project.0, &args);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("(any exit code)"), "{stdout}");
    assert!(stdout.contains("scratch"), "{stdout}");
    // Asking for exit code 0 as well: as written it exits 1, so nothing matches.
    let args = [&args[..], &["--expect-exit", "0"]].concat();
    let (code, stdout, stderr) = dockstage("tune", &project.0, &args);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("exit code 0 and output containing “usage: goawk”"),
        "{stdout}"
    );
}

#[tokio::test]
async fn matrix_stars_by_the_text_and_by_the_exit_code_when_asked() {
    if !ready("expect_matrix").await {
        return;
    }
    let project = Project::usage_tool("matrix");
    let base = ["--bases", "scratch", "--expect", "usage: goawk"];
    let (code, stdout, stderr) = dockstage("matrix", &project.0, &base);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("★ scratch"), "{stdout}");
    assert!(stdout.contains("(any exit code)"), "{stdout}");
    let (code, stdout, _) = dockstage(
        "matrix",
        &project.0,
        &[&base[..], &["--expect-exit", "1"]].concat(),
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("★ scratch"), "{stdout}");
    let (code, stdout, _) = dockstage(
        "matrix",
        &project.0,
        &[&base[..], &["--expect-exit", "0"]].concat(),
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        !stdout.contains('★') || stdout.contains("; ★ is"),
        "{stdout}"
    );
    assert!(!stdout.contains("★ scratch"), "{stdout}");
}

#[test]
fn help_says_whether_the_exit_code_counts() {
    for command in ["matrix", "tune"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
            .args([command, "--help"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--expect-exit <N>"), "{command}: {help}");
        assert!(help.contains("whatever its exit code"), "{command}: {help}");
    }
}
