//! Each rule fires on a file that has its problem and stays silent on the
//! same file with the problem fixed.

use super::*;
use crate::dockerfile::diagnostic::apply_edits;
use crate::dockerfile::parse;

struct Case {
    rule: &'static str,
    fires: &'static str,
    silent: &'static str,
    facts: Option<fn() -> GoFacts>,
}

const GO: &str = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n";

fn tls() -> GoFacts {
    GoFacts {
        uses_tls_client: true,
        uses_net: true,
        ..GoFacts::default()
    }
}

fn zones() -> GoFacts {
    GoFacts {
        uses_timezones: true,
        ..GoFacts::default()
    }
}

fn net() -> GoFacts {
    GoFacts {
        uses_net: true,
        ..GoFacts::default()
    }
}

/// A tutorial written before Go 1.16: one main.go, no go.mod.
fn loose_main() -> GoFacts {
    GoFacts {
        go_files: 1,
        ..GoFacts::default()
    }
}

const CASES: &[Case] = &[
    Case {
        rule: "MissingGoMod",
        fires: "FROM golang:1.24\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -o /app\nCMD [\"/app\"]\n",
        silent: "FROM golang:1.24\nWORKDIR /go/src/app\nCOPY . .\nRUN go build -o /app main.go\nCMD [\"/app\"]\n",
        facts: Some(loose_main),
    },
    Case {
        rule: "MisspeltBase",
        fires: "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM stratch\nCOPY --from=b /a /a\n",
        silent: "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        facts: None,
    },
    Case {
        rule: "CopyBeforeModDownload",
        fires: "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /a .\n",
        silent: "FROM golang:1.24\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /a .\n",
        facts: None,
    },
    Case {
        rule: "CgoWithStaticBase",
        fires: "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        silent: "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        facts: Some(net),
    },
    Case {
        rule: "UserWithoutPasswd",
        fires: "FROM scratch\nCOPY app /app\nUSER nobody\nENTRYPOINT [\"/app\"]\n",
        silent: "FROM scratch\nCOPY app /app\nUSER 65534\nENTRYPOINT [\"/app\"]\n",
        facts: None,
    },
    Case {
        rule: "MissingCaCertificates",
        fires: "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        silent: "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\nFROM scratch\nCOPY --from=b /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=b /a /a\n",
        facts: Some(tls),
    },
    Case {
        rule: "MissingTzdata",
        fires: "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        silent: "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -tags timetzdata -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        facts: Some(zones),
    },
    Case {
        rule: "UnpinnedImage",
        fires: "FROM golang AS b\nRUN go build -o /a .\n",
        silent: "FROM golang:1.24 AS b\nRUN go build -o /a .\n",
        facts: None,
    },
    Case {
        rule: "GoBuildWithoutCacheMount",
        fires: "FROM golang:1.24\nRUN go build -o /a .\n",
        silent: "FROM golang:1.24\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /a .\n",
        facts: None,
    },
    Case {
        rule: "GoToolchainInFinalImage",
        fires: "FROM golang:1.24\nRUN go build -o /a .\nENTRYPOINT [\"/a\"]\n",
        silent: "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\nENTRYPOINT [\"/a\"]\n",
        facts: None,
    },
    Case {
        rule: "NoShellInBase",
        fires: "FROM scratch\nCOPY app /app\nCMD /app --serve\n",
        silent: "FROM scratch\nCOPY app /app\nCMD [\"/app\", \"--serve\"]\n",
        facts: None,
    },
    Case {
        rule: "AptWithoutCleanup",
        fires: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y ca-certificates\n",
        silent: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n",
        facts: None,
    },
    Case {
        rule: "UnusedStage",
        fires: "FROM golang:1.24 AS lint\nRUN go vet ./...\nFROM alpine:3.20\nRUN true\n",
        silent: "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM alpine:3.20\nCOPY --from=b /a /a\n",
        facts: None,
    },
    Case {
        rule: "SecretsUsedInArgOrEnv",
        fires: "FROM alpine:3.20\nARG GITHUB_TOKEN\n",
        silent: "FROM alpine:3.20\nARG GITHUB_USER\n",
        facts: None,
    },
    Case {
        rule: "FromAsCasing",
        fires: "FROM alpine:3.20 as base\n",
        silent: "FROM alpine:3.20 AS base\n",
        facts: None,
    },
    Case {
        rule: "StageNameCasing",
        fires: "FROM alpine:3.20 AS Base\n",
        silent: "FROM alpine:3.20 AS base\n",
        facts: None,
    },
    Case {
        rule: "DuplicateStageName",
        fires: "FROM alpine:3.20 AS a\nFROM alpine:3.20 AS a\n",
        silent: "FROM alpine:3.20 AS a\nFROM alpine:3.20 AS b\n",
        facts: None,
    },
    Case {
        rule: "ReservedStageName",
        fires: "FROM alpine:3.20 AS scratch\n",
        silent: "FROM alpine:3.20 AS base\n",
        facts: None,
    },
    Case {
        rule: "JSONArgsRecommended",
        fires: "FROM alpine:3.20\nCMD /app --serve\n",
        silent: "FROM alpine:3.20\nCMD [\"/app\", \"--serve\"]\n",
        facts: None,
    },
    Case {
        rule: "InvalidJsonForm",
        fires: "FROM alpine:3.20\nENTRYPOINT ['/app']\n",
        silent: "FROM alpine:3.20\nENTRYPOINT [\"/app\"]\n",
        facts: None,
    },
    Case {
        rule: "WorkdirRelativePath",
        fires: "FROM alpine:3.20\nWORKDIR app\n",
        silent: "FROM alpine:3.20\nWORKDIR /app\n",
        facts: None,
    },
    Case {
        rule: "MaintainerDeprecated",
        fires: "FROM alpine:3.20\nMAINTAINER Jane <jane@example.com>\n",
        silent: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane <jane@example.com>\"\n",
        facts: None,
    },
    Case {
        rule: "MultipleInstructionsDisallowed",
        fires: "FROM alpine:3.20\nCMD [\"a\"]\nCMD [\"b\"]\n",
        silent: "FROM alpine:3.20\nCMD [\"b\"]\n",
        facts: None,
    },
    Case {
        rule: "LegacyKeyValueFormat",
        fires: "FROM alpine:3.20\nENV GOPATH /go\n",
        silent: "FROM alpine:3.20\nENV GOPATH=/go\n",
        facts: None,
    },
    Case {
        rule: "ConsistentInstructionCasing",
        fires: "FROM alpine:3.20\nRUN true\nworkdir /x\nCMD [\"x\"]\n",
        silent: "FROM alpine:3.20\nRUN true\nWORKDIR /x\nCMD [\"x\"]\n",
        facts: None,
    },
    Case {
        rule: "UnknownFlag",
        fires: "FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --form=b /a /a\n",
        silent: "FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b /a /a\n",
        facts: None,
    },
    Case {
        rule: "FromPlatformFlagConstDisallowed",
        fires: "ARG ARCH=arm64\nFROM --platform=linux/${ARCH} golang:1.24 AS build\n",
        silent: "FROM --platform=$BUILDPLATFORM golang:1.24 AS build\n",
        facts: None,
    },
    Case {
        rule: "UnknownInstruction",
        fires: "FROM alpine:3.20\nCOPPY a b\n",
        silent: "FROM alpine:3.20\nCOPY a b\n",
        facts: None,
    },
    Case {
        rule: "UnknownStage",
        fires: "FROM alpine:3.20 AS builder\nFROM scratch\nCOPY --from=bulider /a /a\n",
        silent: "FROM alpine:3.20 AS builder\nFROM scratch\nCOPY --from=builder /a /a\n",
        facts: None,
    },
    Case {
        rule: "UndefinedArgInFrom",
        fires: "FROM golang:${GO_VERSION}\n",
        silent: "ARG GO_VERSION=1.24\nFROM golang:${GO_VERSION}\n",
        facts: None,
    },
];

fn rules_found(src: &str, facts: Option<&GoFacts>) -> Vec<Diagnostic> {
    lint(&parse(src), Catalog::bundled(), facts)
}

#[test]
fn each_rule_fires_and_stays_silent() {
    for case in CASES {
        let facts = case.facts.map(|f| f());
        let fired = rules_found(case.fires, facts.as_ref());
        assert!(
            fired.iter().any(|d| d.rule == case.rule),
            "{} did not fire: {fired:#?}",
            case.rule
        );
        let quiet = rules_found(case.silent, facts.as_ref());
        assert!(
            !quiet.iter().any(|d| d.rule == case.rule),
            "{} fired on the fixed file: {quiet:#?}",
            case.rule
        );
    }
}

#[test]
fn every_rule_has_a_case() {
    for rule in RULES {
        assert!(
            CASES.iter().any(|c| c.rule == rule.id),
            "no case for {}",
            rule.id
        );
    }
    assert!(RULES.len() + STRUCTURAL_RULES.len() >= 12);
}

#[test]
fn fixes_make_the_finding_go_away() {
    for case in CASES {
        let facts = case.facts.map(|f| f());
        for d in rules_found(case.fires, facts.as_ref()) {
            let Some(fix) = d.fix.filter(|_| d.rule == case.rule) else {
                continue;
            };
            let fixed = apply_edits(case.fires, &fix.edits);
            let again = rules_found(&fixed, facts.as_ref());
            assert!(
                !again
                    .iter()
                    .any(|x| x.rule == case.rule && x.line == d.line),
                "{}: fix `{}` left the finding:\n{fixed}",
                case.rule,
                fix.title
            );
        }
    }
}

#[test]
fn cgo_on_scratch_is_an_error_when_the_project_imports_net() {
    let src = "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n";
    let with = rules_found(src, Some(&net()));
    let without = rules_found(src, None);
    let sev = |list: &[Diagnostic]| {
        list.iter()
            .find(|d| d.rule == "CgoWithStaticBase")
            .map(|d| d.severity)
    };
    assert_eq!(sev(&with), Some(Severity::Error));
    assert_eq!(sev(&without), Some(Severity::Warning));
}

#[test]
fn check_directive_skips_rules_and_can_make_warnings_errors() {
    let skipped = rules_found(
        "# check=skip=FromAsCasing\nFROM alpine:3.20 as base\n",
        None,
    );
    assert!(!skipped.iter().any(|d| d.rule == "FromAsCasing"));
    let strict = rules_found("# check=error=true\nFROM alpine:3.20 as base\n", None);
    assert!(
        strict
            .iter()
            .any(|d| d.rule == "FromAsCasing" && d.severity == Severity::Error)
    );
}

#[test]
fn a_clean_go_file_has_no_warnings() {
    let src = format!(
        "{}FROM scratch\nCOPY --from=builder /app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n",
        GO.replace("RUN CGO", "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO")
            .replace("RUN go mod", "RUN --mount=type=cache,target=/go/pkg/mod go mod")
    );
    let found = rules_found(&src, Some(&GoFacts::default()));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn known_false_positives_stay_away() {
    let quiet = |src: &str, rule: &str| {
        let found = rules_found(src, None);
        assert!(
            !found.iter().any(|d| d.rule == rule),
            "{rule} fired on:\n{src}\n{found:#?}"
        );
    };
    quiet("FROM alpine:3.20\nHEALTHCHECK NONE\n", "MissingArguments");
    // golang alpine images have no C compiler, so cgo is off by default.
    quiet(
        "FROM golang:1.24-alpine AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        "CgoWithStaticBase",
    );
    // A statically linked cgo binary runs on scratch.
    quiet(
        "FROM golang:1.24 AS b\nRUN go build -ldflags \"-linkmode external -extldflags -static\" -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        "CgoWithStaticBase",
    );
    // ONBUILD images are builder bases and ship the toolchain on purpose.
    quiet(
        "FROM golang:1.24\nONBUILD COPY . /src\nONBUILD RUN go build -o /a .\n",
        "GoToolchainInFinalImage",
    );
    // Windows builds keep their caches elsewhere.
    quiet(
        "# escape=`\nFROM golang:1.24-windowsservercore\nRUN go build -o C:\\a.exe .\n",
        "GoBuildWithoutCacheMount",
    );
    // A project whose sources use neither net nor os/user links statically.
    let found = rules_found(
        "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
        Some(&GoFacts {
            go_files: 1,
            ..GoFacts::default()
        }),
    );
    assert!(!found.iter().any(|d| d.rule == "CgoWithStaticBase"));
}

#[test]
fn distroless_without_a_tag_gets_digest_advice_not_a_warning() {
    let found = rules_found("FROM gcr.io/distroless/static-debian12\n", None);
    let d = found.iter().find(|d| d.rule == "UnpinnedImage");
    assert!(
        d.is_some_and(|d| d.severity == Severity::Info && d.message.contains("digest")),
        "{found:#?}"
    );
}

#[test]
fn the_cgo_message_names_the_real_binary() {
    let found = rules_found(
        "FROM golang:1.24 AS b\nWORKDIR /src\nRUN go build -o bin/server .\nFROM scratch\nCOPY --from=b /src/bin/server /server\n",
        None,
    );
    let d = found.iter().find(|d| d.rule == "CgoWithStaticBase");
    assert!(
        d.is_some_and(|d| d.message.contains("exec /server:")),
        "{found:#?}"
    );
}

#[test]
fn go_sources_in_a_heredoc_count() {
    let src = "FROM golang:1.24 AS b\nWORKDIR /src\nCOPY <<EOF ./main.go\npackage main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hi\") }\nEOF\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n";
    let found = rules_found(src, None);
    assert!(
        !found.iter().any(|d| d.rule == "CgoWithStaticBase"),
        "{found:#?}"
    );
    let with_net = src.replace("import \"fmt\"", "import \"net\"");
    assert!(
        rules_found(&with_net, None)
            .iter()
            .any(|d| d.rule == "CgoWithStaticBase")
    );
}

#[test]
fn a_go_mod_in_the_context_or_gopath_mode_needs_no_go_mod_init() {
    let text = "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
    let module = GoFacts {
        go_files: 1,
        go_mod_files: 1,
        ..GoFacts::default()
    };
    let missing = |src: &str, facts: &GoFacts| {
        rules_found(src, Some(facts))
            .iter()
            .any(|d| d.rule == "MissingGoMod")
    };
    assert!(missing(text, &loose_main()));
    assert!(!missing(text, &module));
    assert!(!missing(
        "FROM golang:1.24\nENV GO111MODULE=off\nCOPY . .\nRUN go build -o /app .\n",
        &loose_main()
    ));
    assert!(!missing(
        "FROM golang:1.24\nCOPY . .\nRUN go mod init example.com/app && go build -o /app .\n",
        &loose_main()
    ));
    // Without a look at the sources, nothing is known about go.mod.
    assert!(
        !rules_found(text, None)
            .iter()
            .any(|d| d.rule == "MissingGoMod")
    );
}
