//! Fuzzes the whole Dockerfile core: parse → StageGraph → lint → edit.
//!
//! Properties checked on every input:
//! - parsing never panics, `print()` gives the input back, and the items tile it;
//! - every span the parser hands out lies inside the text on char boundaries;
//! - the graph and lint never panic, and every diagnostic's line and column
//!   are those of its span;
//! - every fix and every toggle plan is a set of valid, non-overlapping edits;
//! - flipping an applicable toggle reaches the other state, the result parses
//!   losslessly, and flipping it the same way again changes nothing;
//! - `base=scratch`, when it applies, is idempotent too.
//!
//! Run from `fuzz/` on a stable toolchain (seed `corpus/core` from
//! `tests/corpus/*.Dockerfile` and `assets/examples/*/Dockerfile*` first):
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 cargo fuzz run -s none core corpus/core -- \
//!     -dict=dockerfile.dict -max_len=4096 -timeout=5 -max_total_time=300
//! ```
//!
//! The core has no unsafe code, so `-s none` (no AddressSanitizer) loses
//! little and runs several times faster.

#![no_main]

use libfuzzer_sys::fuzz_target;

use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use dockstage::dockerfile::lint::lint;
use dockstage::dockerfile::{Dockerfile, Instruction, Span, StageGraph, TextEdit, apply_edits, parse};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);
});

fn check(text: &str) {
    let catalog = Catalog::bundled();
    let df = parse(text);
    check_parse(text, &df);

    let graph = StageGraph::new(&df);
    for d in &graph.diagnostics {
        check_span(text, d.span, "graph diagnostic");
    }

    for d in lint(&df, catalog, None) {
        assert!(
            d.line >= 1 && d.line <= df.lines.line_count(),
            "diagnostic on line {} of {}: {d:?}",
            d.line,
            df.lines.line_count()
        );
        check_span(text, d.span, d.rule.as_str());
        // The column counts characters from the line start, BOMs left out.
        let line_start = text.get(..d.span.start).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1);
        let column = text
            .get(line_start..d.span.start)
            .map_or(0, |s| s.chars().filter(|&c| c != '\u{feff}').count())
            + 1;
        assert_eq!((d.line, d.column), (text[..line_start].matches('\n').count() + 1, column), "{d:?}");
        if let Some(fix) = &d.fix {
            check_edits(text, &fix.edits, d.rule.as_str());
            let fixed = apply_edits(text, &fix.edits);
            check_parse(&fixed, &parse(&fixed));
        }
    }

    let ctx = Context::new(&df, catalog);
    for toggle in Toggle::ALL {
        let Ok(on) = ctx.state(toggle) else { continue };
        let flip = Change::Set(toggle, !on);
        let edits = match ctx.plan(&flip) {
            Ok(e) => e,
            Err(e) => panic!("{flip}: state is {on} but the flip does not apply: {e}"),
        };
        check_edits(text, &edits, &flip.to_string());
        assert!(!edits.is_empty(), "{flip}: state is {on} but the flip plans no edit");
        let changed = apply_edits(text, &edits);
        let df2 = parse(&changed);
        check_parse(&changed, &df2);
        let state = Context::new(&df2, catalog).state(toggle);
        assert_eq!(state, Ok(!on), "{flip} did not reach its state:\n{changed}");
        let twice = apply_changes(&changed, &[flip.clone()], catalog);
        assert_eq!(twice.as_deref(), Ok(changed.as_str()), "{flip} twice");
    }

    let scratch = Change::Base("scratch".to_string());
    if let Ok(edits) = ctx.plan(&scratch) {
        check_edits(text, &edits, "base=scratch");
        let once = apply_edits(text, &edits);
        check_parse(&once, &parse(&once));
        let twice = apply_changes(&once, &[scratch.clone()], catalog);
        assert_eq!(twice.as_deref(), Ok(once.as_str()), "base=scratch twice");
    }
}

fn check_parse(text: &str, df: &Dockerfile) {
    assert_eq!(df.print(), text, "print() is not the input");
    assert_eq!(df.source, text);
    let mut at = 0;
    for item in &df.items {
        assert_eq!(item.span.start, at, "gap or overlap before byte {at}");
        assert!(item.span.end > item.span.start, "empty item at {at}");
        at = item.span.end;
    }
    assert_eq!(at, text.len(), "items stop at {at} of {}", text.len());
    for d in &df.diagnostics {
        check_span(text, d.span, "parse diagnostic");
    }
    for d in &df.directives {
        check_span(text, d.span, "directive");
        check_span(text, d.value_span, "directive value");
    }
    for ins in df.instructions() {
        check_instruction(text, ins);
    }
}

fn check_instruction(text: &str, ins: &Instruction) {
    check_span(text, ins.span, "instruction");
    check_span(text, ins.keyword_word.span, "keyword");
    for f in &ins.flags {
        check_span(text, f.span, "flag");
        if let Some(v) = f.value_span {
            check_span(text, v, "flag value");
        }
    }
    if let Some(args) = &ins.args {
        check_span(text, args.span(), "args");
    }
    for w in ins.words() {
        check_span(text, w.span, "word");
    }
    for h in &ins.heredocs {
        check_span(text, h.marker, "heredoc marker");
        check_span(text, h.body, "heredoc body");
        if let Some(t) = h.terminator {
            check_span(text, t, "heredoc terminator");
        }
    }
    let _ = ins.logical_text();
    let _ = ins.args_text();
    if let Some(trigger) = &ins.trigger {
        check_instruction(text, trigger);
    }
}

fn check_span(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "{what} span {span:?} is not valid in a text of {} bytes",
        text.len()
    );
}

/// Edits must be inside the text, on char boundaries and not overlap, or
/// `apply_edits` would silently drop some of them.
fn check_edits(text: &str, edits: &[TextEdit], what: &str) {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut cursor = 0;
    for e in sorted {
        check_span(text, e.span, what);
        assert!(e.span.start >= cursor, "{what}: overlapping edits {edits:?}");
        cursor = e.span.end;
    }
}
