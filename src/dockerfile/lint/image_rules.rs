//! Rules about what ends up in the image and what a build leaks or wastes.

use super::{Findings, Lint, Rule};
use crate::dockerfile::diagnostic::{Fix, TextEdit};
use crate::dockerfile::rules::RuleId;
use crate::dockerfile::syntax::{Args, Keyword};

pub const OUTDATED_BASE: Rule = Rule {
    id: RuleId::OutdatedBase,
    check: outdated_base,
};

fn outdated_base(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        if stage.base_stage.is_some() || stage.base_written.contains('$') {
            continue;
        }
        let Some(member) = lint.catalog.family_member(&stage.base) else {
            continue;
        };
        if !member.outdated {
            continue;
        }
        let d = out.push(
            lint,
            &OUTDATED_BASE,
            stage.base_span,
            format!(
                "`{}` is a real image, but {} {} no longer gets updates: security fixes stop \
                 reaching it; `{}` is current",
                stage.base, member.release_of, member.release, member.current_image
            ),
        );
        d.fix = Some(Fix {
            title: format!("use `{}`", member.current_image),
            edits: vec![TextEdit::replace(stage.base_span, member.current_image)],
        });
    }
}

pub const APT_WITHOUT_CLEANUP: Rule = Rule {
    id: RuleId::AptWithoutCleanup,
    check: apt_without_cleanup,
};

fn apt_without_cleanup(lint: &Lint<'_>, out: &mut Findings) {
    for stage in &lint.graph.stages {
        // Only stages that end up in the final image cost the user size.
        let shipped = Some(stage.index) == lint.graph.target
            || lint
                .graph
                .target_stage()
                .is_some_and(|t| t.base_stage == Some(stage.index));
        if !shipped {
            continue;
        }
        for (_, ins) in lint.stage_instructions(stage) {
            if ins.keyword != Keyword::Run {
                continue;
            }
            let text = ins.args_text();
            if !(text.contains("apt-get install") || text.contains("apt install")) {
                continue;
            }
            let mut missing = Vec::new();
            if !text.contains("--no-install-recommends") {
                missing.push("--no-install-recommends");
            }
            let cleans = text.contains("/var/lib/apt/lists")
                || ins.flags.iter().any(|f| {
                    f.name == "mount"
                        && f.value
                            .as_deref()
                            .is_some_and(|v| v.contains("/var/lib/apt"))
                });
            if !cleans {
                missing.push("`rm -rf /var/lib/apt/lists/*` in the same RUN");
            }
            if missing.is_empty() {
                continue;
            }
            let span = ins.args.as_ref().map_or(ins.keyword_word.span, Args::span);
            out.push(
                lint,
                &APT_WITHOUT_CLEANUP,
                span,
                format!(
                    "this apt-get install ships extra megabytes in the final image; add {}",
                    missing.join(" and ")
                ),
            );
        }
    }
}

pub const UNUSED_STAGE: Rule = Rule {
    id: RuleId::UnusedStage,
    check: unused_stage,
};

fn unused_stage(lint: &Lint<'_>, out: &mut Findings) {
    let target = lint
        .graph
        .target_stage()
        .map(|s| s.display_name())
        .unwrap_or_default();
    for stage in &lint.graph.stages {
        if !lint.graph.is_unused(stage.index) {
            continue;
        }
        let span = stage.name_span.unwrap_or(stage.base_span);
        out.push(
            lint,
            &UNUSED_STAGE,
            span,
            format!(
                "stage `{}` is not needed by the target `{target}`: BuildKit skips it; build it \
                 with --target {} when you want it",
                stage.display_name(),
                stage.display_name()
            ),
        );
    }
}

pub const SECRETS_IN_ARG_OR_ENV: Rule = Rule {
    id: RuleId::SecretsUsedInArgOrEnv,
    check: secrets_in_arg_or_env,
};

const SECRET_WORDS: [&str; 6] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "PRIVATE_KEY",
];

fn secrets_in_arg_or_env(lint: &Lint<'_>, out: &mut Findings) {
    for ins in lint.df.instructions() {
        if !matches!(ins.keyword, Keyword::Arg | Keyword::Env) {
            continue;
        }
        for word in ins.words() {
            let name = word.text.split('=').next().unwrap_or("");
            let upper = name.to_ascii_uppercase();
            if !SECRET_WORDS.iter().any(|s| upper.contains(s)) {
                continue;
            }
            out.push(
                lint,
                &SECRETS_IN_ARG_OR_ENV,
                word.span,
                format!(
                    "`{name}` looks like a secret: {} values are recorded in the image; use \
                     RUN --mount=type=secret instead",
                    ins.keyword.name()
                ),
            );
        }
    }
}
