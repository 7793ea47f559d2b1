//! Inputs the fuzzer (fuzz/fuzz_targets/core.rs) found, minimised, kept as
//! tests so the bugs stay fixed.

use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Change, Context, Toggle, apply_changes};
use dockstage::dockerfile::{apply_edits, parse};

/// The fuzz target's toggle property: a flip that applies reaches the other
/// state, and doing it again changes nothing.
fn assert_flips_cleanly(text: &str) {
    let catalog = Catalog::bundled();
    let df = parse(text);
    let ctx = Context::new(&df, catalog);
    for toggle in Toggle::ALL {
        let Ok(on) = ctx.state(toggle) else { continue };
        let flip = Change::Set(toggle, !on);
        let edits = ctx
            .plan(&flip)
            .unwrap_or_else(|e| panic!("{flip}: state is {on} but: {e}"));
        let changed = apply_edits(text, &edits);
        let state = Context::new(&parse(&changed), catalog).state(toggle);
        assert_eq!(state, Ok(!on), "{flip} did not reach its state:\n{changed}");
        let twice = apply_changes(&changed, &[flip.clone()], catalog);
        assert_eq!(twice.as_deref(), Ok(changed.as_str()), "{flip} twice");
    }
}

#[test]
fn base_on_a_from_with_no_image_does_not_replace_the_keyword() {
    // `base=scratch` used to replace the `FROM` keyword itself: "FROM" -> "scratch".
    let scratch = [Change::Base("scratch".to_string())];
    for text in ["FROM", "FROM\n", "FROM --platform=linux/amd64\n"] {
        if let Ok(out) = apply_changes(text, &scratch, Catalog::bundled()) {
            assert!(out.contains("FROM scratch"), "{text:?} became {out:?}");
        }
    }
}

#[test]
fn certs_off_can_be_undone_when_the_runtime_stage_is_the_builder() {
    // certs read as on here, but once off the toggle no longer applied.
    assert_flips_cleanly(
        "FROM golang:1.24\n\
         COPY --from=alpine /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n\
         RUN go build -o /app .\n",
    );
}

#[test]
fn certs_off_can_be_undone_when_certs_come_from_an_image() {
    assert_flips_cleanly(
        "FROM scratch\n\
         COPY --from=alpine /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n\
         COPY app /app\n",
    );
}
