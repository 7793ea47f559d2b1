//! Why a build step or a run failed, in the user's words, with what to do.
//! Builders only say `exit code: 1` and runtimes `exit 127`; the cause is in
//! the output, where a Go developer would look. Every known cause lives in
//! one table (`causes::CAUSES`), so `build`, `tune` and the workbench explain
//! the same failure the same way, and the count of causes is the count of
//! rows.

use std::fmt;

use serde::Serialize;

use super::causes::CAUSES;
use crate::catalog::{Catalog, RuntimeBase};
use crate::dockerfile::edit::{Change, Toggle};
use crate::dockerfile::{Dockerfile, StageGraph};

/// When a failure happened. Some causes show only in one of them (a compile
/// error while building, missing CA certificates while running), some in
/// both (no shell: a RUN or a shell-form CMD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Build,
    Run,
}

/// What a failure left to read.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Output lines, trimmed and non-empty, in the order they were printed:
    /// a step's log then the builder's error, or a run's stderr then the
    /// runtime's error.
    pub lines: Vec<String>,
    /// Build: the failing instruction, e.g. `RUN apk add git`.
    pub instruction: Option<String>,
    /// Run: what the last HEALTHCHECK probe printed.
    pub health: Option<String>,
    /// The image the failing stage (or the final image) rests on.
    pub base: Option<String>,
    /// That image is an offline stand-in, which may lack what the real one has.
    pub base_standin: bool,
    pub exit_code: Option<i64>,
    pub phase: Option<Phase>,
}

impl Evidence {
    /// Evidence from a run: its stderr and the runtime's own error.
    pub fn run(texts: &[&str]) -> Self {
        Self {
            lines: split_lines(texts),
            phase: Some(Phase::Run),
            ..Self::default()
        }
    }

    /// Evidence from a build step: its output and the builder's error.
    pub fn build(log: &[String], message: &str) -> Self {
        let texts: Vec<&str> = log
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(message))
            .collect();
        Self {
            lines: split_lines(&texts),
            phase: Some(Phase::Build),
            ..Self::default()
        }
    }

    /// The catalog's facts about the base, when it is a catalog image.
    pub fn catalog_base(&self) -> Option<&'static RuntimeBase> {
        Catalog::bundled().base_for_image(self.base.as_deref()?)
    }

    /// The first line containing any of `needles`.
    pub fn find(&self, needles: &[&str]) -> Option<&str> {
        self.lines
            .iter()
            .map(String::as_str)
            .find(|l| needles.iter().any(|n| l.contains(n)))
    }

    /// Whether the failing instruction runs `tool` as a command word.
    pub fn runs(&self, tool: &str) -> bool {
        self.instruction
            .as_deref()
            .is_some_and(|i| i.split_whitespace().any(|w| w == tool))
    }
}

fn split_lines(texts: &[&str]) -> Vec<String> {
    texts
        .iter()
        .flat_map(|t| t.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a cause's recogniser found: the line that shows it and, when the
/// advice depends on the case (which command, which base), that advice.
pub struct Found {
    pub detail: String,
    pub hint: Option<String>,
}

impl Found {
    pub fn line(detail: impl Into<String>) -> Option<Found> {
        Some(Found {
            detail: detail.into(),
            hint: None,
        })
    }

    pub fn with_hint(detail: impl Into<String>, hint: String) -> Option<Found> {
        Some(Found {
            detail: detail.into(),
            hint: Some(hint),
        })
    }
}

/// A known cause: how to recognise it and what to do about it.
pub struct Cause {
    /// Stable id, as JSON and tests name it.
    pub id: &'static str,
    /// The cause in the user's words.
    pub title: &'static str,
    pub phases: &'static [Phase],
    /// What to do, when the recogniser has nothing more specific.
    pub hint: &'static str,
    /// The toggle that fixes it, when one does.
    pub fix: Option<(Toggle, bool)>,
    pub find: fn(&Evidence) -> Option<Found>,
}

/// Why something failed and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub id: &'static str,
    pub cause: &'static str,
    /// Where: `line 14: RUN go build …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The line of output that shows the cause, as the tool printed it.
    pub detail: String,
    pub hint: String,
    /// The change that fixes it, when one toggle does.
    #[serde(serialize_with = "change_text")]
    pub fix: Option<Change>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "{} ({step}): {}", self.cause, self.detail),
            None => write!(f, "{}: {}", self.cause, self.detail),
        }
    }
}

fn change_text<S: serde::Serializer>(c: &Option<Change>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.to_string()),
        None => s.serialize_none(),
    }
}

/// The first known cause the evidence shows, in table order (specific
/// causes come before the general ones they would also match).
pub fn explain(evidence: &Evidence) -> Option<Explanation> {
    CAUSES
        .iter()
        .filter(|c| evidence.phase.is_none_or(|p| c.phases.contains(&p)))
        .find_map(|c| {
            let found = (c.find)(evidence)?;
            Some(Explanation {
                id: c.id,
                cause: c.title,
                step: None,
                detail: found.detail,
                hint: found.hint.unwrap_or_else(|| c.hint.to_string()),
                fix: c.fix.map(|(t, on)| Change::Set(t, on)),
            })
        })
}

/// The known cause in a failed run's stderr or the runtime's error, if any.
pub fn explain_failure(texts: &[&str]) -> Option<Explanation> {
    explain(&Evidence::run(texts))
}

/// A failed run of the image `df` builds: its stderr, the runtime's error,
/// the last health probe's output and the exit code, read with the final
/// image's base in mind.
pub fn explain_run(
    texts: &[&str],
    health: Option<&str>,
    exit_code: Option<i64>,
    df: &Dockerfile,
) -> Option<Explanation> {
    let graph = StageGraph::new(df);
    let base = graph
        .target
        .and_then(|t| graph.root_stage(t))
        .map(|s| s.base.clone());
    explain(&Evidence {
        health: health.map(str::to_string),
        base,
        exit_code,
        ..Evidence::run(texts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_cause_and_the_toggle() {
        let e = explain_failure(&["exec /probe: no such file or directory"]);
        assert_eq!(
            e.as_ref().map(|e| e.cause),
            Some("dynamically linked binary on a base without libc")
        );
        assert_eq!(e.and_then(|e| e.fix), Some(Change::Set(Toggle::Cgo, false)));
        let e = explain_failure(&[
            "",
            "Get \"https://x\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Certs, true))
        );
        let e = explain_failure(&["panic: unknown time zone Europe/Berlin"]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Tzdata, true))
        );
        let e = explain_failure(&["unable to find user app: no matching entries in passwd file"]);
        assert_eq!(
            e.and_then(|e| e.fix),
            Some(Change::Set(Toggle::Nonroot, true))
        );
    }

    #[test]
    fn a_missing_shell_is_not_blamed_on_cgo() {
        let e = explain_failure(&["exec: \"/bin/sh\": stat /bin/sh: no such file or directory"]);
        assert_eq!(e.as_ref().map(|e| e.cause), Some("no shell in the image"));
        assert!(explain_failure(&["exit status 3"]).is_none());
    }

    #[test]
    fn a_file_the_program_cannot_open_is_not_blamed_on_cgo() {
        assert!(explain_failure(&["open /etc/app.yaml: no such file or directory"]).is_none());
    }

    #[test]
    fn causes_have_unique_ids_and_at_least_twelve_rows() {
        let mut ids: Vec<&str> = CAUSES.iter().map(|c| c.id).collect();
        assert!(ids.len() >= 12, "{ids:?}");
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate cause ids");
    }
}
