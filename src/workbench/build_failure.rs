//! A failed build as people read it: every step that failed, with its line,
//! what the builder said and, when known, why. The engine attributes the
//! failure to steps; this turns each into words the same way for `build`,
//! `tune` and the workbench, so they never disagree about which line failed.

use serde::Serialize;

use super::explain::{Evidence, Explanation, explain};
use crate::dockerfile::Dockerfile;
use crate::outcome::FailedStep;

/// One failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The instruction as a person reads it: `RUN apk add --no-cache git`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The builder's error for the step.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// Every failed step of `df`, the one whose error the builder reported first.
pub fn explain_steps(steps: &[FailedStep], df: &Dockerfile) -> Vec<StepReport> {
    steps.iter().map(|s| explain_step(s, df)).collect()
}

fn explain_step(failed: &FailedStep, df: &Dockerfile) -> StepReport {
    let line = failed.step.line;
    let instruction = line
        .and_then(|l| df.instructions().find(|i| i.line == l))
        .map(|i| i.logical_text().to_string())
        .or_else(|| (!failed.step.name.is_empty()).then(|| failed.step.name.clone()));
    let short = instruction.as_deref().map(short_instruction);
    let evidence = Evidence {
        instruction: instruction.clone(),
        base: failed.base.clone(),
        base_standin: failed.base_standin,
        ..Evidence::build(&failed.log, &failed.error)
    };
    let step_text = match (line, &short) {
        (Some(line), Some(ins)) => Some(format!("line {line}: {ins}")),
        (Some(line), None) => Some(format!("line {line}")),
        (None, Some(ins)) => Some(ins.clone()),
        (None, None) => None,
    };
    StepReport {
        line,
        step: short,
        message: failed.error.trim().to_string(),
        explanation: explain(&evidence).map(|e| Explanation {
            step: step_text,
            ..e
        }),
    }
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
    use crate::outcome::Step;

    const GO_BUILD: &str = "FROM golang:1.24 AS b\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n    CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/bad .\n";
    const EXECUTOR: &str = "executor failed running [/bin/sh -c CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/bad .]: exit code: 1";

    fn failed(line: usize, log: &[&str], error: &str) -> FailedStep {
        FailedStep {
            step: Step {
                name: format!("[b {line}/{line}] RUN …"),
                line: Some(line),
                stage: None,
            },
            error: error.to_string(),
            log: log.iter().map(ToString::to_string).collect(),
            base: Some("golang:1.24".into()),
            base_standin: false,
        }
    }

    fn explain_one(text: &str, line: usize, log: &[&str], error: &str) -> Explanation {
        let df = crate::dockerfile::parse(text);
        explain_steps(&[failed(line, log, error)], &df)
            .into_iter()
            .next()
            .and_then(|r| r.explanation)
            .unwrap_or_else(|| panic!("no explanation for {log:?}"))
    }

    #[test]
    fn an_undefined_name_is_a_compile_error_at_the_go_build_line() {
        let e = explain_one(
            GO_BUILD,
            4,
            &["# example.com/bad", "./main.go:6:14: undefined: foo"],
            EXECUTOR,
        );
        assert_eq!(e.id, "CompileError");
        assert_eq!(e.detail, "./main.go:6:14: undefined: foo");
        assert_eq!(
            e.to_string(),
            "the Go code does not compile (line 4: RUN CGO_ENABLED=0 go build -trimpath …): \
             ./main.go:6:14: undefined: foo"
        );
    }

    #[test]
    fn several_compiler_errors_show_the_first_and_a_count() {
        let e = explain_one(
            GO_BUILD,
            4,
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
    }

    #[test]
    fn a_failing_test_is_not_a_compile_error() {
        let df = crate::dockerfile::parse("FROM golang:1.24\nRUN go test ./...\n");
        let reports = explain_steps(
            &[failed(
                2,
                &[
                    "--- FAIL: TestAdd (0.00s)",
                    "    add_test.go:12: got 3, want 4",
                ],
                "executor failed running [/bin/sh -c go test ./...]: exit code: 1",
            )],
            &df,
        );
        assert_eq!(reports[0].explanation, None);
        assert_eq!(reports[0].step.as_deref(), Some("RUN go test ./..."));
    }

    #[test]
    fn a_missing_go_sum_entry_is_named_before_the_compiler() {
        let e = explain_one(
            GO_BUILD,
            4,
            &[
                "main.go:6:2: missing go.sum entry for module providing package github.com/pkg/errors (imported by example.com/dep); to add:",
                "go get example.com/dep",
            ],
            EXECUTOR,
        );
        assert_eq!(e.id, "MissingGoSum");
        assert!(e.hint.contains("go mod tidy"));
    }

    #[test]
    fn module_downloads_offline_say_so_and_suggest_vendoring() {
        let text = "FROM golang:1.24\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n";
        let failed_msg = "executor failed running [/bin/sh -c go mod download]: exit code: 1";
        for log in [
            "go: github.com/pkg/errors@v0.9.1: module lookup disabled by GOPROXY=off",
            "go: github.com/pkg/errors@v0.9.1: Get \"https://proxy.golang.org/github.com/pkg/errors/@v/v0.9.1.mod\": dial tcp: lookup proxy.golang.org: no such host",
        ] {
            let e = explain_one(text, 2, &[log], failed_msg);
            assert_eq!(e.id, "OfflineGoModules", "{log}");
            assert_eq!(e.detail, log);
            assert!(e.hint.contains("go mod vendor") && e.hint.contains("-mod=vendor"));
            assert_eq!(e.step.as_deref(), Some("line 2: RUN go mod download"));
        }
    }

    #[test]
    fn package_downloads_offline_are_not_blamed_on_go() {
        let text = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y git\n";
        let e = explain_one(
            text,
            2,
            &[
                "W: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving 'deb.debian.org'",
                "E: Unable to locate package git",
            ],
            "executor failed running [/bin/sh -c apt-get update && apt-get install -y git]: exit code: 100",
        );
        assert_eq!(e.id, "OfflinePackages");
    }

    #[test]
    fn the_legacy_builder_and_buildkit_only_mounts() {
        let text = "FROM golang:1.24\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n";
        let df = crate::dockerfile::parse(text);
        let mut step = failed(
            2,
            &[],
            "the --mount option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled",
        );
        step.step.name =
            "Step 2/2 : RUN --mount=type=cache,target=/go/pkg/mod go mod download".into();
        let e = explain_steps(&[step], &df)
            .into_iter()
            .next()
            .and_then(|r| r.explanation);
        assert_eq!(e.as_ref().map(|e| e.id), Some("NeedsBuildKit"));
        assert_eq!(
            e.and_then(|e| e.step).as_deref(),
            Some("line 2: RUN go mod download")
        );
    }

    #[test]
    fn each_failed_step_is_explained_from_its_own_output() {
        let text = "FROM golang:1.24 AS b\nRUN apk add git\nFROM debian:bookworm-slim\nRUN apk add ca-certificates\n";
        let df = crate::dockerfile::parse(text);
        let mut runtime = failed(
            4,
            &["/bin/sh: 1: apk: not found"],
            "executor failed running [/bin/sh -c apk add ca-certificates]: exit code: 127",
        );
        runtime.base = Some("debian:bookworm-slim".into());
        let builder = failed(
            2,
            &["/bin/sh: 1: apk: not found"],
            "executor failed running [/bin/sh -c apk add git]: exit code: 127",
        );
        let reports = explain_steps(&[runtime, builder], &df);
        let lines: Vec<_> = reports.iter().map(|r| r.line).collect();
        assert_eq!(lines, [Some(4), Some(2)]);
        let hints: Vec<String> = reports
            .iter()
            .filter_map(|r| r.explanation.as_ref().map(|e| e.hint.clone()))
            .collect();
        assert!(
            hints[0].contains("`debian:bookworm-slim` is Debian-based"),
            "{hints:?}"
        );
        assert!(
            hints[1].contains("`golang:1.24` is Debian-based"),
            "{hints:?}"
        );
    }

    #[test]
    fn an_unknown_failure_has_no_explanation() {
        let df = crate::dockerfile::parse("FROM busybox\nRUN echo about to fail && exit 3\n");
        let reports = explain_steps(
            &[failed(
                2,
                &["about to fail"],
                "executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3",
            )],
            &df,
        );
        assert_eq!(reports[0].explanation, None);
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
}
