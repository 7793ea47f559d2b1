//! `dockstage check DIR`: the CI gate. Builds the project (without running
//! it), reads its final image, and judges the size, efficiency, wasted bytes
//! and lint findings against limits from flags or the project's
//! `.dockstage-check.toml`. Exit 0 when every rule passes, 1 when one fails,
//! 2 when the input cannot be used.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Failure, status};
use crate::catalog::Catalog;
use crate::dockerfile::lint::lint;
use crate::dockerfile::{Diagnostic, Severity, parse};
use crate::engine::Engine;
use crate::goproject::GoFacts;
use crate::workbench::gate::{
    Figures, RULES_FILE, Rules, Verdict, parse_efficiency, parse_lint, parse_size,
};

/// Go files read at most for the lint rules that look at the sources.
const SCAN_LIMIT: usize = 5_000;

/// The limits as given on the command line, not yet read.
#[derive(Debug)]
pub struct CheckArgs {
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    pub max_size: Option<String>,
    pub min_efficiency: Option<String>,
    pub max_wasted: Option<String>,
    pub lint: Option<String>,
    pub rules: Option<PathBuf>,
    pub format: super::Format,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    dir: String,
    rules_file: Option<String>,
    passed: bool,
    checks: &'a [crate::workbench::gate::Check],
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<ImageJson>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct ImageJson {
    size_bytes: u64,
    final_bytes: u64,
    efficiency: f64,
    wasted_bytes: u64,
    dive_wasted_bytes: u64,
}

pub fn run(args: &CheckArgs) -> Result<u8, Failure> {
    let dockerfile = super::dockerfile_in(&args.dir, args.file.as_deref())?;
    let flags = flag_rules(args)?;
    let (from_file, rules_file) = file_rules(&args.dir, args.rules.as_deref())?;
    let rules = from_file.overridden_by(flags);
    if rules.is_empty() {
        return Err(Failure::usage(format!(
            "no rules to check: give --max-size, --min-efficiency, --max-wasted or --lint, or \
             write them in {} (see `dockstage check --help`)",
            args.dir.join(RULES_FILE).display()
        )));
    }

    let text = crate::input::read_dockerfile(&dockerfile)?;
    let facts = Some(GoFacts::scan_dir(&args.dir, SCAN_LIMIT)).filter(|f| f.go_files > 0);
    let df = parse(&text);
    let found = lint(&df, Catalog::bundled(), facts.as_ref());
    let count = |s: Severity| found.iter().filter(|d| d.severity == s).count();
    let mut figures = Figures {
        lint_errors: count(Severity::Error),
        lint_warnings: count(Severity::Warning),
        ..Figures::default()
    };

    let image = if rules.needs_image() {
        let files = super::runtime()?.block_on(async {
            let engine = Engine::connect().await.map_err(Failure::usage)?;
            let files =
                super::files::read(&engine, &args.dir.display().to_string(), Some(&dockerfile))
                    .await;
            let _ = engine.cleanup_session().await;
            files
        })?;
        figures.size_bytes = files.layer_bytes;
        figures.efficiency = files.efficiency;
        figures.wasted_bytes = files.wasted_bytes;
        Some(ImageJson {
            size_bytes: files.layer_bytes,
            final_bytes: files.final_bytes,
            efficiency: files.efficiency,
            wasted_bytes: files.wasted_bytes,
            dive_wasted_bytes: files.dive_wasted_bytes,
        })
    } else {
        None
    };

    let verdict = rules.judge(&figures);
    let shown: Vec<Diagnostic> = match rules.lint {
        Some(level) => found.into_iter().filter(|d| d.severity >= level).collect(),
        None => Vec::new(),
    };
    match args.format {
        super::Format::Json => {
            let json = CheckJson {
                dir: args.dir.display().to_string(),
                rules_file: rules_file.as_ref().map(|p| p.display().to_string()),
                passed: verdict.passed,
                checks: &verdict.checks,
                image,
                diagnostics: &shown,
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&json).map_err(Failure::usage)?
            );
        }
        super::Format::Text => print!(
            "{}",
            text_report(
                &args.dir,
                rules_file.as_deref(),
                &verdict,
                &dockerfile,
                &df,
                &shown
            )
        ),
    }
    Ok(if verdict.passed {
        status::OK
    } else {
        status::FINDINGS
    })
}

/// The rules the flags set, each read or refused with what to write instead.
fn flag_rules(args: &CheckArgs) -> Result<Rules, Failure> {
    Ok(Rules {
        max_size: args
            .max_size
            .as_deref()
            .map(|s| parse_size("--max-size", s))
            .transpose()
            .map_err(Failure::usage)?,
        min_efficiency: args
            .min_efficiency
            .as_deref()
            .map(|s| parse_efficiency("--min-efficiency", s))
            .transpose()
            .map_err(Failure::usage)?,
        max_wasted: args
            .max_wasted
            .as_deref()
            .map(|s| parse_size("--max-wasted", s))
            .transpose()
            .map_err(Failure::usage)?,
        lint: args
            .lint
            .as_deref()
            .map(|s| parse_lint("--lint", s))
            .transpose()
            .map_err(Failure::usage)?,
    })
}

/// The rules file `--rules` names (it must exist), else the project's
/// `.dockstage-check.toml` when there is one.
fn file_rules(dir: &Path, named: Option<&Path>) -> Result<(Rules, Option<PathBuf>), Failure> {
    let path = match named {
        Some(p) => p.to_path_buf(),
        None => {
            let default = dir.join(RULES_FILE);
            if !default.exists() {
                return Ok((Rules::default(), None));
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::usage(format!(
            "{}: cannot read the rules file: {e}",
            path.display()
        ))
    })?;
    let rules = Rules::from_toml(&path.display().to_string(), &text).map_err(Failure::usage)?;
    Ok((rules, Some(path)))
}

fn text_report(
    dir: &Path,
    rules_file: Option<&Path>,
    verdict: &Verdict,
    dockerfile: &Path,
    df: &crate::dockerfile::Dockerfile,
    shown: &[Diagnostic],
) -> String {
    let mut out = format!("check {}", dir.display());
    if let Some(file) = rules_file {
        out.push_str(&format!(" (rules from {}, flags override)", file.display()));
    }
    out.push('\n');
    for c in &verdict.checks {
        out.push_str(&format!(
            "  {}  {:<13} {:<22} limit: {:<22} ({})\n",
            if c.passed { "pass" } else { "FAIL" },
            c.rule.label(),
            c.figure,
            c.limit,
            c.rule.flag()
        ));
    }
    let name = dockerfile.display().to_string();
    for d in shown {
        out.push_str(&format!("{}\n", super::report::render(&name, df, d)));
    }
    let failed: Vec<&str> = verdict
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.rule.label())
        .collect();
    if failed.is_empty() {
        out.push_str(&format!(
            "passed: {} of {} rules\n",
            verdict.checks.len(),
            verdict.checks.len()
        ));
    } else {
        out.push_str(&format!(
            "failed: {} of {} rules ({})\n",
            failed.len(),
            verdict.checks.len(),
            failed.join(", ")
        ));
    }
    out
}
