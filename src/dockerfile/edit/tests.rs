use super::*;

fn apply(src: &str, changes: &[&str]) -> Result<String, EditError> {
    let changes: Vec<Change> = changes
        .iter()
        .map(|c| c.parse())
        .collect::<Result<_, _>>()?;
    apply_changes(src, &changes, Catalog::bundled())
}

fn ok(src: &str, changes: &[&str]) -> String {
    match apply(src, changes) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

const HELLO: &str = "\
FROM golang:1.24 AS builder
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
# Build the binary.
RUN go build -o /hello .

FROM debian:bookworm-slim
COPY --from=builder /hello /hello
ENTRYPOINT [\"/hello\"]
";

#[test]
fn base_replaces_only_the_runtime_image() {
    let out = ok(HELLO, &["base=scratch"]);
    assert_eq!(
        out,
        HELLO.replace("FROM debian:bookworm-slim", "FROM scratch")
    );
}

#[test]
fn go_flags_go_right_after_build() {
    let out = ok(
        HELLO,
        &[
            "trimpath=on",
            "strip=on",
            "static-tags=on",
            "tzdata=on",
            "cgo=off",
        ],
    );
    assert!(
        out.contains("RUN CGO_ENABLED=0 go build -tags netgo,osusergo,timetzdata -ldflags=\"-s -w\" -trimpath -o /hello .\n"),
        "{out}"
    );
}

#[test]
fn every_toggle_round_trips_on_hello() {
    for toggle in Toggle::ALL {
        let name = toggle.name();
        let df = parse(HELLO);
        let on = Context::new(&df, Catalog::bundled()).state(toggle);
        let Ok(on) = on else {
            panic!("{name} not applicable")
        };
        let (there, back) = if on { ("off", "on") } else { ("on", "off") };
        let changed = ok(HELLO, &[&format!("{name}={there}")]);
        assert_ne!(changed, HELLO, "{name}={there} changed nothing");
        assert_eq!(ok(&changed, &[&format!("{name}={back}")]), HELLO, "{name}");
        assert_eq!(
            ok(&changed, &[&format!("{name}={there}")]),
            changed,
            "{name} twice"
        );
    }
}

#[test]
fn cgo_off_reuses_an_existing_env() {
    let src = "FROM golang AS b\nENV CGO_ENABLED=1\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n";
    let out = ok(src, &["cgo=off"]);
    assert!(out.contains("ENV CGO_ENABLED=0\n"), "{out}");
    assert_eq!(ok(&out, &["cgo=on"]), src);
}

#[test]
fn cgo_on_removes_an_inline_zero() {
    let src = "FROM golang\nRUN CGO_ENABLED=0 go build -o /a .\n";
    assert_eq!(ok(src, &["cgo=on"]), "FROM golang\nRUN go build -o /a .\n");
}

#[test]
fn strip_extends_existing_ldflags() {
    let src = "FROM golang\nRUN go build -ldflags=\"-X main.v=1\" -o /a .\n";
    let out = ok(src, &["strip=on"]);
    assert!(out.contains("-ldflags=\"-s -w -X main.v=1\""), "{out}");
    assert_eq!(ok(&out, &["strip=off"]), src);
}

#[test]
fn strip_off_drops_the_whole_flag_when_only_s_w() {
    let src = "FROM golang\nRUN go build -ldflags '-s -w' -o /a .\n";
    // The user's own spelling of the flag stays in a comment, so that
    // strip=on gives back their words rather than dockstage's.
    let off = ok(src, &["strip=off"]);
    assert_eq!(
        off,
        "FROM golang\n# dockstage strip=off, was: RUN go build -ldflags '-s -w' -o /a .\n\
         RUN go build -o /a .\n"
    );
    assert_eq!(ok(&off, &["strip=on"]), src);
}

#[test]
fn nonroot_goes_before_entrypoint_and_comes_out_again() {
    let out = ok(HELLO, &["nonroot=on"]);
    assert!(out.contains("USER 65532:65532\nENTRYPOINT"), "{out}");
}

#[test]
fn certs_copy_from_the_builder_after_from() {
    let out = ok(HELLO, &["certs=on"]);
    assert!(
        out.contains("FROM debian:bookworm-slim\nCOPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n"),
        "{out}"
    );
}

#[test]
fn cache_mounts_cover_download_and_build() {
    let out = ok(HELLO, &["cache-mounts=on"]);
    assert!(
        out.contains("RUN --mount=type=cache,target=/go/pkg/mod go mod download\n"),
        "{out}"
    );
    assert!(out.contains(
        "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build"
    ));
}

#[test]
fn single_stage_base_switch_adds_a_runtime_stage() {
    let src =
        "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o app .\nCMD [\"/src/app\"]\n";
    let out = ok(src, &["base=scratch"]);
    assert!(out.starts_with("FROM golang:1.24 AS builder\n"), "{out}");
    assert!(
        out.ends_with("FROM scratch\nCOPY --from=builder /src/app /src/app\nCMD [\"/src/app\"]\n"),
        "{out}"
    );
    let again = ok(&out, &["base=scratch"]);
    assert_eq!(again, out);
}

#[test]
fn crlf_files_get_crlf_lines() {
    let src = HELLO.replace('\n', "\r\n");
    let out = ok(&src, &["nonroot=on", "certs=on"]);
    assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
}

#[test]
fn toggles_that_do_not_fit_say_why() {
    let src = "FROM alpine:3.20\nRUN echo hi\n";
    let err = apply(src, &["trimpath=on"]);
    assert!(
        matches!(err, Err(EditError::NotApplicable { ref reason, .. }) if reason.contains("no `go build`"))
    );
    assert!(apply("", &["nonroot=on"]).is_err());
}

#[test]
fn unknown_names_suggest_the_near_one() {
    let e = "trimpth=on".parse::<Change>();
    assert!(
        matches!(e, Err(EditError::UnknownToggle { suggestion: Some(ref s), .. }) if s == "trimpath")
    );
    let e = apply(HELLO, &["base=stratch"]);
    assert!(
        matches!(e, Err(EditError::UnknownBase { suggestion: Some(ref s), .. }) if s == "scratch")
    );
    assert!("cgo=maybe".parse::<Change>().is_err());
}

#[test]
fn a_user_by_name_is_its_own_state_and_on_makes_it_numeric() {
    let src = "FROM golang AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\nUSER nonroot:nonroot\nENTRYPOINT [\"/a\"]\n";
    let df = parse(src);
    let ctx = Context::new(&df, Catalog::bundled());
    assert_eq!(ctx.state(Toggle::Nonroot), Ok(false));
    assert!(
        ctx.note(Toggle::Nonroot)
            .is_some_and(|n| n.contains("by name") && n.contains("/etc/passwd")),
        "{:?}",
        ctx.note(Toggle::Nonroot)
    );
    let on = ok(src, &["nonroot=on"]);
    assert_ne!(on, src, "the hint --set nonroot=on must change the file");
    assert!(on.contains("\nUSER 65532:65532\nENTRYPOINT"), "{on}");
    let df = parse(&on);
    assert_eq!(
        Context::new(&df, Catalog::bundled()).state(Toggle::Nonroot),
        Ok(true)
    );
    assert_eq!(ok(&on, &["nonroot=off"]), src);
}

#[test]
fn a_numeric_user_comes_back_as_written_after_off_and_on() {
    let src = "FROM golang AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\nUSER 1001\nEXPOSE 80\nENTRYPOINT [\"/a\"]\n";
    let off = ok(src, &["nonroot=off"]);
    assert!(
        off.contains("# dockstage nonroot=off: USER 1001\n"),
        "{off}"
    );
    assert_eq!(ok(&off, &["nonroot=on"]), src);
}

#[test]
fn kept_words_are_not_restored_over_a_later_hand_edit() {
    let src = "FROM golang\nRUN go build -ldflags '-w -s' -o /a .\n";
    let off = ok(src, &["strip=off"]);
    // The user edits the build line by hand while strip is off: putting the
    // old line back would lose that, so strip=on edits their line instead
    // and the comment stays.
    let edited = off.replace("RUN go build -o /a .", "RUN go build -v -o /a .");
    let on = ok(&edited, &["strip=on"]);
    assert!(
        on.contains("# dockstage strip=off, was: RUN go build -ldflags '-w -s'"),
        "{on}"
    );
    assert!(on.contains("-v"), "{on}");
    assert!(on.contains("-ldflags=\"-s -w\""), "{on}");
}

#[test]
fn kept_words_edited_by_hand_come_back_as_edited() {
    let src = "FROM golang AS b\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\nUSER 1001\nEXPOSE 80\nENTRYPOINT [\"/a\"]\n";
    let off = ok(src, &["nonroot=off"]);
    let edited = off.replace("USER 1001", "USER 1002");
    assert_eq!(ok(&edited, &["nonroot=on"]), src.replace("1001", "1002"));
}

#[test]
fn leaving_a_nonroot_distroless_base_keeps_the_user() {
    let src = "FROM golang AS b\nRUN go build -o /a .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=b /a /a\nENTRYPOINT [\"/a\"]\n";
    let out = ok(src, &["base=scratch"]);
    assert!(
        out.ends_with("FROM scratch\nCOPY --from=b /a /a\nUSER 65532:65532\nENTRYPOINT [\"/a\"]\n"),
        "{out}"
    );
    let df = parse(&out);
    assert_eq!(
        Context::new(&df, Catalog::bundled()).state(Toggle::Nonroot),
        Ok(true)
    );
    // A base that runs as root by its own choice adds nothing.
    let root = src.replace(":nonroot", "");
    assert!(!ok(&root, &["base=scratch"]).contains("USER"));
}

#[test]
fn a_build_through_make_says_why_toggles_cannot_apply_and_offers_a_go_build_line() {
    let src = "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY . .\nRUN make build\n\nFROM scratch\nCOPY --from=build /src/bin/server /server\nENTRYPOINT [\"/server\"]\n";
    let df = parse(src);
    let ctx = Context::new(&df, Catalog::bundled());
    let Err(NotApplicable(why)) = ctx.state(Toggle::Strip) else {
        panic!("strip should not apply to a make build");
    };
    assert!(why.contains("runs `make build` (line 4)"), "{why}");
    assert!(why.contains("-o /src/bin/server ."), "{why}");
    // A plain file with no build at all keeps the short reason.
    let df = parse("FROM alpine:3.20\nRUN echo hi\n");
    let ctx = Context::new(&df, Catalog::bundled());
    assert_eq!(
        ctx.state(Toggle::Strip),
        Err(NotApplicable("no `go build` in the builder stage".into()))
    );
}
