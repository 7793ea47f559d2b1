//! Every build is kept as a variant, so the user can compare what each
//! change did to size, build time and the run result.

use std::fmt::Write;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::dockerfile::edit::{Context, Toggle};
use crate::dockerfile::parse;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub number: usize,
    /// The runtime base as the user knows it: a catalog key or the image.
    pub base: String,
    /// The toggles that were on, e.g. "cgo off, strip".
    pub flags: String,
    pub size_bytes: u64,
    pub build_seconds: f64,
    /// `Some(true)` ran fine, `Some(false)` failed, `None` not run.
    pub run_ok: Option<bool>,
    pub first_line: String,
    /// The Dockerfile this variant was built from, to put back in the editor.
    #[serde(skip)]
    pub dockerfile: String,
}

/// The base key and the on/off flags of a Dockerfile, in the variants table's words.
pub fn describe(text: &str, catalog: &Catalog) -> (String, String) {
    let df = parse(text);
    let ctx = Context::new(&df, catalog);
    let base = match ctx.base() {
        Some(b) => b.key.clone(),
        None => ctx
            .graph
            .target_stage()
            .map(|s| s.base.clone())
            .unwrap_or_default(),
    };
    let mut flags = Vec::new();
    for t in Toggle::ALL {
        match (t, ctx.state(t)) {
            (Toggle::Cgo, Ok(false)) => flags.push("cgo off".to_string()),
            (Toggle::Cgo, _) => {}
            (t, Ok(true)) => flags.push(t.name().to_string()),
            _ => {}
        }
    }
    let flags = if flags.is_empty() {
        "-".to_string()
    } else {
        flags.join(", ")
    };
    (base, flags)
}

/// Sizes as the table shows them: "612 MB", "1.2 MB".
pub fn size_text(bytes: u64) -> String {
    crate::engine::context::human_bytes(bytes)
}

/// The table as Markdown, for a README or slides.
pub fn markdown(variants: &[Variant]) -> String {
    let mut out = String::from(
        "| # | base | flags | size | build | run | output |\n|---:|---|---|---:|---:|---|---|\n",
    );
    for v in variants {
        let run = match v.run_ok {
            Some(true) => "ok",
            Some(false) => "failed",
            None => "-",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} s | {run} | {} |",
            v.number,
            v.base,
            v.flags,
            size_text(v.size_bytes),
            v.build_seconds,
            v.first_line.replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_base_and_flags() {
        let text = "FROM golang:1.24 AS b\nRUN CGO_ENABLED=0 go build -ldflags=\"-s -w\" -o /a .\nFROM scratch\nCOPY --from=b /a /a\n";
        let (base, flags) = describe(text, Catalog::bundled());
        assert_eq!(base, "scratch");
        assert_eq!(flags, "cgo off, strip");
    }

    #[test]
    fn markdown_has_a_row_per_variant() {
        let v = Variant {
            number: 1,
            base: "scratch".into(),
            flags: "cgo off".into(),
            size_bytes: 1_200_000,
            build_seconds: 3.0,
            run_ok: Some(true),
            first_line: "Hello | World!".into(),
            dockerfile: String::new(),
        };
        let md = markdown(&[v]);
        assert!(
            md.contains("| 1 | scratch | cgo off | 1.2 MB | 3.0 s | ok | Hello \\| World! |"),
            "{md}"
        );
    }
}
