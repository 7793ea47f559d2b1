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
        let twice = apply_changes(&changed, std::slice::from_ref(&flip), catalog);
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

#[test]
fn nonroot_is_not_added_inside_an_unterminated_heredoc() {
    // `USER 65532:65532` went into the heredoc body, so nonroot never turned on.
    assert_flips_cleanly("FROM\nRUN <<C");
    assert_flips_cleanly("FROM scratch\nRUN <<EOF\necho hi\n");
}

#[test]
fn nonroot_is_not_added_after_a_trailing_continuation() {
    assert_flips_cleanly("FROM scratch\nCOPY a /a \\");
    assert_flips_cleanly("FROM scratch\nCOPY a /a \\\n# the end\n");
}

#[test]
fn base_split_is_not_appended_inside_an_unterminated_heredoc() {
    // A single-stage build gets a runtime stage appended at the end of the file.
    let text = "FROM golang:1.24\nRUN go build -o /app . <<EOF\n";
    let scratch = [Change::Base("scratch".to_string())];
    if let Ok(once) = apply_changes(text, &scratch, Catalog::bundled()) {
        let twice = apply_changes(&once, &scratch, Catalog::bundled());
        assert_eq!(twice.as_deref(), Ok(once.as_str()), "{once}");
    }
}

#[test]
fn strip_and_tags_leave_values_with_stray_quotes_alone() {
    // strip=on wrapped `"- ` in more quotes and never reached its state.
    assert_flips_cleanly("FROM\nRUN go build -ldflags=\"- ");
    assert_flips_cleanly("FROM golang\nRUN go build -ldflags=-X\" a\"b -o /a .\n");
    assert_flips_cleanly("FROM golang\nRUN go build -tags \"netgo -o /a .\n");
}

#[test]
fn certs_off_can_be_undone_when_the_certs_copy_is_what_uses_the_source_stage() {
    // Removing the COPY left no needed stage to copy the bundle from again.
    assert_flips_cleanly("FROM g AS build\nCOPY --from=build /etc/ssl/certsR2");
    assert_flips_cleanly(
        "FROM alpine AS certs\n\
         RUN apk add ca-certificates\n\
         FROM scratch\n\
         COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n\
         COPY app /app\n",
    );
    assert_flips_cleanly(
        "FROM golang AS build\n\
         RUN go build -o /app .\n\
         FROM scratch\n\
         COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n",
    );
}

/// The parse properties: lossless, and the items tile the text.
fn assert_lossless(text: &str) {
    let df = parse(text);
    assert_eq!(df.print(), text);
    let mut at = 0;
    for item in &df.items {
        assert_eq!(
            item.span.start, at,
            "gap or overlap before byte {at} in {text:?}"
        );
        at = item.span.end;
    }
    assert_eq!(at, text.len(), "items stop before the end of {text:?}");
}

#[test]
fn a_continuation_into_blank_or_comment_lines_at_the_end_keeps_them() {
    // The skipped lines after a trailing `\` fell out of every item, so
    // print() lost them.
    assert_lossless("\\\n ");
    assert_lossless("RUN a \\\n\n");
    assert_lossless("RUN a \\\n# note\n  \n");
    assert_lossless("# escape=`\nRUN a `\r\n\r\n");
}

#[test]
fn removing_the_last_lines_of_a_file_with_no_final_newline_does_not_overlap() {
    // nonroot=off removed "USER\n" and "\nUSER": two edits sharing a newline,
    // so one was dropped and the toggle stayed on.
    assert_flips_cleanly("FROM\nUSER\nUSER");
    assert_flips_cleanly("FROM scratch\nUSER a\r\nUSER b");
    assert_flips_cleanly(
        "FROM golang AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n\
         COPY --from=b /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n\
         COPY --from=b /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/",
    );
}

#[test]
fn go_flags_given_twice_or_without_a_value_are_left_alone() {
    // trimpath=off removed the first of two `-trimpath`s and stayed on.
    assert_flips_cleanly("FROM\nRUN go build -trimpath -trimpath");
    assert_flips_cleanly("FROM golang\nRUN go build -trimpath=false -o /a .\n");
    assert_flips_cleanly("FROM golang\nRUN go build -ldflags=-w -ldflags=-X=a -o /a .\n");
    assert_flips_cleanly("FROM golang\nRUN go build -tags netgo -tags osusergo -o /a .\n");
    assert_flips_cleanly("FROM golang\nRUN go build -o /a -ldflags\n");
}

#[test]
fn cgo_on_with_two_inline_settings_flips_the_one_the_shell_takes() {
    // cgo=on removed the last `CGO_ENABLED=0` and left the first in force.
    assert_flips_cleanly("FROM\nRUN CGO_ENABLED=0 CGO_ENABLED=0 go build");
}

/// The `layer_tar` fuzz target's properties (fuzz/layer_tar_check.rs),
/// replayed on inputs that reach its corners.
#[path = "../fuzz/layer_tar_check.rs"]
mod layer_tar_check;

#[test]
fn layer_tar_corners_keep_the_books_balanced() {
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        // Raw bytes that are no tar at all, in one to four layers.
        vec![0, 0xff, 0x00, 0x13, 0x37],
        [vec![6], vec![b'x'; 2048]].concat(),
        // Entries: a file, overwritten by a directory, then whited out.
        vec![1, 0, 2, 200, 0, 0, 0, 6, 2, 0],
        // A file under a directory that an opaque marker then hides, in
        // separate layers, with the file rewritten after.
        vec![7, 1, 0, 0, 2, 2, 50, 5, 2, 0, 2, 2, 60],
        // `.wh.a` at the root takes everything under a; `./d/../a/b` is a/b.
        vec![5, 2, 2, 90, 6, 2, 0, 7, 2, 30, 7, 2, 31],
        // The same path twice in one layer.
        vec![1, 3, 2, 10, 3, 2, 20],
    ];
    // A real layer tar cut at every byte, as raw layers.
    let mut builder = tar::Builder::new(Vec::new());
    for (path, size) in [
        ("etc/motd", 700usize),
        ("etc/.wh.issue", 0),
        ("var/.wh..wh..opq", 0),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, vec![9u8; size].as_slice())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let tar = builder.into_inner().unwrap_or_else(|e| panic!("{e}"));
    for cut in (0..tar.len()).step_by(97) {
        inputs.push([vec![0], tar[..cut].to_vec()].concat());
    }
    for input in inputs {
        layer_tar_check::check(&input);
    }
}
