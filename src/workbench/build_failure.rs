//! Why a build step failed, in the user's words. Builders only say
//! `exit code: 1`; the cause is in the failing step's log, where a Go
//! developer would look: the compiler's first error, a missing go.sum entry,
//! or a download that needs a network this machine does not have.

use std::fmt;

use serde::Serialize;

use crate::dockerfile::Dockerfile;
use crate::engine::events::{BuildEvent, Step, StepState};

/// The failing step as the builder reported it.
#[derive(Debug, Clone, Copy)]
pub struct FailedStep<'a> {
    /// The Dockerfile instruction, e.g. `RUN go build -o /app .`, or the
    /// builder's name for the step when the line is unknown.
    pub instruction: Option<&'a str>,
    pub line: Option<usize>,
    /// The step's output, one line per entry.
    pub log: &'a [String],
    /// The builder's error message, e.g. `executor failed running […]: exit code: 1`.
    pub message: &'a str,
}

/// A known cause of a failed build step, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildExplanation {
    pub cause: &'static str,
    /// Where: `line 14: RUN go build …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The line of output that shows the cause, as the tool printed it.
    pub detail: String,
    pub hint: &'static str,
}

impl fmt::Display for BuildExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "{} ({step}): {}", self.cause, self.detail),
            None => write!(f, "{}: {}", self.cause, self.detail),
        }
    }
}

/// The failing step and every step's output, kept while a build runs so
/// its failure can be explained from the log after the builder gives up.
#[derive(Debug, Default)]
pub struct FailureTrail {
    failed: Option<Step>,
    /// Step name (when the builder said) and one line of output, newest last.
    log: Vec<(Option<String>, String)>,
}

impl FailureTrail {
    /// Plenty for a compiler's errors, without growing with a long build.
    const KEEP: usize = 2_000;

    pub fn record(&mut self, event: &BuildEvent) {
        match event {
            BuildEvent::Step {
                step,
                state: StepState::Failed(_),
            } => self.failed = Some(step.clone()),
            BuildEvent::Log { step, text } => {
                if self.log.len() >= Self::KEEP {
                    self.log.drain(..Self::KEEP / 2);
                }
                self.log
                    .push((step.as_ref().map(|s| s.name.clone()), text.clone()));
            }
            _ => {}
        }
    }

    /// The known cause of a failure at `line` of `df`, read from the failing
    /// step's own output, or all output when no step was reported failed.
    pub fn explain(
        &self,
        line: Option<usize>,
        message: &str,
        df: &Dockerfile,
    ) -> Option<BuildExplanation> {
        let line = line.or_else(|| self.failed.as_ref().and_then(|s| s.line));
        let failed_name = self.failed.as_ref().map(|s| s.name.as_str());
        let of_step: Vec<String> = self
            .log
            .iter()
            .filter(|(step, _)| failed_name.is_some() && step.as_deref() == failed_name)
            .map(|(_, text)| text.clone())
            .collect();
        let log = if of_step.is_empty() {
            self.log.iter().map(|(_, text)| text.clone()).collect()
        } else {
            of_step
        };
        let instruction = line
            .and_then(|l| df.instructions().find(|i| i.line == l))
            .map(|i| i.logical_text())
            .or(failed_name);
        explain_build_failure(&FailedStep {
            instruction,
            line,
            log: &log,
            message,
        })
    }
}

const COMPILE: &str = "the Go code does not compile";
const COMPILE_HINT: &str = "fix the code at the file and line shown, then build again; `go build` \
     on your machine shows the same errors";

const GO_SUM: &str = "go.sum is missing entries for the module's dependencies";
const GO_SUM_HINT: &str = "run `go mod tidy` on a machine with network access and keep go.sum \
     beside go.mod (the Dockerfile copies it); or vendor the dependencies with `go mod vendor`";

const OFFLINE_GO: &str =
    "the build needs the network to download Go modules, and this machine is offline";
const OFFLINE_GO_HINT: &str = "on a machine with network access run `go mod vendor` and bring \
     vendor/ here: `dockstage init --force` then writes a Dockerfile that builds with \
     -mod=vendor and downloads nothing; or load a builder image whose module cache \
     (/go/pkg/mod) already holds the modules";

const OFFLINE_PACKAGES: &str =
    "the build needs the network to download packages, and this machine is offline";
const OFFLINE_PACKAGES_HINT: &str = "build where the network is reachable, or use a base image \
     that already has the packages and load it here with `dockstage bases load FILE`";

const OFFLINE: &str = "the build needs the network, and this machine is offline";
const OFFLINE_HINT: &str = "build where the network is reachable, or put what the step \
     downloads into the build context and COPY it instead";

const NEEDS_BUILDKIT: &str = "the Dockerfile needs BuildKit";
const NEEDS_BUILDKIT_HINT: &str = "RUN --mount (the Go caches) only works with BuildKit: build \
     with --builder auto or --builder buildkit";

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
];

/// Compiler messages that come without a position only when the builder cut the line short.
const COMPILE_NEEDLES: &[&str] = &[
    "undefined:",
    "syntax error",
    "declared and not used",
    "imported and not used",
];

/// The known cause of a failed step, if its output shows one.
pub fn explain_build_failure(step: &FailedStep<'_>) -> Option<BuildExplanation> {
    let lines: Vec<&str> = step
        .log
        .iter()
        .map(String::as_str)
        .chain(step.message.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let (cause, detail, hint) = missing_go_sum(&lines)
        .or_else(|| offline(&lines, step.instruction.unwrap_or("")))
        .or_else(|| compile_error(&lines))
        .or_else(|| needs_buildkit(&lines))?;
    let step_text = match (step.line, step.instruction.map(short_instruction)) {
        (Some(line), Some(ins)) => Some(format!("line {line}: {ins}")),
        (Some(line), None) => Some(format!("line {line}")),
        (None, Some(ins)) => Some(ins),
        (None, None) => None,
    };
    Some(BuildExplanation {
        cause,
        step: step_text,
        detail,
        hint,
    })
}

type Found = (&'static str, String, &'static str);

fn missing_go_sum(lines: &[&str]) -> Option<Found> {
    let line = lines.iter().find(|l| l.contains("missing go.sum entry"))?;
    Some((GO_SUM, (*line).to_string(), GO_SUM_HINT))
}

fn offline(lines: &[&str], instruction: &str) -> Option<Found> {
    let line = lines
        .iter()
        .find(|l| OFFLINE_NEEDLES.iter().any(|n| l.contains(n)))?;
    let runs = |tool: &str| instruction.split_whitespace().any(|w| w == tool);
    let go = line.starts_with("go: ")
        || line.contains("GOPROXY")
        || line.contains("golang.org")
        || lines
            .iter()
            .any(|l| l.starts_with("go: ") && l.contains('@'))
        || runs("go");
    let packages = ["apt-get", "apt", "apk", "yum", "dnf", "microdnf"]
        .iter()
        .any(|t| runs(t))
        || line.contains("Temporary failure resolving");
    let (cause, hint) = if go {
        (OFFLINE_GO, OFFLINE_GO_HINT)
    } else if packages {
        (OFFLINE_PACKAGES, OFFLINE_PACKAGES_HINT)
    } else {
        (OFFLINE, OFFLINE_HINT)
    };
    Some((cause, (*line).to_string(), hint))
}

fn compile_error(lines: &[&str]) -> Option<Found> {
    let positioned: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| compiler_position(l))
        .collect();
    let detail = match positioned.as_slice() {
        [] => lines
            .iter()
            .find(|l| COMPILE_NEEDLES.iter().any(|n| l.contains(n)))?
            .to_string(),
        [only] => (*only).to_string(),
        [first, rest @ ..] => format!(
            "{first} (and {} more error{})",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    };
    Some((COMPILE, detail, COMPILE_HINT))
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

fn needs_buildkit(lines: &[&str]) -> Option<Found> {
    let line = lines
        .iter()
        .find(|l| l.contains("option requires BuildKit"))?;
    Some((NEEDS_BUILDKIT, (*line).to_string(), NEEDS_BUILDKIT_HINT))
}

/// The instruction as a person reads it: the builder's label dropped, cache
/// mounts left out, whitespace collapsed, long commands cut at a word.
pub fn short_instruction(text: &str) -> String {
    const MAX: usize = 48;
    let text = text
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("] ").map(|(_, t)| t))
        .or_else(|| {
            text.strip_prefix("Step ")
                .and_then(|rest| rest.split_once(" : ").map(|(_, t)| t))
        })
        .unwrap_or(text);
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !w.starts_with("--mount="))
        .filter(|w| *w != "\\")
        .collect();
    let mut out = String::new();
    for word in words {
        if !out.is_empty() && out.len() + 1 + word.len() > MAX {
            out.push_str(" …");
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_BUILD: &str = "RUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/bad .";
    const EXECUTOR: &str = "executor failed running [/bin/sh -c CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/bad .]: exit code: 1";

    fn explain(instruction: &str, line: usize, log: &[&str], message: &str) -> BuildExplanation {
        let log: Vec<String> = log.iter().map(ToString::to_string).collect();
        explain_build_failure(&FailedStep {
            instruction: Some(instruction),
            line: Some(line),
            log: &log,
            message,
        })
        .unwrap_or_else(|| panic!("no explanation for {log:?}"))
    }

    #[test]
    fn an_undefined_name_is_a_compile_error_at_the_go_build_line() {
        let e = explain(
            GO_BUILD,
            14,
            &["# example.com/bad", "./main.go:6:14: undefined: foo"],
            EXECUTOR,
        );
        assert_eq!(e.cause, COMPILE);
        assert_eq!(e.detail, "./main.go:6:14: undefined: foo");
        assert_eq!(
            e.to_string(),
            "the Go code does not compile (line 14: RUN CGO_ENABLED=0 go build -trimpath …): \
             ./main.go:6:14: undefined: foo"
        );
    }

    #[test]
    fn several_compiler_errors_show_the_first_and_a_count() {
        let e = explain(
            GO_BUILD,
            14,
            &[
                "# example.com/t",
                "./main.go:5:2: \"os\" imported and not used",
                "./main.go:9:2: declared and not used: x",
            ],
            EXECUTOR,
        );
        assert_eq!(
            e.detail,
            "./main.go:5:2: \"os\" imported and not used (and 1 more error)"
        );
        let e = explain(
            GO_BUILD,
            14,
            &[
                "./main.go:10:17: syntax error: unexpected newline in argument list; possibly missing comma or )",
            ],
            EXECUTOR,
        );
        assert_eq!(e.cause, COMPILE);
    }

    #[test]
    fn a_failing_test_is_not_a_compile_error() {
        let log = vec![
            "--- FAIL: TestAdd (0.00s)".to_string(),
            "    add_test.go:12: got 3, want 4".to_string(),
        ];
        let found = explain_build_failure(&FailedStep {
            instruction: Some("RUN go test ./..."),
            line: Some(9),
            log: &log,
            message: "executor failed running [/bin/sh -c go test ./...]: exit code: 1",
        });
        assert_eq!(found, None);
    }

    #[test]
    fn a_missing_go_sum_entry_is_named_before_the_compiler() {
        let e = explain(
            GO_BUILD,
            14,
            &[
                "main.go:6:2: missing go.sum entry for module providing package github.com/pkg/errors (imported by example.com/dep); to add:",
                "go get example.com/dep",
            ],
            EXECUTOR,
        );
        assert_eq!(e.cause, GO_SUM);
        assert!(e.hint.contains("go mod tidy"));
    }

    #[test]
    fn module_downloads_offline_say_so_and_suggest_vendoring() {
        let download = "RUN --mount=type=cache,target=/go/pkg/mod go mod download";
        let failed = "executor failed running [/bin/sh -c go mod download]: exit code: 1";
        for log in [
            "go: github.com/pkg/errors@v0.9.1: module lookup disabled by GOPROXY=off",
            "go: github.com/pkg/errors@v0.9.1: Get \"https://proxy.golang.org/github.com/pkg/errors/@v/v0.9.1.mod\": dial tcp: lookup proxy.golang.org on 10.255.255.53:53: dial udp 10.255.255.53:53: connect: network is unreachable",
            "go: github.com/pkg/errors@v0.9.1: Get \"https://proxy.golang.org/github.com/pkg/errors/@v/v0.9.1.mod\": dial tcp: lookup proxy.golang.org: no such host",
        ] {
            let e = explain(download, 9, &[log], failed);
            assert_eq!(e.cause, OFFLINE_GO, "{log}");
            assert_eq!(e.detail, log);
            assert!(e.hint.contains("go mod vendor") && e.hint.contains("-mod=vendor"));
            assert_eq!(e.step.as_deref(), Some("line 9: RUN go mod download"));
        }
        // GOPROXY=direct clones with git, which cannot resolve the host.
        let e = explain(
            download,
            9,
            &[
                "go: github.com/pkg/errors@v0.9.1: reading github.com/pkg/errors/go.mod at revision v0.9.1: git ls-remote -q origin in /go/pkg/mod/cache/vcs/6d82: exit status 128:",
                "fatal: unable to access 'https://github.com/pkg/errors/': Could not resolve host: github.com",
            ],
            failed,
        );
        assert_eq!(e.cause, OFFLINE_GO);
    }

    #[test]
    fn package_downloads_offline_are_not_blamed_on_go() {
        let e = explain(
            "RUN apt-get update && apt-get install -y git",
            3,
            &[
                "W: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving 'deb.debian.org'",
                "E: Unable to locate package git",
            ],
            "executor failed running [/bin/sh -c apt-get update && apt-get install -y git]: exit code: 100",
        );
        assert_eq!(e.cause, OFFLINE_PACKAGES);
        let e = explain(
            "RUN apk add --no-cache git",
            3,
            &[
                "WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.20/main: DNS lookup error",
            ],
            "exit code: 1",
        );
        assert_eq!(e.cause, OFFLINE_PACKAGES);
    }

    #[test]
    fn the_legacy_builder_and_buildkit_only_mounts() {
        let message = "the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled";
        let e = explain(
            "Step 4/12 : RUN --mount=type=cache,target=/go/pkg/mod go mod download",
            9,
            &[],
            message,
        );
        assert_eq!(e.cause, NEEDS_BUILDKIT);
        assert_eq!(e.step.as_deref(), Some("line 9: RUN go mod download"));
    }

    #[test]
    fn an_unknown_failure_has_no_explanation() {
        let log = vec!["about to fail".to_string()];
        let found = explain_build_failure(&FailedStep {
            instruction: Some("RUN echo about to fail && exit 3"),
            line: Some(3),
            log: &log,
            message: "executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3",
        });
        assert_eq!(found, None);
    }

    #[test]
    fn instructions_lose_labels_and_cache_mounts() {
        assert_eq!(
            short_instruction(
                "[builder 6/6] RUN --mount=type=cache,target=/go/pkg/mod     go build ."
            ),
            "RUN go build ."
        );
        assert_eq!(short_instruction("Step 3/9 : COPY . ."), "COPY . .");
    }

    #[test]
    fn the_trail_reads_only_the_failing_steps_output() {
        let text = "FROM golang:1.24\nRUN go vet ./... || true\nRUN go build -o /app .\n";
        let df = crate::dockerfile::parse(text);
        let step = |name: &str, line| Step {
            name: name.to_string(),
            line: Some(line),
            stage: None,
        };
        let vet = step("[2/3] RUN go vet ./... || true", 2);
        let build = step("[3/3] RUN go build -o /app .", 3);
        let mut trail = FailureTrail::default();
        for event in [
            BuildEvent::Log {
                step: Some(vet.clone()),
                text: "./old.go:3:2: undefined: gone".into(),
            },
            BuildEvent::Step {
                step: vet,
                state: StepState::Done,
            },
            BuildEvent::Log {
                step: Some(build.clone()),
                text: "./main.go:6:14: undefined: foo".into(),
            },
            BuildEvent::Step {
                step: build,
                state: StepState::Failed("exit code: 1".into()),
            },
        ] {
            trail.record(&event);
        }
        let e = trail.explain(None, "exit code: 1", &df);
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some(
                "the Go code does not compile (line 3: RUN go build -o /app .): \
                 ./main.go:6:14: undefined: foo"
            )
        );
    }
}
