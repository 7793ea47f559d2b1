use super::*;

const HELLO: &str = "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY . .\nRUN go build -o /hello .\n\nFROM debian:bookworm-slim\nCOPY --from=builder /hello /hello\nENTRYPOINT [\"/hello\"]\n";

fn bases() -> Vec<BaseOnHand> {
    [
        ("debian-slim", 74_000_000),
        ("busybox", 2_000_000),
        ("scratch", 0),
        ("distroless-static", 1_560_000),
    ]
    .into_iter()
    .map(|(k, s)| BaseOnHand {
        key: k.into(),
        size_bytes: s,
    })
    .collect()
}

fn ran(size: u64, code: i64, stdout: &str, stderr: &str) -> Outcome {
    Outcome::Ran {
        size_bytes: size,
        build_seconds: 1.0,
        run: RunResult {
            exit_code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
            ..RunResult::default()
        },
    }
}

fn tuner(text: &str, facts: GoFacts) -> Tuner<'static> {
    Tuner::new(
        text,
        facts,
        bases(),
        Expectation::default(),
        Catalog::bundled(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The reference, then strip and trimpath on its own base, both working.
fn start(t: &mut Tuner<'_>, size: u64, stdout: &str) {
    let r = next(t);
    assert!(r.changes.is_empty());
    t.record(r, ran(size, 0, stdout, ""));
    let shrink = next(t);
    assert_eq!(
        shrink.changes,
        [
            Change::Set(Toggle::Strip, true),
            Change::Set(Toggle::Trimpath, true)
        ]
    );
    t.record(shrink, ran(size - size / 50, 0, stdout, ""));
}

fn next(t: &mut Tuner<'_>) -> Proposal {
    t.propose()
        .unwrap_or_else(|| panic!("the search ended early"))
}

#[test]
fn hello_goes_to_scratch_with_strip_and_trimpath_and_stops() {
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 76_000_000, "Hello World!\n");
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    assert!(p.dockerfile.contains("FROM scratch"), "{}", p.dockerfile);
    assert!(
        p.dockerfile.contains("-ldflags=\"-s -w\""),
        "{}",
        p.dockerfile
    );
    assert!(p.dockerfile.contains("-trimpath"), "{}", p.dockerfile);
    t.record(p, ran(1_208_504, 0, "Hello World!\n", ""));
    // distroless-static is 1.56 MB before the program: it cannot win.
    assert!(t.propose().is_none());
    let report = t.finish();
    assert_eq!(report.builds(), 3);
    let chosen = report.chosen().unwrap_or_else(|| panic!("nothing chosen"));
    assert_eq!(chosen.base, "scratch");
    let text = report.steps.join("\n");
    assert!(text.contains("as written (debian-slim): 76.0 MB"), "{text}");
    assert!(text.contains("scratch → ok, 1.2 MB"), "{text}");
    assert!(text.contains("stop: distroless-static"), "{text}");
    assert!(
        text.contains("chosen: scratch, strip, trimpath, 1.2 MB, 98% smaller"),
        "{text}"
    );
}

#[test]
fn a_dynamic_binary_on_scratch_is_explained_and_fixed_with_cgo_off() {
    let facts = GoFacts {
        uses_net: true,
        ..GoFacts::default()
    };
    let mut t = tuner(HELLO, facts);
    start(&mut t, 80_000_000, "port=80\n");
    let p = next(&mut t);
    assert!(!p.dockerfile.contains("CGO_ENABLED=0"));
    t.record(
        p,
        ran(
            2_100_000,
            127,
            "",
            "exec /hello: no such file or directory\n",
        ),
    );
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    assert!(p.changes.contains(&Change::Set(Toggle::Cgo, false)));
    assert!(p.dockerfile.contains("CGO_ENABLED=0"), "{}", p.dockerfile);
    t.record(p, ran(1_300_000, 0, "port=80\n", ""));
    assert!(t.propose().is_none());
    let report = t.finish();
    let line = report
        .steps
        .iter()
        .find(|s| s.starts_with("scratch"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        line,
        "scratch: exit 127: exec /hello: no such file or directory (dynamically linked binary on a base without libc) → cgo=off → ok, 1.3 MB"
    );
}

#[test]
fn missing_certificates_are_added_and_other_differences_move_on() {
    // Found from the output alone: the sources say nothing of TLS.
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 80_000_000, "ca_certs=148\nuser=root\n");
    let p = next(&mut t);
    t.record(p, ran(1_200_000, 0, "ca_certs=0\nuser=error\n", ""));
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    assert!(p.changes.contains(&Change::Set(Toggle::Certs, true)));
    t.record(p, ran(1_400_000, 0, "ca_certs=148\nuser=error\n", ""));
    // Nothing fixes the user line on scratch: the next base is tried.
    let p = next(&mut t);
    assert_eq!(p.base, "distroless-static");
    assert!(!p.changes.contains(&Change::Set(Toggle::Certs, true)));
    t.record(p, ran(1_900_000, 0, "ca_certs=148\nuser=root\n", ""));
    assert!(t.propose().is_none());
    let report = t.finish();
    assert_eq!(
        report.chosen().map(|a| a.base.as_str()),
        Some("distroless-static")
    );
    let text = report.steps.join("\n");
    assert!(
        text.contains("prints “ca_certs=0” where the reference printed “ca_certs=148” (no CA certificates in the base) → certs=on"),
        "{text}"
    );
    assert!(text.contains("no toggle fixes that; next base"), "{text}");
}

#[test]
fn a_broken_reference_stops_the_search_with_the_reason() {
    let mut t = tuner(HELLO, GoFacts::default());
    let r = next(&mut t);
    t.record(r, ran(80_000_000, 2, "", "panic: boom\n"));
    assert!(t.propose().is_none());
    let report = t.finish();
    let problem = report.problem.unwrap_or_default();
    assert!(
        problem.contains("does not work (exit 2: panic: boom)"),
        "{problem}"
    );
    assert!(report.chosen.is_none());

    let mut t = tuner(HELLO, GoFacts::default());
    let r = next(&mut t);
    t.record(
        r,
        Outcome::BuildFailed {
            message: "./main.go:3:2: undefined: x\n".into(),
            build_seconds: 1.0,
        },
    );
    assert!(t.propose().is_none());
    let problem = t.finish().problem.unwrap_or_default();
    assert!(
        problem.contains("does not build: ./main.go:3:2: undefined: x"),
        "{problem}"
    );
}

#[test]
fn a_single_stage_file_gets_a_runtime_stage_and_one_without_an_output_cannot_be_tuned() {
    let single = "FROM golang:1.24\nCOPY . .\nRUN go build -o /a .\nCMD [\"/a\"]\n";
    let mut t = tuner(single, GoFacts::default());
    start(&mut t, 700_000_000, "hi\n");
    let p = next(&mut t);
    assert!(
        p.dockerfile.contains("AS builder")
            && p.dockerfile
                .contains("FROM scratch\nCOPY --from=builder /a /a"),
        "{}",
        p.dockerfile
    );
    let no_output = "FROM golang:1.24\nCOPY . .\nRUN go build .\nCMD [\"/app\"]\n";
    let e = Tuner::new(
        no_output,
        GoFacts::default(),
        bases(),
        Expectation::default(),
        Catalog::bundled(),
    )
    .err();
    let text = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("no -o") && text.contains("dockstage init"),
        "{text}"
    );
}

#[test]
fn every_proposal_is_among_the_candidates() {
    let facts = GoFacts {
        uses_tls_client: true,
        uses_net: true,
        ..GoFacts::default()
    };
    let mut t = tuner(HELLO, facts);
    let candidates: HashSet<String> = t.candidates().into_iter().collect();
    start(&mut t, 80_000_000, "ok\n");
    let mut seen = 0;
    while let Some(p) = t.propose() {
        assert!(candidates.contains(&p.dockerfile), "{}", p.dockerfile);
        seen += 1;
        t.record(
            p,
            ran(1_000_000, 127, "", "exec /hello: no such file or directory"),
        );
    }
    assert!(seen >= 4, "{seen}");
}

#[test]
fn expect_accepts_a_reference_with_the_text() {
    let mut t = Tuner::new(
        HELLO,
        GoFacts::default(),
        bases(),
        Expectation::new(Some("World".into()), None),
        Catalog::bundled(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    start(&mut t, 80_000_000, "Hello World!\n");
    let p = next(&mut t);
    t.record(p, ran(1_000_000, 0, "Hello, World\n", ""));
    assert_eq!(
        t.finish().chosen().map(|a| a.base.as_str()),
        Some("scratch")
    );
}

#[test]
fn a_fix_found_on_one_base_starts_the_next_base_that_lacks_the_same() {
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 80_000_000, "tz=ok\nuser=root\n");
    let p = next(&mut t);
    t.record(
        p,
        ran(
            1_000_000,
            0,
            "tz=unknown time zone Europe/Berlin\nuser=error\n",
            "",
        ),
    );
    let p = next(&mut t);
    assert!(p.changes.contains(&Change::Set(Toggle::Tzdata, true)));
    t.record(p, ran(1_400_000, 0, "tz=ok\nuser=error\n", ""));
    // distroless-static has zoneinfo: no tzdata there.
    let p = next(&mut t);
    assert_eq!(p.base, "distroless-static");
    assert!(!p.changes.contains(&Change::Set(Toggle::Tzdata, true)));
    t.record(p, ran(2_600_000, 0, "tz=ok\nuser=nonroot\n", ""));
    // busybox lacks zoneinfo: it starts with the fix found on scratch.
    let p = next(&mut t);
    assert_eq!(p.base, "busybox");
    assert!(
        p.changes.contains(&Change::Set(Toggle::Tzdata, true)),
        "{:?}",
        p.changes
    );
    t.record(p, ran(3_400_000, 0, "tz=ok\nuser=root\n", ""));
    let text = t.finish().steps.join("\n");
    assert!(
        text.contains("busybox (with tzdata=on, as found above"),
        "{text}"
    );
}

#[test]
fn a_base_that_cannot_beat_the_best_with_the_program_on_top_is_not_built() {
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 80_000_000, "hi\n");
    // scratch fails, but shows the program is 1.5 MB.
    let p = next(&mut t);
    t.record(p, ran(1_500_000, 0, "bye\n", ""));
    // distroless-static (1.56 MB) works at 3.06 MB.
    let p = next(&mut t);
    assert_eq!(p.base, "distroless-static");
    t.record(p, ran(3_060_000, 0, "hi\n", ""));
    // busybox is 2 MB: with the 1.5 MB program it cannot go below 3.06 MB.
    assert!(t.propose().is_none());
    let text = t.finish().steps.join("\n");
    assert!(
        text.contains("stop: busybox is 2.0 MB, at least 3.5 MB with the program, not less than the 3.1 MB found"),
        "{text}"
    );
}

#[test]
fn tls_calls_get_certificates_from_the_start_since_an_offline_run_cannot_show_them() {
    let facts = GoFacts {
        uses_tls_client: true,
        ..GoFacts::default()
    };
    let mut t = tuner(HELLO, facts);
    // Offline, the TLS call fails the same way on every base.
    start(&mut t, 80_000_000, "fetch: dial tcp: no such host\n");
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    assert!(
        p.changes.contains(&Change::Set(Toggle::Certs, true)),
        "{:?}",
        p.changes
    );
    t.record(p, ran(1_400_000, 0, "fetch: dial tcp: no such host\n", ""));
    assert!(t.propose().is_none());
    let report = t.finish();
    assert_eq!(report.chosen().map(|a| a.base.as_str()), Some("scratch"));
    let text = report.steps.join("\n");
    assert!(
        text.contains("scratch (with certs=on: the code makes TLS calls, which a run without network cannot check) → ok"),
        "{text}"
    );
}

#[test]
fn strip_and_trimpath_are_left_off_when_they_change_what_the_program_prints() {
    let mut t = tuner(HELLO, GoFacts::default());
    let r = next(&mut t);
    t.record(r, ran(76_000_000, 0, "at /src/main.go:9\n", ""));
    let shrink = next(&mut t);
    t.record(
        shrink,
        ran(75_000_000, 0, "at example.com/hello/main.go:9\n", ""),
    );
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    assert_eq!(p.changes, [Change::Base("scratch".into())]);
    assert!(!p.dockerfile.contains("-trimpath"), "{}", p.dockerfile);
    t.record(p, ran(2_000_000, 0, "at /src/main.go:9\n", ""));
    let text = t.finish().steps.join("\n");
    assert!(
        text.contains("strip and trimpath on: prints “at example.com/hello/main.go:9” where the reference printed “at /src/main.go:9” — left off from here"),
        "{text}"
    );
}

#[test]
fn cgo_off_stays_with_bases_without_libc() {
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 80_000_000, "sqlite ok\n");
    let p = next(&mut t);
    t.record(
        p,
        ran(
            2_000_000,
            127,
            "",
            "exec /hello: no such file or directory\n",
        ),
    );
    let p = next(&mut t);
    assert!(p.changes.contains(&Change::Set(Toggle::Cgo, false)));
    // cgo off starts, but the program needs cgo for what it does.
    t.record(p, ran(1_900_000, 0, "sqlite: requires cgo\n", ""));
    let p = next(&mut t);
    assert_eq!(p.base, "distroless-static");
    assert!(
        p.changes.contains(&Change::Set(Toggle::Cgo, false)),
        "a static base keeps the fix that let the program start"
    );
    t.record(p, ran(3_500_000, 0, "sqlite: requires cgo\n", ""));
    let p = next(&mut t);
    assert_eq!(p.base, "busybox");
    t.record(p, ran(4_000_000, 0, "sqlite: requires cgo\n", ""));
    // debian-slim keeps the file's own cgo setting: that is the Dockerfile
    // already tried with strip and trimpath, so nothing more is built.
    assert!(t.propose().is_none());
    let report = t.finish();
    let chosen = report.chosen().unwrap_or_else(|| panic!("nothing chosen"));
    assert!(!chosen.changes.contains(&Change::Set(Toggle::Cgo, false)));
    let text = report.steps.join("\n");
    assert!(
        text.contains("debian-slim (the same Dockerfile as attempt 2) → ok"),
        "{text}"
    );
}

#[test]
fn nothing_to_try_or_a_stage_based_runtime_is_refused_with_the_reason() {
    let none = Tuner::new(
        HELLO,
        GoFacts::default(),
        Vec::new(),
        Expectation::default(),
        Catalog::bundled(),
    )
    .err();
    assert!(
        none.map(|e| e.to_string())
            .unwrap_or_default()
            .contains("none of the bases to try is on this machine")
    );
    let chained = "FROM golang:1.24 AS builder\nRUN go build -o /a .\nFROM debian:bookworm-slim AS runtime\nCOPY --from=builder /a /a\nFROM runtime AS debug\nRUN echo debug\n";
    let e = Tuner::new(
        chained,
        GoFacts::default(),
        bases(),
        Expectation::default(),
        Catalog::bundled(),
    )
    .err();
    let text = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("starts FROM stage `runtime`"), "{text}");
}

#[test]
fn a_fix_that_changed_nothing_is_not_carried_to_the_next_base() {
    let mut t = tuner(HELLO, GoFacts::default());
    start(&mut t, 80_000_000, "ca_certs=148\nuser=root\n");
    let p = next(&mut t);
    t.record(p, ran(1_000_000, 0, "ca_certs=0\nuser=root\n", ""));
    let p = next(&mut t);
    assert!(p.changes.contains(&Change::Set(Toggle::Certs, true)));
    // The bundle arrives but the program still sees none: certs did not help.
    t.record(p, ran(1_200_000, 0, "ca_certs=0\nuser=root\n", ""));
    let p = next(&mut t);
    assert_eq!(p.base, "distroless-static");
    t.record(p, ran(2_600_000, 0, "ca_certs=1\nuser=root\n", ""));
    let p = next(&mut t);
    assert_eq!(p.base, "busybox");
    assert!(
        !p.changes.contains(&Change::Set(Toggle::Certs, true)),
        "{:?}",
        p.changes
    );
}

#[test]
fn a_user_by_name_on_scratch_is_rewritten_to_the_numeric_uid() {
    let named = HELLO.replace("ENTRYPOINT", "USER nobody:nogroup\nENTRYPOINT");
    let mut t = tuner(&named, GoFacts::default());
    start(&mut t, 76_000_000, "Hello World!\n");
    let p = next(&mut t);
    assert_eq!(p.base, "scratch");
    t.record(
        p,
        ran(
            1_200_000,
            128,
            "",
            "unable to find user nobody: no matching entries in passwd file\n",
        ),
    );
    let p = next(&mut t);
    assert_eq!(p.base, "scratch", "the same base again, with the fix");
    assert!(p.changes.contains(&Change::Set(Toggle::Nonroot, true)));
    assert!(
        p.dockerfile.contains("USER 65532:65532"),
        "{}",
        p.dockerfile
    );
    assert!(!p.dockerfile.contains("\nUSER nobody"), "{}", p.dockerfile);
    t.record(p, ran(1_200_000, 0, "Hello World!\n", ""));
    let text = t.finish().steps.join("\n");
    assert!(text.contains("nonroot=on"), "{text}");
    assert!(!text.contains("no toggle fixes that"), "{text}");
}

#[test]
fn a_saving_under_one_percent_is_not_called_zero_percent() {
    let mut t = tuner(HELLO, GoFacts::default());
    let r = next(&mut t);
    t.record(r, ran(76_000_000, 0, "Hello World!\n", ""));
    let shrink = next(&mut t);
    t.record(shrink, ran(75_900_000, 0, "Hello World!\n", ""));
    let report = t.finish();
    let last = report.steps.last().cloned().unwrap_or_default();
    assert!(
        last.contains("less than 1% smaller than as written (76.0 MB)"),
        "{last}"
    );
    assert!(!last.contains("0%"), "{last}");
}
