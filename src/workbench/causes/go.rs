//! Recognisers for what the go command says when it cannot build: no
//! module, a newer Go, a missing go.sum entry, a package path that is not
//! there, or code that does not compile.

use crate::workbench::explain::{Evidence, Found};

/// `go: go.mod requires go >= 1.25 (running go 1.24.4; GOTOOLCHAIN=local)`,
/// or, with GOTOOLCHAIN=auto offline, the toolchain download that fails.
pub fn version_too_new(e: &Evidence) -> Option<Found> {
    let line = e.find(&[
        "requires go >=",
        "toolchain not available",
        "go: downloading go1.",
    ])?;
    let hint = required_and_running(line).map(|(wanted, running)| {
        format!(
            "go.mod needs Go {wanted} and the builder has Go {running}: use a builder image with \
             Go {wanted} (FROM golang:{wanted}), or lower the `go` line of go.mod (and drop a \
             `toolchain` line) to {running}"
        )
    });
    Some(Found {
        detail: line.to_string(),
        hint,
    })
}

/// `requires go >= 1.25 (running go 1.24.4; …)` → (`1.25`, `1.24.4`).
fn required_and_running(line: &str) -> Option<(String, String)> {
    let after = |needle: &str| -> Option<String> {
        let rest = &line[line.find(needle)? + needle.len()..];
        let version: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        (!version.is_empty()).then_some(version)
    };
    Some((after("requires go >= ")?, after("running go ")?))
}

pub fn no_go_mod(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&[
        "go.mod file not found in current directory or any parent directory",
        "cannot find main module",
    ])?)
}

pub fn missing_go_sum(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&["missing go.sum entry"])?)
}

/// The go command's ways of saying the package path leads nowhere.
pub fn main_package_not_found(e: &Evidence) -> Option<Found> {
    Found::line(e.find(&[
        "no Go files in",
        "cannot find package",
        "outside main module",
        "is not in std",
        ": directory not found",
        "no required module provides package",
        "matched no packages",
        "is not a main package",
    ])?)
}

/// Compiler messages that come without a position only when the builder cut the line short.
const COMPILE_NEEDLES: &[&str] = &[
    "undefined:",
    "syntax error",
    "declared and not used",
    "imported and not used",
];

pub fn compile_error(e: &Evidence) -> Option<Found> {
    let positioned: Vec<&str> = e
        .lines
        .iter()
        .map(String::as_str)
        .filter(|l| compiler_position(l))
        .collect();
    let detail = match positioned.as_slice() {
        [] => e.find(COMPILE_NEEDLES)?.to_string(),
        [only] => (*only).to_string(),
        [first, rest @ ..] => format!(
            "{first} (and {} more error{})",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    };
    Found::line(detail)
}

/// Whether a line starts like the Go compiler's `./main.go:5:2: …`:
/// a .go file, a line and a column. Test failures (`x_test.go:12: …`)
/// have no column, so they do not count.
fn compiler_position(line: &str) -> bool {
    let Some(at) = line.find(".go:") else {
        return false;
    };
    if line[..at].contains(char::is_whitespace) {
        return false;
    }
    let mut parts = line[at + ".go:".len()..].splitn(3, ':');
    let number =
        |p: Option<&str>| p.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_some_and(|m| m.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versions_are_read_from_the_go_command() {
        let line = "go: go.mod requires go >= 1.25 (running go 1.24.4; GOTOOLCHAIN=local)";
        let found = version_too_new(&Evidence::build(&[line.to_string()], "exit code: 1"));
        let hint = found.and_then(|f| f.hint).unwrap_or_default();
        assert!(
            hint.starts_with("go.mod needs Go 1.25 and the builder has Go 1.24.4")
                && hint.contains("golang:1.25"),
            "{hint}"
        );
    }
}
