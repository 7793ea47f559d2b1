//! Recognisers for downloads that need a network this machine does not
//! have: Go modules, OS packages, or anything else a step fetches.

use crate::workbench::explain::{Evidence, Found};

/// Lines that say a download could not reach its server.
const OFFLINE_NEEDLES: &[&str] = &[
    "module lookup disabled by GOPROXY=off",
    "Temporary failure resolving",
    "Temporary failure in name resolution",
    "Could not resolve",
    "no such host",
    "network is unreachable",
    "DNS lookup error",
    "dial tcp",
    "bad address",
    "Name or service not known",
];

const PACKAGE_TOOLS: &[&str] = &["apt-get", "apt", "apk", "yum", "dnf", "microdnf"];

fn offline_line(e: &Evidence) -> Option<&str> {
    e.find(OFFLINE_NEEDLES)
}

/// Whether the download was Go's: the go command said so, or the step runs it.
fn by_go(e: &Evidence, line: &str) -> bool {
    line.starts_with("go: ")
        || line.contains("GOPROXY")
        || line.contains("golang.org")
        || e.lines
            .iter()
            .any(|l| l.starts_with("go: ") && l.contains('@'))
        || e.runs("go")
}

fn by_package_tool(e: &Evidence, line: &str) -> bool {
    PACKAGE_TOOLS.iter().any(|t| e.runs(t)) || line.contains("Temporary failure resolving")
}

pub fn go_modules(e: &Evidence) -> Option<Found> {
    let line = offline_line(e)?;
    by_go(e, line)
        .then(|| line.to_string())
        .and_then(Found::line)
}

pub fn packages(e: &Evidence) -> Option<Found> {
    let line = offline_line(e)?;
    (!by_go(e, line) && by_package_tool(e, line))
        .then(|| line.to_string())
        .and_then(Found::line)
}

pub fn anything(e: &Evidence) -> Option<Found> {
    Found::line(offline_line(e)?)
}
