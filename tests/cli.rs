//! The graph, lint and edit commands as scripts see them: output contracts,
//! exit statuses and one clear line for bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn dockstage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockstage: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn example(name: &str) -> String {
    format!(
        "{}/assets/examples/{name}/Dockerfile",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A scratch directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dockstage-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Self(dir)
    }

    fn write(&self, name: &str, text: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MULTI: &str = "\
FROM golang:1.24 AS builder
RUN go build -o /app .
FROM builder AS test
RUN go test ./...
FROM scratch
COPY --from=builder /app /app
ENTRYPOINT [\"/app\"]
";

#[test]
fn graph_json_follows_the_contract() {
    let dir = TempDir::new("graph");
    let file = dir.write("Dockerfile", MULTI.as_bytes());
    let out = dockstage(&["graph", &file, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let stages = v["stages"].as_array().cloned().unwrap_or_default();
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[0]["index"], 0);
    assert_eq!(stages[0]["name"], "builder");
    assert_eq!(stages[0]["base"], "golang:1.24");
    assert_eq!(stages[1]["base_stage"], 0);
    assert_eq!(stages[2]["line"], 5);
    assert_eq!(v["target"], 2);
    assert_eq!(v["unused"], serde_json::json!([1]));
    let edges = v["edges"].as_array().cloned().unwrap_or_default();
    assert!(
        edges.contains(&serde_json::json!({"from": 0, "to": 2, "kind": "copy", "line": 6})),
        "{edges:?}"
    );
    assert!(
        edges.contains(
            &serde_json::json!({"from": "golang:1.24", "to": 0, "kind": "from", "line": 1})
        )
    );
}

#[test]
fn graph_text_marks_target_and_skipped_stages() {
    let dir = TempDir::new("graphtext");
    let file = dir.write("Dockerfile", MULTI.as_bytes());
    let out = dockstage(&["graph", &file]);
    let text = stdout(&out);
    assert!(
        text.contains("[2] stage-2") && text.contains("★ target"),
        "{text}"
    );
    assert!(
        text.contains("[1] test") && text.contains("not needed by the target"),
        "{text}"
    );
    assert!(
        text.contains("COPY --from") && text.contains("[0] builder"),
        "{text}"
    );
}

#[test]
fn graph_reports_unknown_stages_and_cycles() {
    let dir = TempDir::new("cycle");
    let file = dir.write(
        "Dockerfile",
        b"FROM a:1 AS one\nCOPY --from=two /x /x\nFROM b:1 AS two\nCOPY --from=one /y /y\nCOPY --from=thre /z /z\n",
    );
    let v = json(&dockstage(&["graph", &file, "--format", "json"]));
    let rules: Vec<String> = v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["rule"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(rules.contains(&"StageCycle".to_string()), "{rules:?}");
    assert!(rules.contains(&"UnknownStage".to_string()), "{rules:?}");
}

#[test]
fn lint_text_reads_like_a_compiler_and_exits_1_on_errors() {
    let dir = TempDir::new("lint");
    let file = dir.write(
        "Dockerfile",
        b"FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM stratch\nCOPY --from=b /a /a\n",
    );
    let out = dockstage(&["lint", &file]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{file}:3:6: error[MisspeltBase]: ")),
        "{text}"
    );
    assert!(
        text.contains("3 | FROM stratch\n  |      ^^^^^^^\n  = fix: use `scratch`"),
        "{text}"
    );
}

#[test]
fn lint_json_follows_the_contract_and_exits_0_without_errors() {
    let out = dockstage(&["lint", &example("hello"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json(&out);
    for d in v["diagnostics"].as_array().into_iter().flatten() {
        for key in ["rule", "severity", "line", "column", "message"] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
        assert_ne!(d["severity"], "error");
    }
}

#[test]
fn lint_reads_the_go_sources_beside_the_dockerfile() {
    let dir = TempDir::new("tls");
    dir.write(
        "main.go",
        b"package main\nimport \"net/http\"\nfunc main() { http.Get(\"https://example.com\") }\n",
    );
    let file = dir.write(
        "Dockerfile",
        b"FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
    );
    let with = stdout(&dockstage(&["lint", &file]));
    assert!(with.contains("MissingCaCertificates"), "{with}");
    let without = stdout(&dockstage(&["lint", &file, "--no-source-scan"]));
    assert!(!without.contains("MissingCaCertificates"), "{without}");
}

#[test]
fn edit_prints_without_write_and_writes_with_it() {
    let dir = TempDir::new("edit");
    let original = std::fs::read_to_string(example("hello")).unwrap_or_default();
    let file = dir.write("Dockerfile", original.as_bytes());
    let out = dockstage(&["edit", &file, "--base", "scratch", "--set", "strip=on"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("FROM scratch\n"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_default(),
        original,
        "changed without --write"
    );
    let out = dockstage(&["edit", &file, "--set", "trimpath=on", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        written.contains("go build -trimpath -o /hello ."),
        "{written}"
    );
    let out = dockstage(&["edit", &file, "--set", "trimpath=off", "--write"]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), original);
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn edit_without_changes_shows_every_toggle() {
    let out = dockstage(&["edit", &example("hello"), "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["base"], "debian-slim");
    assert_eq!(v["toggles"].as_array().map(Vec::len), Some(8));
}

#[test]
fn a_toggle_that_cannot_apply_exits_2_and_says_why() {
    let dir = TempDir::new("na");
    let file = dir.write("Dockerfile", b"FROM alpine:3.20\nRUN echo hi\n");
    let out = dockstage(&["edit", &file, "--set", "strip=on"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "dockstage: strip=on cannot apply: no `go build` in the builder stage\n"
    );
    let out = dockstage(&["edit", &file, "--set", "strp=on"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `strip`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    let dir = TempDir::new("bad");
    let binary = dir.write("binary", &[0x7f, b'E', b'L', b'F', 0, 1, 2]);
    let latin1 = dir.write("latin1", b"FROM caf\xe9\n");
    let missing = dir.0.join("missing").display().to_string();
    let folder = dir.0.display().to_string();
    for cmd in ["graph", "lint", "edit"] {
        for (path, what) in [
            (&missing, "no such file"),
            (&folder, "is a directory"),
            (&binary, "not a text file"),
            (&latin1, "not a text file"),
        ] {
            let out = dockstage(&[cmd, path]);
            assert_eq!(out.status.code(), Some(2), "{cmd} {path}");
            let err = stderr(&out);
            assert_eq!(err.lines().count(), 1, "{cmd} {path}: {err}");
            assert!(err.contains(what), "{cmd} {path}: {err}");
        }
    }
}

#[test]
fn malformed_files_get_located_diagnostics_not_crashes() {
    let dir = TempDir::new("malformed");
    let file = dir.write(
        "Dockerfile",
        b"FROM\nRUN <<EOF\necho never closed\nCOPY --from= a\nFROM x AS\n",
    );
    let out = dockstage(&["lint", &file, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
    assert!(!diags.is_empty());
    assert!(
        diags
            .iter()
            .all(|d| d["line"].as_u64().is_some_and(|l| l >= 1)
                && d["column"].as_u64().is_some_and(|c| c >= 1))
    );
}

#[test]
fn a_one_megabyte_dockerfile_parses() {
    let dir = TempDir::new("big");
    let stage = std::fs::read_to_string(example("hello")).unwrap_or_default();
    let mut text = String::new();
    let mut copies = 0;
    while text.len() < 1_048_576 {
        text.push_str(&stage);
        copies += 1;
    }
    let file = dir.write("Dockerfile", text.as_bytes());
    let out = dockstage(&["graph", &file, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json(&out)["stages"].as_array().map(Vec::len),
        Some(copies * 2)
    );
}

#[test]
fn help_teaches_with_examples_and_exit_codes() {
    let top = stdout(&dockstage(&["--help"]));
    assert!(
        top.contains("Examples:") && top.contains("Exit status:"),
        "{top}"
    );
    for cmd in ["graph", "lint", "edit"] {
        let help = stdout(&dockstage(&[cmd, "--help"]));
        assert!(help.contains("Examples:"), "{cmd}: {help}");
        assert!(help.contains("Exit status:"), "{cmd}: {help}");
    }
    let rules = stdout(&dockstage(&["lint", "--rules"]));
    assert!(
        rules.lines().filter(|l| l.starts_with("  ")).count() >= 12,
        "{rules}"
    );
}
