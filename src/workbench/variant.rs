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
    /// What sets it apart from an earlier variant with the same base and
    /// flags, e.g. "l.33 ≠ #1": the label must tell different files apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differs: Option<String>,
    /// The image built, to read its files and compare it with another
    /// variant's; `None` when the build kept no image to read.
    #[serde(skip)]
    pub image_id: Option<String>,
}

impl Variant {
    /// A variant of `dockerfile` numbered and labelled after `earlier`, with
    /// no result yet.
    pub fn labelled(earlier: &[Variant], dockerfile: String, catalog: &Catalog) -> Variant {
        let (base, flags) = describe(&dockerfile, catalog);
        let differs = differs(earlier, &base, &flags, &dockerfile);
        Variant {
            number: earlier.len() + 1,
            base,
            flags,
            size_bytes: 0,
            build_seconds: 0.0,
            run_ok: None,
            first_line: String::new(),
            dockerfile,
            differs,
            image_id: None,
        }
    }

    /// The flags as the table shows them, with what sets the variant apart.
    pub fn flags_label(&self) -> String {
        match &self.differs {
            Some(d) => format!("{} · {d}", self.flags),
            None => self.flags.clone(),
        }
    }
}

/// What tells a variant of `text` from earlier ones with the same base and
/// flags: the same note as an earlier one with the very same text, else the
/// first line where it differs from the latest of them. Each note names an
/// earlier variant, and a later one is always compared with the latest, so
/// two different texts never end up with the same label.
fn differs(earlier: &[Variant], base: &str, flags: &str, text: &str) -> Option<String> {
    let same: Vec<&Variant> = earlier
        .iter()
        .filter(|v| v.base == base && v.flags == flags)
        .collect();
    if let Some(twin) = same.iter().find(|v| v.dockerfile == text) {
        return twin.differs.clone();
    }
    let last = same.last()?;
    Some(format!(
        "l.{} ≠ #{}",
        first_differing_line(&last.dockerfile, text),
        last.number
    ))
}

/// The 1-based line where `a` and `b` first differ.
fn first_differing_line(a: &str, b: &str) -> usize {
    let (mut a, mut b) = (a.split('\n'), b.split('\n'));
    let mut line = 1;
    while let (Some(x), Some(y)) = (a.next(), b.next()) {
        if x != y {
            break;
        }
        line += 1;
    }
    line
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
    crate::human::human_bytes(bytes)
}

/// A size change as people say it: "−72.5 MB" smaller, "+1.2 MB" larger.
pub fn change_text(previous: u64, now: u64) -> String {
    if now >= previous {
        format!("+{}", size_text(now - previous))
    } else {
        format!("−{}", size_text(previous - now))
    }
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
            v.flags_label(),
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
    fn different_files_with_the_same_toggles_get_different_labels() {
        let catalog = Catalog::bundled();
        let a = "FROM golang:1.24 AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n";
        let b = a.replace("-o /a .", "-o /a ./cmd/a");
        let c = a.replace("-o /a .", "-o /a ./cmd/c");
        let mut table: Vec<Variant> = Vec::new();
        for text in [a.to_string(), b.clone(), c, b, a.to_string()] {
            let v = Variant::labelled(&table, text, catalog);
            table.push(v);
        }
        let labels: Vec<String> = table
            .iter()
            .map(|v| format!("{} {}", v.base, v.flags_label()))
            .collect();
        assert_eq!(
            labels,
            [
                "scratch -",
                "scratch - · l.2 ≠ #1",
                "scratch - · l.2 ≠ #2",
                "scratch - · l.2 ≠ #1",
                "scratch -",
            ]
        );
        for (i, x) in table.iter().enumerate() {
            for y in &table[..i] {
                assert_eq!(
                    x.dockerfile == y.dockerfile,
                    labels[x.number - 1] == labels[y.number - 1],
                    "#{} and #{}",
                    x.number,
                    y.number
                );
            }
        }
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
            differs: None,
            image_id: None,
        };
        let md = markdown(&[v]);
        assert!(
            md.contains("| 1 | scratch | cgo off | 1.2 MB | 3.0 s | ok | Hello \\| World! |"),
            "{md}"
        );
    }
}
