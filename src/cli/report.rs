//! Diagnostics printed the way compilers print them: location, severity and
//! rule, the source line with a caret under the problem, and the fix.

use std::fmt::Write;

use crate::dockerfile::{Diagnostic, Dockerfile, Severity};

/// Renders one diagnostic as a compiler would.
pub fn render(file: &str, df: &Dockerfile, d: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}:{}:{}: {}[{}]: {}",
        d.line, d.column, d.severity, d.rule, d.message
    );
    let line_text = df.line_text(d.line);
    let gutter = d.line.to_string().len();
    let _ = writeln!(
        out,
        "{:>gutter$} | {}",
        d.line,
        line_text.replace('\t', " ")
    );
    let start_col = d.column.saturating_sub(1);
    let end = df.position(d.span.end.max(d.span.start));
    let width = if end.line == d.line && end.column > d.column {
        end.column - d.column
    } else {
        line_text.chars().count().saturating_sub(start_col).max(1)
    };
    let _ = writeln!(
        out,
        "{:>gutter$} | {}{}",
        "",
        " ".repeat(start_col),
        "^".repeat(width.max(1))
    );
    if let Some(fix) = &d.fix {
        let _ = writeln!(out, "{:>gutter$} = fix: {}", "", fix.title);
    }
    out
}

/// "2 errors, 1 warning" — the counts that matter, for the last line.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {} info",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        count(Severity::Info)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::lint::lint;
    use crate::dockerfile::parse;

    #[test]
    fn caret_sits_under_the_problem() {
        let src = "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM stratch\n";
        let df = parse(src);
        let found = lint(&df, crate::catalog::Catalog::bundled(), None);
        let d = found.iter().find(|d| d.rule == "MisspeltBase");
        let text = d.map(|d| render("Dockerfile", &df, d)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("Dockerfile:3:6: error[MisspeltBase]: "),
            "{text}"
        );
        assert_eq!(lines[1], "3 | FROM stratch");
        assert_eq!(lines[2], "  |      ^^^^^^^");
        assert_eq!(lines[3], "  = fix: use `scratch`");
    }
}
