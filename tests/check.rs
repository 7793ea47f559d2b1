//! `dockstage check DIR`, the CI gate, through the real binary: bad input
//! is exit 2 before anything is built; against the daemon, the hello example
//! passes a gate it fits, fails `--max-size 1MB` with its figure and limit,
//! and reads the project's `.dockstage-check.toml`, which flags override.

mod support;

use std::process::{Command, Output};

use support::TempTree;

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn hello() -> String {
    support::example_dir("hello").display().to_string()
}

/// The hello example copied to a temporary directory, plus `extra` files.
fn hello_copy(name: &str, extra: &[(&str, &str)]) -> TempTree {
    let dir = support::example_dir("hello");
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let (dockerfile, gomod, main) = (read("Dockerfile"), read("go.mod"), read("main.go"));
    let mut files = vec![
        ("Dockerfile", dockerfile.as_str()),
        ("go.mod", gomod.as_str()),
        ("main.go", main.as_str()),
    ];
    files.extend_from_slice(extra);
    TempTree::new("check", name, &files)
}

#[test]
fn a_bad_value_is_exit_2_naming_the_flag_and_how_to_write_it() {
    for (args, says) in [
        (
            vec!["--max-size", "twenty"],
            "--max-size \"twenty\" is not a size",
        ),
        (
            vec!["--min-efficiency", "90"],
            "--min-efficiency \"90\" is not an efficiency",
        ),
        (
            vec!["--lint", "info"],
            "--lint \"info\" is not a lint level",
        ),
    ] {
        let dir = hello();
        let mut all = vec!["check", dir.as_str()];
        all.extend(args.iter().copied());
        let out = dockstage(&all);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "nothing judged: {stdout}");
    }
}

#[test]
fn no_directory_no_dockerfile_and_no_rules_are_exit_2() {
    let out = dockstage(&["check", "/no/such/dir", "--max-size", "1MB"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("not a directory"));

    let empty = TempTree::new("check", "empty", &[("README", "no Dockerfile")]);
    let out = dockstage(&[
        "check",
        &empty.path().display().to_string(),
        "--max-size",
        "1MB",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("no Dockerfile"), "{}", text(&out).1);

    let out = dockstage(&["check", &hello()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("no rules to check"),
        "{}",
        text(&out).1
    );
}

#[test]
fn a_typo_in_the_rules_file_is_exit_2_naming_the_file_and_key() {
    let tree = hello_copy(
        "typo",
        &[(".dockstage-check.toml", "max_sise = \"20MB\"\n")],
    );
    let out = dockstage(&["check", &tree.path().display().to_string()]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(".dockstage-check.toml"), "{stderr}");
    assert!(stderr.contains("max_sise"), "{stderr}");
}

#[test]
fn lint_alone_needs_no_build_and_fails_on_a_misspelt_base() {
    let tree = TempTree::new(
        "check",
        "lint",
        &[("Dockerfile", "FROM stratch\nCOPY app /app\n")],
    );
    let out = dockstage(&[
        "check",
        &tree.path().display().to_string(),
        "--lint",
        "error",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("FAIL  lint"), "{stdout}");
    assert!(stdout.contains("limit: no errors"), "{stdout}");
    assert!(stdout.contains("scratch"), "the finding is shown: {stdout}");
}

#[tokio::test]
async fn the_hello_example_passes_a_gate_it_fits_and_fails_max_size_1mb() {
    let test = "the_hello_example_passes_a_gate_it_fits_and_fails_max_size_1mb";
    if support::docker_with(test, &["golang:1.24", "debian:bookworm-slim"])
        .await
        .is_none()
    {
        return;
    }
    let dir = hello();
    let out = dockstage(&[
        "check",
        &dir,
        "--max-size",
        "200MB",
        "--min-efficiency",
        "90%",
        "--max-wasted",
        "10MB",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for line in ["pass  image size", "pass  efficiency", "pass  wasted bytes"] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    assert!(stdout.contains("limit: at most 200.0 MB"), "{stdout}");
    assert!(stdout.contains("passed: 3 of 3 rules"), "{stdout}");

    let out = dockstage(&["check", &dir, "--max-size", "1MB", "--format", "json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(json["passed"], false);
    let check = &json["checks"][0];
    assert_eq!(check["rule"], "max_size");
    assert_eq!(check["limit"], "at most 1.0 MB");
    assert_eq!(check["threshold"], 1_000_000.0);
    let size = json["image"]["size_bytes"].as_u64().unwrap_or(0);
    assert!(size > 50_000_000, "debian-slim and the binary: {size}");
    assert_eq!(check["value"].as_f64(), Some(size as f64));
}

#[tokio::test]
async fn the_rules_file_is_read_and_a_flag_overrides_it() {
    let test = "the_rules_file_is_read_and_a_flag_overrides_it";
    if support::docker_with(test, &["golang:1.24", "debian:bookworm-slim"])
        .await
        .is_none()
    {
        return;
    }
    let tree = hello_copy(
        "rules",
        &[(
            ".dockstage-check.toml",
            "max_size = \"1MB\"\nmin_efficiency = \"50%\"\n",
        )],
    );
    let dir = tree.path().display().to_string();
    let out = dockstage(&["check", &dir]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains(".dockstage-check.toml"), "{stdout}");
    assert!(stdout.contains("FAIL  image size"), "{stdout}");
    assert!(stdout.contains("limit: at most 1.0 MB"), "{stdout}");
    assert!(stdout.contains("pass  efficiency"), "{stdout}");

    let out = dockstage(&["check", &dir, "--max-size", "1GB"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("limit: at most 1.0 GB"), "{stdout}");
    assert!(stdout.contains("passed: 2 of 2 rules"), "{stdout}");
}
