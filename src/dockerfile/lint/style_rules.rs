//! BuildKit's build-check rules, by the same names, so `docker build --check`
//! users recognise them.

use std::collections::HashMap;

use super::{Findings, Lint, Rule};
use crate::dockerfile::diagnostic::{Fix, TextEdit};
use crate::dockerfile::graph::Stage;
use crate::dockerfile::rules::RuleId;
use crate::dockerfile::similar;
use crate::dockerfile::syntax::{Args, Keyword};

pub const FROM_AS_CASING: Rule = Rule {
    id: RuleId::FromAsCasing,
    check: from_as_casing,
};

fn is_upper(s: &str) -> bool {
    s.chars().all(|c| !c.is_ascii_lowercase())
}

fn from_as_casing(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let Some(from) = lint.from_instruction(stage) else {
            continue;
        };
        let words = from.words();
        let Some(as_kw) = words.get(1).filter(|w| w.text.eq_ignore_ascii_case("as")) else {
            continue;
        };
        if is_upper(&from.keyword_word.text) == is_upper(&as_kw.text) {
            continue;
        }
        let want = if is_upper(&from.keyword_word.text) {
            "AS"
        } else {
            "as"
        };
        let d = out.push(
            lint,
            &FROM_AS_CASING,
            as_kw.span,
            format!(
                "`{}` and `{}` differ in case; write `{want}`",
                from.keyword_word.text, as_kw.text
            ),
        );
        d.fix = Some(Fix {
            title: format!("write `{want}`"),
            edits: vec![TextEdit::replace(as_kw.span, want)],
        });
    }
}

pub const STAGE_NAME_CASING: Rule = Rule {
    id: RuleId::StageNameCasing,
    check: stage_name_casing,
};

fn stage_name_casing(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
            continue;
        };
        if !name.chars().any(|c| c.is_ascii_uppercase()) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let d = out.push(
            lint,
            &STAGE_NAME_CASING,
            span,
            format!("stage name `{name}` should be lower case: `{lower}`"),
        );
        d.fix = Some(Fix {
            title: format!("rename to `{lower}`"),
            edits: vec![TextEdit::replace(span, lower)],
        });
    }
}

pub const DUPLICATE_STAGE_NAME: Rule = Rule {
    id: RuleId::DuplicateStageName,
    check: duplicate_stage_name,
};

fn duplicate_stage_name(lint: &Lint<'_>, out: &mut Findings) {
    // The first stage of each lower-cased name.
    let mut first_of: HashMap<String, &Stage> = HashMap::new();
    for stage in &lint.graph.stages {
        let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
            continue;
        };
        let first = *first_of.entry(name.to_ascii_lowercase()).or_insert(stage);
        if first.index != stage.index {
            out.push(
                lint,
                &DUPLICATE_STAGE_NAME,
                span,
                format!("stage name `{name}` is already used on line {}", first.line),
            );
        }
    }
}

pub const RESERVED_STAGE_NAME: Rule = Rule {
    id: RuleId::ReservedStageName,
    check: reserved_stage_name,
};

fn reserved_stage_name(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
            continue;
        };
        if ["scratch", "context"]
            .iter()
            .any(|r| name.eq_ignore_ascii_case(r))
        {
            out.push(
                lint,
                &RESERVED_STAGE_NAME,
                span,
                format!("`{name}` is reserved and cannot name a stage"),
            );
        }
    }
}

pub const JSON_ARGS_RECOMMENDED: Rule = Rule {
    id: RuleId::JSONArgsRecommended,
    check: json_args_recommended,
};

fn json_args_recommended(lint: &Lint<'_>, out: &mut Findings) {
    let Some(target) = lint.graph.target_stage() else {
        return;
    };
    // On shell-less bases NoShellInBase reports the same line as an error.
    if lint.base_of(target).is_some_and(|b| !b.has_shell()) {
        return;
    }
    for (_, ins) in lint.stage_instructions(target) {
        let (Keyword::Cmd | Keyword::Entrypoint, Some(Args::Shell { text, span })) =
            (&ins.keyword, &ins.args)
        else {
            continue;
        };
        if text.trim_start().starts_with('[') {
            continue; // InvalidJsonForm covers it
        }
        let d = out.push(
            lint,
            &JSON_ARGS_RECOMMENDED,
            *span,
            format!(
                "shell form runs `/bin/sh -c`, so SIGTERM from `docker stop` never reaches the \
                 program and it is killed after the timeout; use exec form for {}",
                ins.keyword.name()
            ),
        );
        if let Some(json) = super::go_rules::exec_form(text) {
            d.fix = Some(Fix {
                title: format!("use {json}"),
                edits: vec![TextEdit::replace(*span, json)],
            });
        }
    }
}

pub const INVALID_JSON_FORM: Rule = Rule {
    id: RuleId::InvalidJsonForm,
    check: invalid_json_form,
};

fn invalid_json_form(lint: &Lint<'_>, out: &mut Findings) {
    for ins in lint.df.instructions() {
        let Some(Args::Shell { text, span }) = &ins.args else {
            continue;
        };
        if !ins.keyword.takes_json() || !text.starts_with('[') || !text.trim_end().ends_with(']') {
            continue;
        }
        let fixed = text.replace('\'', "\"");
        let fix = serde_json::from_str::<Vec<String>>(&fixed)
            .ok()
            .map(|_| Fix {
                title: "use double quotes".into(),
                edits: vec![TextEdit::replace(*span, fixed.clone())],
            });
        let d = out.push(
            lint,
            &INVALID_JSON_FORM,
            *span,
            "this is not valid JSON (exec form needs double quotes), so the builder runs it \
             through /bin/sh as one shell command"
                .to_string(),
        );
        d.fix = fix;
    }
}

pub const WORKDIR_RELATIVE_PATH: Rule = Rule {
    id: RuleId::WorkdirRelativePath,
    check: workdir_relative_path,
};

fn workdir_relative_path(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        if stage.base_stage.is_some() {
            continue; // the parent stage may have set an absolute one
        }
        let mut absolute = false;
        for (_, ins) in lint.stage_instructions(stage) {
            if ins.keyword != Keyword::Workdir {
                continue;
            }
            let dir = ins.args_text().trim_matches(['"', '\'']);
            if dir.starts_with('/')
                || dir.starts_with('$')
                || dir.contains(":\\")
                || dir.starts_with("C:")
            {
                absolute = true;
            } else if !absolute {
                let span = ins.args.as_ref().map_or(ins.keyword_word.span, Args::span);
                out.push(
                    lint,
                    &WORKDIR_RELATIVE_PATH,
                    span,
                    format!("`WORKDIR {dir}` is relative to the base image's working directory; write an absolute path"),
                );
            }
        }
    }
}

pub const MAINTAINER_DEPRECATED: Rule = Rule {
    id: RuleId::MaintainerDeprecated,
    check: maintainer_deprecated,
};

fn maintainer_deprecated(lint: &Lint<'_>, out: &mut Findings) {
    for ins in lint.df.instructions() {
        if ins.keyword != Keyword::Maintainer {
            continue;
        }
        let who = ins.args_text().replace('"', "\\\"");
        let d = out.push(
            lint,
            &MAINTAINER_DEPRECATED,
            ins.keyword_word.span,
            "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors".to_string(),
        );
        let line_end = ins
            .args
            .as_ref()
            .map_or(ins.keyword_word.span.end, |a| a.span().end);
        d.fix = Some(Fix {
            title: "use a LABEL".into(),
            edits: vec![TextEdit::replace(
                ins.keyword_word
                    .span
                    .cover(crate::dockerfile::span::Span::at(line_end)),
                format!("LABEL org.opencontainers.image.authors=\"{who}\""),
            )],
        });
    }
}

pub const MULTIPLE_INSTRUCTIONS_DISALLOWED: Rule = Rule {
    id: RuleId::MultipleInstructionsDisallowed,
    check: multiple_instructions_disallowed,
};

fn multiple_instructions_disallowed(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let instructions = lint.stage_instructions(stage);
        for kw in [Keyword::Cmd, Keyword::Entrypoint, Keyword::Healthcheck] {
            let all: Vec<_> = instructions
                .iter()
                .filter(|(_, i)| i.keyword == kw)
                .collect();
            let Some((_, last)) = all.last() else {
                continue;
            };
            for (_, ins) in &all[..all.len() - 1] {
                out.push(
                    lint,
                    &MULTIPLE_INSTRUCTIONS_DISALLOWED,
                    ins.keyword_word.span,
                    format!(
                        "only the last {} in a stage counts (line {}); this one does nothing",
                        kw.name(),
                        last.line
                    ),
                );
            }
        }
    }
}

pub const LEGACY_KEY_VALUE_FORMAT: Rule = Rule {
    id: RuleId::LegacyKeyValueFormat,
    check: legacy_key_value_format,
};

fn legacy_key_value_format(lint: &Lint<'_>, out: &mut Findings) {
    for ins in lint.df.instructions() {
        if !matches!(ins.keyword, Keyword::Env | Keyword::Label) {
            continue;
        }
        let words = ins.words();
        let Some(first) = words.first() else { continue };
        if first.text.contains('=') || words.len() < 2 {
            continue;
        }
        let value = ins.args_text()[first.text.len()..].trim();
        let span = ins.args.as_ref().map_or(ins.keyword_word.span, Args::span);
        let d = out.push(
            lint,
            &LEGACY_KEY_VALUE_FORMAT,
            span,
            format!(
                "write `{} {}=...`: the space-separated form is legacy and ambiguous",
                ins.keyword.name(),
                first.text
            ),
        );
        let quoted = if value.starts_with('"') {
            value.to_string()
        } else {
            format!("\"{value}\"")
        };
        d.fix = Some(Fix {
            title: "use key=value".into(),
            edits: vec![TextEdit::replace(span, format!("{}={quoted}", first.text))],
        });
    }
}

pub const CONSISTENT_INSTRUCTION_CASING: Rule = Rule {
    id: RuleId::ConsistentInstructionCasing,
    check: consistent_instruction_casing,
};

fn consistent_instruction_casing(lint: &Lint<'_>, out: &mut Findings) {
    let known: Vec<_> = lint
        .df
        .instructions()
        .filter(|i| i.keyword != Keyword::Unknown)
        .collect();
    let want_upper = !lint.df.writes_lowercase();
    for ins in known {
        let text = &ins.keyword_word.text;
        let fine = if want_upper {
            is_upper(text)
        } else {
            text.chars().all(|c| !c.is_ascii_uppercase())
        };
        if fine {
            continue;
        }
        let want = if want_upper {
            text.to_ascii_uppercase()
        } else {
            text.to_ascii_lowercase()
        };
        let d = out.push(
            lint,
            &CONSISTENT_INSTRUCTION_CASING,
            ins.keyword_word.span,
            format!("`{text}` differs from the file's casing; write `{want}`"),
        );
        d.fix = Some(Fix {
            title: format!("write `{want}`"),
            edits: vec![TextEdit::replace(ins.keyword_word.span, want)],
        });
    }
}

pub const UNKNOWN_FLAG: Rule = Rule {
    id: RuleId::UnknownFlag,
    check: unknown_flag,
};

fn allowed_flags(kw: Keyword) -> &'static [&'static str] {
    match kw {
        Keyword::From => &["platform"],
        Keyword::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
        Keyword::Add => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
            "unpack",
        ],
        Keyword::Run => &["mount", "network", "security", "device"],
        Keyword::Healthcheck => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        Keyword::Arg | Keyword::Env | Keyword::Label => &[],
        _ => &[],
    }
}

fn unknown_flag(lint: &Lint<'_>, out: &mut Findings) {
    for ins in lint.df.instructions() {
        let ins = ins.trigger.as_deref().unwrap_or(ins);
        if ins.keyword == Keyword::Unknown {
            continue;
        }
        let allowed = allowed_flags(ins.keyword);
        for flag in &ins.flags {
            if allowed.contains(&flag.name.as_str()) {
                continue;
            }
            let near = similar::nearest(&flag.name, allowed.iter().copied());
            let hint = near
                .map(|n| format!(" (did you mean --{n}?)"))
                .unwrap_or_default();
            let d = out.push(
                lint,
                &UNKNOWN_FLAG,
                flag.span,
                format!("{} does not take --{}{hint}", ins.keyword.name(), flag.name),
            );
            if let Some(n) = near {
                let text = flag.span.slice(&lint.df.source).replacen(&flag.name, n, 1);
                d.fix = Some(Fix {
                    title: format!("use --{n}"),
                    edits: vec![TextEdit::replace(flag.span, text)],
                });
            }
        }
    }
}

pub const FROM_PLATFORM_FLAG_CONST_DISALLOWED: Rule = Rule {
    id: RuleId::FromPlatformFlagConstDisallowed,
    check: from_platform_flag_const_disallowed,
};

fn from_platform_flag_const_disallowed(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        let Some(from) = lint.from_instruction(stage) else {
            continue;
        };
        let Some(flag) = from.flag("platform") else {
            continue;
        };
        let value = flag.value.as_deref().unwrap_or("");
        // Only the builder's platform arguments make the value follow the build.
        let follows_build = crate::dockerfile::substitute::AUTOMATIC_ARGS
            .iter()
            .any(|arg| value.contains(arg));
        if follows_build || value.is_empty() {
            continue;
        }
        // The stage name says it is meant for that platform, as BuildKit allows.
        if stage
            .name
            .as_deref()
            .is_some_and(|n| value.split('/').nth(1).is_some_and(|arch| n.contains(arch)))
        {
            continue;
        }
        out.push(
            lint,
            &FROM_PLATFORM_FLAG_CONST_DISALLOWED,
            flag.span,
            format!(
                "--platform={value} pins this stage to one platform; for a builder use \
                 --platform=$BUILDPLATFORM with GOOS=$TARGETOS GOARCH=$TARGETARCH on go build"
            ),
        );
    }
}
