//! Benchmark of the workbench's own loop, without a terminal.
//!
//! `cargo bench --bench tui` prints:
//! - **keystroke → frame** on a generated 300-line multi-stage Go Dockerfile
//!   (comments, continuations, cache mounts, several stages): for 2,000
//!   keystrokes typed in the middle of lines, with an Enter and a Backspace
//!   now and then, the time of what the app does for one key: `update`, the
//!   re-parse the analysis worker runs (`analyze`) and its result applied, the
//!   crash-recovery snapshot the loop takes after each message (`text()`), and
//!   `render` into a 160×45 `TestBackend`. p50, p99 and max in µs, each part
//!   and the sum, against the 4 ms p99 target. In the app the re-parse runs
//!   on a worker thread, so the sum is an upper bound on a key's latency.
//! - **resident memory** after 50 builds recorded as variants and 100,000
//!   build log lines received (1,000 for each of the first 49 builds and
//!   51,000 for the last, which goes past the log's cap), with a frame drawn
//!   after each build; VmRSS and VmHWM from /proc/self/status, measured in a
//!   fresh child process so the keystroke part does not count. Target: under
//!   60 MB.
//!
//! Idle CPU of the real binary is measured by `scripts/bench-tui.sh`.
//! No harness and no extra dependencies; the generated input is deterministic.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dockstage::catalog::Catalog;
use dockstage::dockerfile::edit::{Context, Toggle};
use dockstage::dockerfile::lint::lint;
use dockstage::dockerfile::{StageGraph, parse};
use dockstage::engine::build::{BuildOutcome, BuilderKind};
use dockstage::engine::events::BuildEvent;
use dockstage::engine::layers::{ImageLayers, Layer};
use dockstage::engine::run::RunResult;
use dockstage::engine::session::{ContextSent, ContextTransfer};
use dockstage::pipeline::Event;
use dockstage::tui::model::{DockerStatus, FileState, Model, analyze};
use dockstage::tui::msg::{Cmd, Finished, Msg};
use dockstage::tui::theme::Theme;
use dockstage::tui::ui::render;
use dockstage::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui_textarea::CursorMove;

const LINES: usize = 300;
const KEYSTROKES: usize = 2_000;
const WARMUP: usize = 200;
/// Keystrokes typed on one line before the cursor moves to another.
const PER_LINE: usize = 25;
const WIDTH: u16 = 160;
const HEIGHT: u16 = 45;
const P99_TARGET: Duration = Duration::from_millis(4);

const VARIANTS: usize = 50;
const LOG_LINES: usize = 100_000;
const RSS_TARGET_MB: f64 = 60.0;
/// Passed to the bench's own executable to run only the memory part.
const MEMORY_CHILD: &str = "--dockstage-memory-child";

fn main() {
    if std::env::args().any(|a| a == MEMORY_CHILD) {
        memory();
        return;
    }
    println!("dockstage workbench benchmark (cargo bench --bench tui)");
    // Tail latencies move with whatever else the machine runs: say what that was.
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("machine: {cpus} CPUs, load average {}", load.join(" "));
    keystrokes();
    println!();
    analysis_parts();
    println!();
    log_flood();
    println!();
    // A fresh process, so the resident set holds only what the scenario made.
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            println!("memory: cannot find this executable to re-run it: {e}");
            return;
        }
    };
    match std::process::Command::new(exe).arg(MEMORY_CHILD).status() {
        Ok(s) if s.success() => {}
        Ok(s) => println!("memory: the measuring process failed ({s})"),
        Err(e) => println!("memory: cannot start the measuring process: {e}"),
    }
}

fn new_model(text: &str) -> Model {
    let theme = match Theme::named("dark") {
        Ok(t) => t,
        Err(e) => panic!("the bundled dark theme: {e}"),
    };
    let file = FileState {
        path: PathBuf::from("/bench/svc/Dockerfile"),
        dir: PathBuf::from("/bench/svc"),
        saved: text.to_string(),
        note: None,
    };
    let mut model = Model::new(file, text, theme);
    model.size = (WIDTH, HEIGHT);
    let analysis = analyze(text, Catalog::bundled(), None);
    let version = model.version;
    let _ = update(&mut model, Msg::Analyzed(version, Box::new(analysis)));
    model
}

fn terminal() -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(e) => panic!("TestBackend: {e}"),
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The i-th keystroke: letters, with a Backspace every 10th and an Enter
/// (taken back by the next key, a Backspace) every 50th. The cursor moves to
/// another line every `PER_LINE` keys, so the pair never straddles a move.
fn keystroke(i: usize) -> Msg {
    match i % 50 {
        23 => key(KeyCode::Enter),
        24 | 9 | 19 | 39 | 49 => key(KeyCode::Backspace),
        _ => key(KeyCode::Char(char::from(b'a' + (i % 26) as u8))),
    }
}

/// Puts the cursor in the middle of line `row` (0-based).
fn move_to_middle(model: &mut Model, row: usize) {
    let len = model
        .editor
        .lines()
        .get(row)
        .map_or(0, |l| l.chars().count());
    let row = u16::try_from(row).unwrap_or(u16::MAX);
    let col = u16::try_from(len / 2).unwrap_or(0);
    model.editor.move_cursor(CursorMove::Jump(row, col));
}

#[derive(Default)]
struct Parts {
    update: Vec<Duration>,
    analyze: Vec<Duration>,
    snapshot: Vec<Duration>,
    draw: Vec<Duration>,
    total: Vec<Duration>,
}

fn keystrokes() {
    let text = generate(LINES);
    let catalog = Catalog::bundled();
    let mut model = new_model(&text);
    let mut terminal = terminal();
    if let Err(e) = terminal.draw(|f| render(&model, f)) {
        panic!("draw: {e}");
    }
    println!(
        "keystroke → frame: {} lines, {} bytes, {} stages; {KEYSTROKES} keys after {WARMUP} warm-up, {WIDTH}x{HEIGHT}",
        text.lines().count(),
        text.len(),
        model.analysis.as_ref().map_or(0, |a| a.graph.stages.len()),
    );
    let mut parts = Parts::default();
    // Lines to type on, spread over the file so the view scrolls.
    let rows: Vec<usize> = (0..)
        .map(|k| (37 + k * 53) % (LINES - 20) + 10)
        .take(100)
        .collect();
    for i in 0..WARMUP + KEYSTROKES {
        if i % PER_LINE == 0 {
            move_to_middle(&mut model, rows[(i / PER_LINE) % rows.len()]);
        }
        let msg = keystroke(i);

        let t0 = Instant::now();
        let cmds = update(&mut model, msg);
        let t1 = Instant::now();
        let mut analyzed = Duration::ZERO;
        for cmd in cmds {
            if let Cmd::Analyze { version, text } = cmd {
                let a0 = Instant::now();
                let analysis = analyze(&text, catalog, None);
                let _ = update(&mut model, Msg::Analyzed(version, Box::new(analysis)));
                analyzed += a0.elapsed();
            }
        }
        let s0 = Instant::now();
        black_box(model.text());
        let snapshot = s0.elapsed();
        let d0 = Instant::now();
        if let Err(e) = terminal.draw(|f| render(&model, f)) {
            panic!("draw: {e}");
        }
        let t2 = Instant::now();

        if i >= WARMUP {
            parts.update.push(t1 - t0);
            parts.analyze.push(analyzed);
            parts.snapshot.push(snapshot);
            parts.draw.push(t2 - d0);
            parts.total.push(t2 - t0);
        }
    }
    println!(
        "  {:<34} {:>9} {:>9} {:>9}",
        "µs per keystroke", "p50", "p99", "max"
    );
    for (label, v) in [
        ("update (key → model)", &mut parts.update),
        ("analyze (parse, graph, lint)", &mut parts.analyze),
        ("snapshot (text() for recovery)", &mut parts.snapshot),
        ("render (draw 160x45)", &mut parts.draw),
        ("all of it", &mut parts.total),
    ] {
        v.sort();
        println!(
            "  {label:<34} {:>9.1} {:>9.1} {:>9.1}",
            micros(percentile(v, 50)),
            micros(percentile(v, 99)),
            micros(v.last().copied().unwrap_or_default()),
        );
    }
    let p99 = percentile(&parts.total, 99);
    println!(
        "  p99 {:.2} ms against the {} ms target: {}",
        p99.as_secs_f64() * 1e3,
        P99_TARGET.as_millis(),
        if p99 <= P99_TARGET { "met" } else { "MISSED" }
    );
    // The edits happened, and every Enter was taken back: a benchmark that
    // typed nothing, or broke the file apart, would say little.
    assert!(model.dirty(), "the keystrokes did not change the text");
    assert_eq!(
        model.editor.lines().len(),
        LINES,
        "an Enter was not taken back"
    );
}

/// Where the re-parse's time goes, on the unedited file: the median of
/// `ANALYSIS_RUNS` runs of each part `analyze` is made of.
fn analysis_parts() {
    const ANALYSIS_RUNS: usize = 300;
    let text = generate(LINES);
    let catalog = Catalog::bundled();
    let df = parse(&text);
    let time = |f: &dyn Fn()| {
        for _ in 0..20 {
            f();
        }
        let mut v: Vec<Duration> = (0..ANALYSIS_RUNS)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        v.sort();
        micros(percentile(&v, 50))
    };
    let parts = [
        ("parse", time(&|| drop(black_box(parse(black_box(&text)))))),
        (
            "stage graph",
            time(&|| drop(black_box(StageGraph::new(black_box(&df))))),
        ),
        (
            "lint (graph included)",
            time(&|| drop(black_box(lint(black_box(&df), catalog, None)))),
        ),
        (
            "toggle states and base",
            time(&|| {
                let ctx = Context::new(&df, catalog);
                for t in Toggle::ALL {
                    let _ = black_box(ctx.state(t));
                }
                black_box(ctx.base());
            }),
        ),
        (
            "analyze (all of the above)",
            time(&|| drop(black_box(analyze(black_box(&text), catalog, None)))),
        ),
    ];
    println!("analysis of the unedited file, median of {ANALYSIS_RUNS} runs:");
    for (label, us) in parts {
        println!("  {label:<34} {us:>9.1} µs");
    }
}

/// What one build log line costs the loop: the loop redraws after every
/// message and takes the recovery snapshot after every message, so a chatty
/// build pays a frame per line.
fn log_flood() {
    const FLOOD: usize = 10_000;
    let text = generate(LINES);
    let mut model = new_model(&text);
    let mut terminal = terminal();
    model.docker = DockerStatus::Ready {
        version: "bench".into(),
        endpoint: "unix:///bench.sock".into(),
    };
    let cmds = update(&mut model, key(KeyCode::F(5)));
    let Some(id) = cmds.iter().find_map(|c| match c {
        Cmd::Build { id, .. } => Some(*id),
        _ => None,
    }) else {
        panic!("F5 with Docker ready started no build: {cmds:?}");
    };
    let mut v = Vec::with_capacity(FLOOD);
    let start = Instant::now();
    for k in 0..FLOOD {
        let t = Instant::now();
        let text = format!("#12 {k:>6} go: downloading github.com/acme/module{k} v1.2.{k}");
        let _ = update(
            &mut model,
            Msg::Build(id, Event::Build(BuildEvent::Log { step: None, text })),
        );
        black_box(model.text());
        if let Err(e) = terminal.draw(|f| render(&model, f)) {
            panic!("draw: {e}");
        }
        v.push(t.elapsed());
    }
    let wall = start.elapsed();
    v.sort();
    println!(
        "build log flood: {FLOOD} log lines, each followed by a snapshot and a frame as the loop does"
    );
    println!(
        "  µs per line: p50 {:.1}, p99 {:.1}, max {:.1}",
        micros(percentile(&v, 50)),
        micros(percentile(&v, 99)),
        micros(v.last().copied().unwrap_or_default())
    );
    let per_line = wall.as_secs_f64() / FLOOD as f64;
    println!(
        "  {:.0} lines/s; 100,000 lines would keep the loop busy {:.1} s",
        1.0 / per_line,
        per_line * 100_000.0
    );
}

fn memory() {
    let text = generate(LINES);
    let before = proc_status();
    let mut model = new_model(&text);
    let mut terminal = terminal();
    model.docker = DockerStatus::Ready {
        version: "bench".into(),
        endpoint: "unix:///bench.sock".into(),
    };
    let after_open = proc_status();
    let mut sent = 0usize;
    for n in 0..VARIANTS {
        let cmds = update(&mut model, key(KeyCode::F(5)));
        let Some(id) = cmds.iter().find_map(|c| match c {
            Cmd::Build { id, .. } => Some(*id),
            _ => None,
        }) else {
            panic!("F5 with Docker ready started no build: {cmds:?}");
        };
        let lines = if n + 1 == VARIANTS {
            LOG_LINES - sent
        } else {
            LOG_LINES / (2 * VARIANTS)
        };
        for k in 0..lines {
            let text = format!(
                "#{n} {k:>6} go: downloading github.com/acme/module{k} v1.{n}.{k} (compiling package {k} of the service)"
            );
            let _ = update(
                &mut model,
                Msg::Build(id, Event::Build(BuildEvent::Log { step: None, text })),
            );
        }
        sent += lines;
        let _ = update(&mut model, Msg::BuildDone(id, Ok(Box::new(finished(n)))));
        if let Err(e) = terminal.draw(|f| render(&model, f)) {
            panic!("draw: {e}");
        }
    }
    let after = proc_status();
    assert_eq!(
        model.variants.len(),
        VARIANTS,
        "not every build became a variant"
    );
    println!(
        "resident memory: {VARIANTS} variants, {sent} log lines received ({} kept, the cap)",
        model.log.len()
    );
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "  before the model             VmRSS {:>7.1} MB",
        mb(before.rss_kb)
    );
    println!(
        "  model open, file analysed    VmRSS {:>7.1} MB",
        mb(after_open.rss_kb)
    );
    println!(
        "  after builds and log         VmRSS {:>7.1} MB   peak (VmHWM) {:.1} MB",
        mb(after.rss_kb),
        mb(after.hwm_kb)
    );
    println!(
        "  grown by the builds and log        {:>7.1} MB",
        mb(after.rss_kb.saturating_sub(after_open.rss_kb))
    );
    println!(
        "  {:.1} MB against the {RSS_TARGET_MB:.0} MB target: {}",
        mb(after.rss_kb),
        if mb(after.rss_kb) < RSS_TARGET_MB {
            "met"
        } else {
            "MISSED"
        }
    );
}

/// A made-up successful build and run, a bit smaller each time.
fn finished(n: usize) -> Finished {
    let n64 = n as u64;
    let layers: Vec<Layer> = (0..12)
        .map(|k| Layer {
            size_bytes: 1_000_000 + k * 250_000 + n64 * 1_000,
            created_by: format!("RUN go build -o /out/svc{k} ./cmd/svc{k} # buildkit"),
            line: Some(20 + k as usize * 10),
            stage: Some(k as usize % 3),
            from_base: k < 4,
        })
        .collect();
    Finished {
        outcome: BuildOutcome {
            image_id: format!("sha256:{n:064x}"),
            builder: BuilderKind::Buildkit,
            seconds: 0.5 + n as f64 / 100.0,
            steps: 24,
            cached_steps: 20,
            context_transfer: ContextTransfer::Session,
            context_sent: ContextSent::default(),
        },
        layers: ImageLayers {
            image_id: format!("sha256:{n:064x}"),
            size_bytes: layers.iter().map(|l| l.size_bytes).sum(),
            layers,
        },
        run: Some(RunResult {
            exit_code: Some(0),
            stdout: format!("Hello World! (variant {n})\n"),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            duration_ms: 3,
            timed_out: false,
            oom_killed: false,
            health: None,
            health_log: None,
            error: None,
            service: None,
        }),
        explanation: None,
    }
}

struct ProcStatus {
    rss_kb: u64,
    hwm_kb: u64,
}

/// VmRSS and VmHWM of this process (0 where /proc is not there).
fn proc_status() -> ProcStatus {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    ProcStatus {
        rss_kb: field("VmRSS:"),
        hwm_kb: field("VmHWM:"),
    }
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[Duration], p: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * v.len()).div_ceil(100).max(1);
    v[rank.min(v.len()) - 1]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

const SERVICES: [&str; 8] = [
    "api",
    "worker",
    "gateway",
    "scheduler",
    "notifier",
    "billing",
    "search",
    "audit",
];

/// A multi-stage Go Dockerfile of exactly `lines` lines: a shared base, a
/// build stage per service with cache mounts and continued RUN lines, and a
/// distroless runtime stage copying every binary.
fn generate(lines: usize) -> String {
    let mut out = String::from(
        "# syntax=docker/dockerfile:1.7\n\
         #\n\
         # Monorepo image for the acme services: one build stage per service,\n\
         # one small runtime stage that ships all of them.\n\
         \n\
         ARG GO_VERSION=1.24\n\
         \n\
         FROM golang:${GO_VERSION} AS base\n\
         ENV CGO_ENABLED=0 \\\n    GOFLAGS=-mod=readonly \\\n    GOPRIVATE=github.com/acme/*\n\
         WORKDIR /src\n\
         # Modules first, so a code change keeps the download cached.\n\
         COPY go.mod go.sum ./\n\
         RUN --mount=type=cache,target=/go/pkg/mod \\\n    go mod download\n\
         COPY . .\n\n",
    );
    let footer_lines = 6 + SERVICES.len();
    let mut i = 0;
    while out.lines().count() + 24 + footer_lines < lines {
        let name = SERVICES[i % SERVICES.len()];
        let name = if i < SERVICES.len() {
            name.to_string()
        } else {
            format!("{name}{}", i / SERVICES.len() + 1)
        };
        let _ = write!(
            out,
            "# ---- {name} -------------------------------------------------------------\n\
             # Builds ./cmd/{name} with the version stamped in; the test stage below\n\
             # runs its unit tests against the same cache.\n\
             FROM base AS build-{name}\n\
             ARG VERSION=dev\n\
             RUN --mount=type=cache,target=/go/pkg/mod \\\n    \
                 --mount=type=cache,target=/root/.cache/go-build \\\n    \
                 go build -trimpath \\\n        \
                 -ldflags=\"-s -w -X main.version=${{VERSION}} -X main.service={name}\" \\\n        \
                 -o /out/{name} ./cmd/{name}\n\
             \n\
             FROM build-{name} AS test-{name}\n\
             RUN --mount=type=cache,target=/root/.cache/go-build \\\n    \
                 go test -count=1 -race=false ./cmd/{name}/... \\\n    \
                 && go vet ./cmd/{name}/...\n\
             \n\
             # Health check helper, built once per service for the compose file.\n\
             FROM base AS probe-{name}\n\
             RUN go build -o /out/probe-{name} ./tools/probe \\\n    \
                 && echo \"probe for {name} built\"\n\
             \n\
             # (end of {name})\n\n",
        );
        i += 1;
    }
    let built: Vec<String> = (0..i)
        .map(|k| {
            let name = SERVICES[k % SERVICES.len()];
            if k < SERVICES.len() {
                name.to_string()
            } else {
                format!("{name}{}", k / SERVICES.len() + 1)
            }
        })
        .collect();
    out.push_str("# ---- runtime: every binary on a small base ----\n");
    out.push_str("FROM gcr.io/distroless/static-debian12:nonroot\n");
    for name in &built {
        let _ = writeln!(
            out,
            "COPY --from=build-{name} /out/{name} /usr/local/bin/{name}"
        );
    }
    out.push_str("USER nonroot\nEXPOSE 8080\nENTRYPOINT [\"/usr/local/bin/api\"]\n");
    let mut k = 0;
    while out.lines().count() < lines {
        let _ = writeln!(out, "# deploy notes: see docs/deploy.md (section {k})");
        k += 1;
    }
    out
}
