//! `dockstage lint`: findings as compiler-style text or JSON; exit 1 on errors.

use std::path::Path;

use serde::Serialize;

use super::{Failure, Format, report, status};
use crate::catalog::Catalog;
use crate::dockerfile::lint::lint;
use crate::dockerfile::rules::{Origin, RuleId};
use crate::dockerfile::{Diagnostic, Severity, parse};
use crate::goproject::GoFacts;

/// Go files read at most, so pointing lint at a huge tree stays quick.
const SCAN_LIMIT: usize = 5_000;

#[derive(Serialize)]
struct LintJson<'a> {
    file: String,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    go: Option<&'a GoFacts>,
}

pub fn run(file: &Path, format: Format, context: Option<&Path>, scan: bool) -> Result<u8, Failure> {
    let text = crate::input::read_dockerfile(file)?;
    let df = parse(&text);
    let dir = context.map(Path::to_path_buf).unwrap_or_else(|| {
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    });
    let facts = scan
        .then(|| GoFacts::scan_dir(&dir, SCAN_LIMIT))
        .filter(|f| f.go_files > 0);
    let found = lint(&df, Catalog::bundled(), facts.as_ref());
    let name = file.display().to_string();
    match format {
        Format::Json => {
            let json = LintJson {
                file: name,
                diagnostics: &found,
                go: facts.as_ref(),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&json).map_err(Failure::usage)?
            );
        }
        Format::Text => {
            for d in &found {
                println!("{}", report::render(&name, &df, d));
            }
            let scanned = match &facts {
                Some(f) => format!("; {} Go files scanned", f.go_files),
                None if scan => "; no Go sources found, so source-aware rules were skipped".into(),
                None => String::new(),
            };
            println!("{name}: {}{scanned}", report::summary(&found));
        }
    }
    let has_error = found.iter().any(|d| d.severity == Severity::Error);
    Ok(if has_error {
        status::FINDINGS
    } else {
        status::OK
    })
}

pub fn print_rules() -> Result<u8, Failure> {
    let groups = [
        (Origin::Lint, "Rules (id, default severity, what it finds):"),
        (Origin::Parser, "From the parser:"),
        (Origin::Graph, "From the stage graph:"),
    ];
    for (i, (origin, title)) in groups.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{title}\n");
        for rule in RuleId::ALL.iter().filter(|r| r.origin() == *origin) {
            println!(
                "  {:<32} {:<8} {}",
                rule.as_str(),
                rule.severity().as_str(),
                rule.summary()
            );
        }
    }
    println!("\nSkip rules with `# check=skip=RuleA,RuleB` as the first line, as with BuildKit.");
    Ok(status::OK)
}
