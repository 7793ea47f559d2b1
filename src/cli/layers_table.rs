//! The per-layer breakdown of an image, as `build`, `matrix` and `tune`
//! print it: in a terminal, or as Markdown for a README or slides.

use std::fmt::Write as _;

use crate::engine::layers::{Layer, short_created_by};
use crate::human::human_bytes;

/// Aligned columns: size, line, what made the layer.
pub fn text(layers: &[Layer], total: u64) -> String {
    let mut out = String::new();
    for l in layers {
        let line = l.line.map_or("    ".to_string(), |n| format!("l.{n}"));
        let base = if l.from_base && !l.created_by.trim().is_empty() {
            " (base)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>9}  {line:<6} {}{base}",
            human_bytes(l.size_bytes),
            what_made(l)
        );
    }
    let _ = writeln!(out, "  {:>9}  total", human_bytes(total));
    out
}

/// What made the layer; a base image's own layers often say nothing.
fn what_made(l: &Layer) -> String {
    match short_created_by(&l.created_by, 60) {
        by if by.is_empty() => "the base image".to_string(),
        by => by,
    }
}

/// A Markdown table with a total row.
pub fn markdown(layers: &[Layer], total: u64) -> String {
    let mut out = String::from("| size | line | created by |\n|---:|---:|---|\n");
    for l in layers {
        let line = l.line.map_or(String::new(), |n| n.to_string());
        let by = match what_made(l).replace('|', "\\|") {
            by if l.created_by.trim().is_empty() => by,
            by => format!("`{by}`"),
        };
        let base = if l.from_base && !l.created_by.trim().is_empty() {
            " (base)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {} | {line} | {by}{base} |",
            human_bytes(l.size_bytes)
        );
    }
    let _ = writeln!(out, "| **{}** | | total |", human_bytes(total));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_pipes_and_totals() {
        let layers = [Layer {
            size_bytes: 1_208_504,
            created_by: "/bin/sh -c a | b".into(),
            line: Some(9),
            stage: Some(1),
            from_base: false,
        }];
        let md = markdown(&layers, 1_208_504);
        assert!(md.contains("| 1.2 MB | 9 | `RUN a \\| b` |"), "{md}");
        assert!(md.ends_with("| **1.2 MB** | | total |\n"), "{md}");
    }
}
