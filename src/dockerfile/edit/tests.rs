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
    assert_eq!(
        ok(src, &["strip=off"]),
        "FROM golang\nRUN go build -o /a .\n"
    );
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
