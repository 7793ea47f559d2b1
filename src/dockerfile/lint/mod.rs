//! Lint: rules that know Go, multi-stage builds and runtime bases, plus the
//! BuildKit build-check names where they overlap, so users who know
//! `docker build --check` see familiar ids.

mod go_rules;
mod image_rules;
mod module_rules;
mod style_rules;
#[cfg(test)]
mod tests;

use crate::catalog::{Catalog, RuntimeBase};
use crate::dockerfile::diagnostic::{Diagnostic, Fix, Severity, TextEdit};
use crate::dockerfile::edit::{Change, Context};
use crate::dockerfile::graph::{Stage, StageGraph};
use crate::dockerfile::span::Span;
use crate::dockerfile::syntax::{Dockerfile, Instruction, ItemKind};
use crate::goproject::GoFacts;

/// Pre-flight reads this rule's findings to name the image a missing one was meant to be.
pub use go_rules::MISSPELT_BASE;

/// A lint rule: its id, what it is about, and the check.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    check: fn(&Lint<'_>, &mut Findings),
}

/// The rules, in the order their ids are listed in `--help`.
pub const RULES: &[Rule] = &[
    go_rules::MISSPELT_BASE,
    go_rules::COPY_BEFORE_MOD_DOWNLOAD,
    go_rules::CGO_WITH_STATIC_BASE,
    go_rules::USER_WITHOUT_PASSWD,
    go_rules::MISSING_CA_CERTIFICATES,
    go_rules::MISSING_TZDATA,
    go_rules::UNPINNED_IMAGE,
    go_rules::GO_BUILD_WITHOUT_CACHE_MOUNT,
    go_rules::GO_TOOLCHAIN_IN_FINAL_IMAGE,
    go_rules::NO_SHELL_IN_BASE,
    module_rules::MISSING_GO_MOD,
    image_rules::APT_WITHOUT_CLEANUP,
    image_rules::UNUSED_STAGE,
    image_rules::SECRETS_IN_ARG_OR_ENV,
    style_rules::FROM_AS_CASING,
    style_rules::STAGE_NAME_CASING,
    style_rules::DUPLICATE_STAGE_NAME,
    style_rules::RESERVED_STAGE_NAME,
    style_rules::JSON_ARGS_RECOMMENDED,
    style_rules::INVALID_JSON_FORM,
    style_rules::WORKDIR_RELATIVE_PATH,
    style_rules::MAINTAINER_DEPRECATED,
    style_rules::MULTIPLE_INSTRUCTIONS_DISALLOWED,
    style_rules::LEGACY_KEY_VALUE_FORMAT,
    style_rules::CONSISTENT_INSTRUCTION_CASING,
    style_rules::UNKNOWN_FLAG,
    style_rules::FROM_PLATFORM_FLAG_CONST_DISALLOWED,
];

/// Rules raised by the parser and the graph rather than by `RULES`.
pub const STRUCTURAL_RULES: &[(&str, &str)] = &[
    (
        "UnknownInstruction",
        "an instruction the builder does not know",
    ),
    ("MissingArguments", "an instruction with nothing after it"),
    (
        "UnterminatedHeredoc",
        "a heredoc with no closing delimiter line",
    ),
    ("NoEmptyContinuation", "a blank line inside a continuation"),
    ("UnknownStage", "COPY --from or mount from= names no stage"),
    (
        "StageReference",
        "a stage number that is not an earlier stage",
    ),
    ("StageCycle", "stages that depend on each other"),
    (
        "UndefinedArgInFrom",
        "a variable in FROM with no ARG before the first FROM",
    ),
    (
        "FromSyntax",
        "FROM with words other than an image and AS name",
    ),
    (
        "InvalidEscape",
        "an escape directive other than \\ or a backtick",
    ),
];

/// What the rules can see.
pub struct Lint<'a> {
    pub df: &'a Dockerfile,
    pub graph: &'a StageGraph,
    pub edit: &'a Context<'a>,
    pub catalog: &'a Catalog,
    pub facts: Option<&'a GoFacts>,
}

/// Collected findings, with helpers for the common shapes.
pub struct Findings {
    list: Vec<Diagnostic>,
}

impl Findings {
    fn push(
        &mut self,
        lint: &Lint<'_>,
        rule: &Rule,
        span: Span,
        message: String,
    ) -> &mut Diagnostic {
        self.push_with(lint, rule, rule.severity, span, message)
    }

    fn push_with(
        &mut self,
        lint: &Lint<'_>,
        rule: &Rule,
        severity: Severity,
        span: Span,
        message: String,
    ) -> &mut Diagnostic {
        let at = lint.df.position(span.start);
        self.list
            .push(Diagnostic::new(rule.id, severity, span, at, message));
        let last = self.list.len() - 1;
        &mut self.list[last]
    }
}

impl<'a> Lint<'a> {
    /// The instructions of a stage after its FROM, with their item indices.
    pub fn stage_instructions(&self, stage: &Stage) -> Vec<(usize, &'a Instruction)> {
        let df: &'a Dockerfile = self.df;
        let start = stage.from_item + 1;
        df.items
            .get(start..stage.end_item)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.kind {
                ItemKind::Instruction(ins) => Some((start + i, ins.as_ref())),
                _ => None,
            })
            .collect()
    }

    pub fn from_instruction(&self, stage: &Stage) -> Option<&'a Instruction> {
        let df: &'a Dockerfile = self.df;
        match df.items.get(stage.from_item).map(|i| &i.kind) {
            Some(ItemKind::Instruction(ins)) => Some(ins.as_ref()),
            _ => None,
        }
    }

    /// The catalog base a stage finally rests on, following `FROM stage` links.
    pub fn base_of(&self, stage: &Stage) -> Option<&'a RuntimeBase> {
        let root = self.graph.root_stage(stage.index)?;
        self.catalog.base_for_image(&root.base)
    }

    /// A fix that applies a toggle change, when it applies.
    pub fn change_fix(&self, title: &str, change: Change) -> Option<Fix> {
        let edits: Vec<TextEdit> = self.edit.plan(&change).ok()?;
        (!edits.is_empty()).then(|| Fix {
            title: title.to_string(),
            edits,
        })
    }
}

/// Rules switched off or made errors by a `# check=` directive.
#[derive(Debug, Default)]
struct CheckDirective {
    skip_all: bool,
    skip: Vec<String>,
    error: bool,
}

impl CheckDirective {
    fn read(df: &Dockerfile) -> Self {
        let mut out = Self::default();
        let Some(d) = df.directive("check") else {
            return out;
        };
        for part in d.value.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            match k.trim() {
                "skip" if v.trim() == "all" => out.skip_all = true,
                "skip" => out.skip = v.split(',').map(|s| s.trim().to_string()).collect(),
                "error" => out.error = v.trim() == "true",
                _ => {}
            }
        }
        out
    }
}

/// Every finding for `df`: parse and graph problems, then the rules, in file order.
pub fn lint(df: &Dockerfile, catalog: &Catalog, facts: Option<&GoFacts>) -> Vec<Diagnostic> {
    lint_context(&Context::new(df, catalog), facts)
}

/// `lint` on a parse whose graph and go commands the caller already has.
pub fn lint_context(ctx: &Context<'_>, facts: Option<&GoFacts>) -> Vec<Diagnostic> {
    let (df, graph, catalog) = (ctx.df, &ctx.graph, ctx.catalog);
    let lint = Lint {
        df,
        graph,
        edit: ctx,
        catalog,
        facts,
    };
    let mut findings = Findings { list: Vec::new() };
    findings.list.extend(df.diagnostics.iter().cloned());
    findings.list.extend(graph.diagnostics.iter().cloned());
    for rule in RULES {
        (rule.check)(&lint, &mut findings);
    }
    let check = CheckDirective::read(df);
    let mut list: Vec<Diagnostic> = findings
        .list
        .into_iter()
        .filter(|d| {
            let skipped = check.skip.iter().any(|s| s == d.rule);
            let all_but_errors = check.skip_all && d.severity != Severity::Error;
            !(skipped || all_but_errors)
        })
        .map(|mut d| {
            if check.error && d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
            d
        })
        .collect();
    list.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    list.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
    list
}
