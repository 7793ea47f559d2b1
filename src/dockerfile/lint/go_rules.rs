//! Rules that know Go builds and what each runtime base lacks.

use std::collections::HashSet;

use super::{Findings, Lint, Rule};
use crate::catalog::{Libc, split_tag};
use crate::dockerfile::diagnostic::{Fix, Severity, TextEdit};
use crate::dockerfile::edit::{Change, Toggle, output_path};
use crate::dockerfile::rules::RuleId;
use crate::dockerfile::similar;
use crate::dockerfile::syntax::{Args, Keyword};

pub const MISSPELT_BASE: Rule = Rule {
    id: RuleId::MisspeltBase,
    check: misspelt_base,
};

fn misspelt_base(lint: &Lint<'_>, out: &mut Findings) {
    let mut known: Vec<String> = vec!["golang".into(), "scratch".into()];
    for base in &lint.catalog.bases {
        let (repo, _) = split_tag(&base.image);
        known.push(repo.to_string());
        known.push(base.key.clone());
    }
    let stage_names: Vec<String> = lint
        .graph
        .stages
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.to_ascii_lowercase()))
        .collect();
    for stage in &lint.graph.stages {
        if stage.base_stage.is_some() || stage.base_written.contains('$') {
            continue;
        }
        let (repo, tag) = split_tag(&stage.base);
        let repo_l = repo.to_ascii_lowercase();
        if known.contains(&repo_l) || stage_names.contains(&repo_l) {
            continue;
        }
        // An old release of a known family is real: OutdatedBase speaks of it.
        if lint.catalog.family_member(&stage.base).is_some() {
            continue;
        }
        let mut candidates: Vec<&str> = known.iter().map(String::as_str).collect();
        candidates.extend(stage_names.iter().map(String::as_str));
        let Some(near) = similar::nearest(repo, candidates) else {
            continue;
        };
        let replacement = match tag {
            Some(t) => format!("{near}:{t}"),
            None => near.to_string(),
        };
        let what = if stage_names.iter().any(|n| n == near) {
            "stage"
        } else {
            "image"
        };
        let d = out.push(
            lint,
            &MISSPELT_BASE,
            stage.base_span,
            format!("`{repo}` is not a known {what}: did you mean `{near}`?"),
        );
        d.fix = Some(Fix {
            title: format!("use `{replacement}`"),
            edits: vec![TextEdit::replace(stage.base_span, replacement)],
        });
    }
}

pub const COPY_BEFORE_MOD_DOWNLOAD: Rule = Rule {
    id: RuleId::CopyBeforeModDownload,
    check: copy_before_mod_download,
};

fn copy_before_mod_download(lint: &Lint<'_>, out: &mut Findings) {
    let download_items: HashSet<usize> = lint
        .edit
        .go
        .commands
        .iter()
        .filter(|c| c.verb == "mod download")
        .map(|c| c.item)
        .collect();
    for stage in &lint.graph.stages {
        let mut copy_all = None;
        for (item, ins) in lint.stage_instructions(stage) {
            if matches!(ins.keyword, Keyword::Copy | Keyword::Add)
                && ins.flag("from").is_none()
                && ins
                    .words()
                    .first()
                    .is_some_and(|w| w.text == "." || w.text == "./")
            {
                copy_all.get_or_insert(ins);
            }
            let downloads = download_items.contains(&item);
            if let (true, Some(copy)) = (downloads, copy_all) {
                out.push(
                    lint,
                    &COPY_BEFORE_MOD_DOWNLOAD,
                    copy.keyword_word.span.cover(
                        copy.args
                            .as_ref()
                            .map_or(copy.keyword_word.span, Args::span),
                    ),
                    format!(
                        "the whole source is copied before `go mod download` on line {}, so any \
                         change to a .go file downloads every module again; copy go.mod and \
                         go.sum first, download, then copy the rest",
                        ins.line
                    ),
                );
                break;
            }
        }
    }
}

pub const CGO_WITH_STATIC_BASE: Rule = Rule {
    id: RuleId::CgoWithStaticBase,
    check: cgo_with_static_base,
};

fn cgo_with_static_base(lint: &Lint<'_>, out: &mut Findings) {
    let Some(target) = lint.graph.target_stage() else {
        return;
    };
    let Some(base) = lint.base_of(target) else {
        return;
    };
    if base.libc == Libc::Glibc || !matches!(lint.edit.state(Toggle::Cgo), Ok(true)) {
        return;
    }
    let Some(build) = lint.edit.go.builds().next() else {
        return;
    };
    if build.stage == target.index {
        return; // the binary runs where it was built
    }
    // Linked statically on purpose: the binary needs no libc at run time.
    let static_link = build.args.iter().any(|w| w.text.contains("-static"));
    // golang:*-alpine has no C compiler, so cgo is off unless CGO_ENABLED=1 says otherwise.
    let builder_base = builder_root_image(lint, build.stage);
    let explicit_on = lint.df.source.contains("CGO_ENABLED=1");
    let compiler_missing = builder_base.contains("alpine") && !explicit_on;
    // Go files written inline with `COPY <<EOF main.go` count as sources too.
    let inline = inline_go_sources(lint);
    let facts = lint.facts.or(inline.as_ref());
    let needs_libc = facts.map(|f| f.uses_net || f.uses_os_user || f.uses_cgo);
    if static_link || compiler_missing || needs_libc == Some(false) {
        return;
    }
    let built = output_path(lint.df, lint.graph, build).unwrap_or_else(|| "/app".to_string());
    let binary = runtime_path(lint, target, build.stage, &built).unwrap_or(built);
    let severity = if needs_libc == Some(true) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let why = match needs_libc {
        Some(true) => {
            "this project imports net or os/user, so the binary will be linked dynamically"
        }
        _ => "if the program imports net or os/user, the binary is linked dynamically",
    };
    let lacks = if base.libc == Libc::Musl {
        "only musl, not glibc"
    } else {
        "no libc"
    };
    let d = out.push_with(
        lint,
        &CGO_WITH_STATIC_BASE,
        severity,
        build.go.span.cover(build.verb_word.span),
        format!(
            "cgo is on and the runtime base `{}` has {lacks}: {why} and fails with \
             `exec {binary}: no such file or directory`; set CGO_ENABLED=0",
            base.key
        ),
    );
    d.fix = lint.change_fix("set CGO_ENABLED=0", Change::Set(Toggle::Cgo, false));
}

/// Go sources in COPY heredocs whose destination ends in `.go`.
fn inline_go_sources(lint: &Lint<'_>) -> Option<crate::goproject::GoFacts> {
    let mut facts = crate::goproject::GoFacts::default();
    for ins in lint.df.instructions() {
        if ins.keyword != Keyword::Copy || ins.heredocs.is_empty() {
            continue;
        }
        let dest_is_go = ins.words().last().is_some_and(|w| w.text.ends_with(".go"));
        for doc in &ins.heredocs {
            if dest_is_go || doc.body.slice(&lint.df.source).contains("package main") {
                facts.add_source(doc.body.slice(&lint.df.source));
            }
        }
    }
    (facts.go_files > 0).then_some(facts)
}

/// Where the runtime stage puts the binary built at `built`: the
/// destination of the `COPY --from=<builder>` that copies it.
fn runtime_path(
    lint: &Lint<'_>,
    target: &crate::dockerfile::Stage,
    builder: crate::dockerfile::StageIndex,
    built: &str,
) -> Option<String> {
    let name = lint.graph.stage(builder)?.name.clone();
    for (_, ins) in lint.stage_instructions(target) {
        let Some(from) = ins.flag("from").and_then(|f| f.value.clone()) else {
            continue;
        };
        let same = name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&from))
            || from == builder.0.to_string();
        let words = ins.words();
        if !same || !words.iter().any(|w| w.text == built) {
            continue;
        }
        let dest = words.last()?.text.clone();
        let file = built.rsplit('/').next().unwrap_or(built);
        return Some(if dest.ends_with('/') {
            format!("{dest}{file}")
        } else {
            dest
        });
    }
    None
}

/// The image the stage that runs `go build` finally rests on, lower-cased.
fn builder_root_image(lint: &Lint<'_>, stage: crate::dockerfile::StageIndex) -> String {
    let mut current = lint.graph.stage(stage);
    for _ in 0..lint.graph.stages.len() {
        match current
            .and_then(|s| s.base_stage)
            .and_then(|p| lint.graph.stage(p))
        {
            Some(parent) => current = Some(parent),
            None => break,
        }
    }
    current
        .map(|s| s.base.to_ascii_lowercase())
        .unwrap_or_default()
}

pub const USER_WITHOUT_PASSWD: Rule = Rule {
    id: RuleId::UserWithoutPasswd,
    check: user_without_passwd,
};

fn user_without_passwd(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let Some(base) = lint.base_of(stage) else {
            continue;
        };
        if base.passwd {
            continue;
        }
        let copies_passwd = lint.stage_instructions(stage).iter().any(|(_, ins)| {
            ins.keyword == Keyword::Copy
                && ins.words().iter().any(|w| w.text.contains("/etc/passwd"))
        });
        if copies_passwd {
            continue;
        }
        for (_, ins) in lint.stage_instructions(stage) {
            if ins.keyword != Keyword::User {
                continue;
            }
            let user = ins.args_text();
            let name = user.split(':').next().unwrap_or("");
            if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) || name.starts_with('$')
            {
                continue;
            }
            let span = ins.args.as_ref().map_or(ins.keyword_word.span, Args::span);
            let d = out.push(
                lint,
                &USER_WITHOUT_PASSWD,
                span,
                format!(
                    "`{}` has no /etc/passwd, so the container fails to start with \"unable to \
                     find user {name}\"; use a numeric uid such as 65532:65532",
                    base.key
                ),
            );
            d.fix = Some(Fix {
                title: "use 65532:65532".into(),
                edits: vec![TextEdit::replace(span, "65532:65532")],
            });
        }
    }
}

pub const MISSING_CA_CERTIFICATES: Rule = Rule {
    id: RuleId::MissingCaCertificates,
    check: missing_ca_certificates,
};

fn missing_ca_certificates(lint: &Lint<'_>, out: &mut Findings) {
    if !lint.facts.is_some_and(|f| f.uses_tls_client) {
        return;
    }
    let Some(target) = lint.graph.target_stage() else {
        return;
    };
    let Some(base) = lint.base_of(target) else {
        return;
    };
    if base.ca_certs || lint.edit.has_certs() {
        return;
    }
    let span = target.base_span;
    let d = out.push(
        lint,
        &MISSING_CA_CERTIFICATES,
        span,
        format!(
            "the program makes TLS calls, but `{}` has no CA certificates: they fail with \
             \"x509: certificate signed by unknown authority\"; copy the builder's bundle",
            base.key
        ),
    );
    d.fix = lint.change_fix(
        "copy ca-certificates.crt from the builder",
        Change::Set(Toggle::Certs, true),
    );
}

pub const MISSING_TZDATA: Rule = Rule {
    id: RuleId::MissingTzdata,
    check: missing_tzdata,
};

fn missing_tzdata(lint: &Lint<'_>, out: &mut Findings) {
    if !lint.facts.is_some_and(|f| f.uses_timezones) {
        return;
    }
    let Some(target) = lint.graph.target_stage() else {
        return;
    };
    let Some(base) = lint.base_of(target) else {
        return;
    };
    if base.tzdata || !matches!(lint.edit.state(Toggle::Tzdata), Ok(false)) {
        return;
    }
    let copies_zoneinfo = lint
        .stage_instructions(target)
        .iter()
        .any(|(_, ins)| ins.keyword == Keyword::Copy && ins.args_text().contains("zoneinfo"));
    if copies_zoneinfo {
        return;
    }
    let d = out.push(
        lint,
        &MISSING_TZDATA,
        target.base_span,
        format!(
            "the program calls time.LoadLocation, but `{}` has no /usr/share/zoneinfo: it fails \
             with \"unknown time zone\"; build with -tags timetzdata",
            base.key
        ),
    );
    d.fix = lint.change_fix("add -tags timetzdata", Change::Set(Toggle::Tzdata, true));
}

pub const UNPINNED_IMAGE: Rule = Rule {
    id: RuleId::UnpinnedImage,
    check: unpinned_image,
};

fn unpinned_image(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        if stage.base_stage.is_some() || stage.is_scratch() || stage.base.is_empty() {
            continue;
        }
        let (repo, tag) = split_tag(&stage.base);
        // A misspelt name gets MisspeltBase instead.
        let misspelt =
            similar::nearest(repo, ["golang", "scratch", "alpine", "busybox", "debian"]).is_some();
        if misspelt {
            continue;
        }
        if repo.contains("/distroless/") {
            if tag.is_none() {
                out.push_with(
                    lint,
                    &UNPINNED_IMAGE,
                    Severity::Info,
                    stage.base_span,
                    format!(
                        "`{}` follows the newest build: distroless publishes no version tags, \
                         so pin a digest (`@sha256:…`) when rebuilds must be reproducible",
                        stage.base
                    ),
                );
            }
            continue;
        }
        let builder = lint.edit.go.commands.iter().any(|c| c.stage == stage.index);
        let problem = match tag {
            None => "has no tag, so it means `latest`",
            Some("latest") => "is `latest`",
            _ => continue,
        };
        let advice = if builder || repo.ends_with("golang") {
            format!(
                "; pin the Go version, e.g. `{}`, so the toolchain only changes when you say so",
                lint.catalog.builder.image
            )
        } else {
            "; pin a tag so rebuilds are reproducible".to_string()
        };
        out.push(
            lint,
            &UNPINNED_IMAGE,
            stage.base_span,
            format!("`{}` {problem}{advice}", stage.base),
        );
    }
}

pub const GO_BUILD_WITHOUT_CACHE_MOUNT: Rule = Rule {
    id: RuleId::GoBuildWithoutCacheMount,
    check: go_build_without_cache_mount,
};

fn go_build_without_cache_mount(lint: &Lint<'_>, out: &mut Findings) {
    if !matches!(lint.edit.state(Toggle::CacheMounts), Ok(false)) {
        return;
    }
    let Some(build) = lint.edit.go.builds().next() else {
        return;
    };
    // The cache paths are Linux ones; Windows containers keep theirs elsewhere.
    let windows = lint.df.escape == '`'
        || lint.graph.stages.iter().any(|s| {
            let b = s.base.to_ascii_lowercase();
            b.contains("windows") || b.contains("nanoserver") || b.contains("servercore")
        });
    if windows {
        return;
    }
    let d = out.push(
        lint,
        &GO_BUILD_WITHOUT_CACHE_MOUNT,
        build.go.span.cover(build.verb_word.span),
        "without `--mount=type=cache` for /go/pkg/mod and /root/.cache/go-build, BuildKit \
         recompiles every package whenever a source file changes"
            .to_string(),
    );
    d.fix = lint.change_fix("add cache mounts", Change::Set(Toggle::CacheMounts, true));
}

pub const GO_TOOLCHAIN_IN_FINAL_IMAGE: Rule = Rule {
    id: RuleId::GoToolchainInFinalImage,
    check: go_toolchain_in_final_image,
};

fn go_toolchain_in_final_image(lint: &Lint<'_>, out: &mut Findings) {
    let Some(target) = lint.graph.target_stage() else {
        return;
    };
    let mut root = target;
    for _ in 0..lint.graph.stages.len() {
        match root.base_stage.and_then(|s| lint.graph.stage(s)) {
            Some(parent) => root = parent,
            None => break,
        }
    }
    let (repo, _) = split_tag(&root.base);
    if !repo.to_ascii_lowercase().ends_with("golang") {
        return;
    }
    // An image with ONBUILD triggers is a builder base for other Dockerfiles.
    if lint
        .stage_instructions(target)
        .iter()
        .any(|(_, ins)| ins.trigger.is_some())
    {
        return;
    }
    let d = out.push(
        lint,
        &GO_TOOLCHAIN_IN_FINAL_IMAGE,
        target.base_span,
        format!(
            "the final image is built on `{}` and carries the Go toolchain (about {} MB); \
             copy the binary into a small runtime stage such as scratch",
            root.base,
            lint.catalog.builder.typical_size_bytes / 1_000_000
        ),
    );
    d.fix = lint.change_fix(
        "add a scratch runtime stage",
        Change::Base("scratch".into()),
    );
}

pub const NO_SHELL_IN_BASE: Rule = Rule {
    id: RuleId::NoShellInBase,
    check: no_shell_in_base,
};

fn no_shell_in_base(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let Some(base) = lint.base_of(stage) else {
            continue;
        };
        if base.has_shell() {
            continue;
        }
        let instructions = lint.stage_instructions(stage);
        let copies_shell = instructions.iter().any(|(_, ins)| {
            ins.keyword == Keyword::Copy && ins.words().iter().any(|w| w.text.contains("/bin/"))
        });
        let sets_shell = instructions
            .iter()
            .any(|(_, ins)| ins.keyword == Keyword::Shell);
        if copies_shell || sets_shell {
            continue;
        }
        for (_, ins) in instructions {
            let shell_form = match (&ins.keyword, &ins.args) {
                (Keyword::Run | Keyword::Cmd | Keyword::Entrypoint, Some(Args::Shell { .. })) => {
                    true
                }
                (Keyword::Healthcheck, Some(Args::Shell { .. })) => ins
                    .subcommand
                    .as_ref()
                    .is_some_and(|w| w.text.eq_ignore_ascii_case("cmd")),
                (Keyword::Run, None) => !ins.heredocs.is_empty(),
                _ => false,
            };
            if !shell_form {
                continue;
            }
            let what = match ins.keyword {
                Keyword::Run => "this RUN cannot execute",
                Keyword::Healthcheck => "this health check always fails",
                _ => "the container cannot start",
            };
            let mut message = format!(
                "`{}` has no /bin/sh, and shell form runs through it: {what}",
                base.key
            );
            if ins.keyword != Keyword::Run {
                let example = match &ins.args {
                    Some(Args::Shell { text, .. }) => exec_form(text),
                    _ => None,
                };
                let example = example.unwrap_or_else(|| "[\"/app\"]".to_string());
                message.push_str(&format!("; use exec form: {example}"));
            }
            let span = ins.args.as_ref().map_or(ins.keyword_word.span, Args::span);
            let d = out.push(lint, &NO_SHELL_IN_BASE, span, message);
            if let (Keyword::Cmd | Keyword::Entrypoint, Some(Args::Shell { text, .. })) =
                (&ins.keyword, &ins.args)
                && let Some(json) = exec_form(text)
            {
                d.fix = Some(Fix {
                    title: format!("use exec form {json}"),
                    edits: vec![TextEdit::replace(span, json)],
                });
            }
        }
    }
}

/// `/app -flag x` → `["/app", "-flag", "x"]`, when the words need no shell.
pub fn exec_form(text: &str) -> Option<String> {
    if text.contains(['$', '|', '&', ';', '<', '>', '*', '"', '\'', '`', '\\', '(']) {
        return None;
    }
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| format!("[{}]", words.join(", ")))
}
