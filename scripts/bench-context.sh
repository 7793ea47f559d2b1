#!/usr/bin/env bash
# Benchmark how a build's context reaches the daemon: a context of 5,000 files / about
# 200 MB, built once, then again after one small file changed, through
#   session  dockstage build (BuildKit; the context goes through a client session and the
#            daemon asks only for the files that changed)
#   tar      dockstage build --builder legacy (the whole context as a tar, every build)
#   buildx   docker buildx build --load (the peer; its session), when buildx is installed
# It prints, per path and build: files and bytes sent (dockstage's context.sent_files and
# context.sent_bytes; for buildx, the size its "transferring context" line reports) and
# the wall time.
#
# Usage: scripts/bench-context.sh
#   FILES=N     files in the context, Dockerfile included (default 5000)
#   LARGE_MB=N  total size of the large files in MB (default 200); the rest are 1 KiB each
#
# The context (generated in a temp dir): FILES-11 small files in 50 directories, 10 large
# files of random bytes (LARGE_MB in all) and a Dockerfile that copies it all into a
# busybox:stable stage: `COPY . /ctx`, nothing else; each path's copy also holds a file
# naming the path, so none of them finds another's COPY cached. Builds are --no-run, each with a
# --tag of its own, so dockstage builds every time rather than reusing a kept image. Each
# path builds its own copy of the context, first as generated (the daemon has never seen
# it) and then after one small file had a line appended. The tags it made and the temp
# dir are removed at the end, also on failure or Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case ${1:-} in
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
files=${FILES:-5000}
large_mb=${LARGE_MB:-200}
for v in "$files" "$large_mb"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "FILES and LARGE_MB must be positive integers" >&2; exit 2; }
done
[ "$files" -gt 11 ] || { echo "FILES must be more than 11" >&2; exit 2; }

if ! docker info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi
docker image inspect busybox:stable >/dev/null 2>&1 ||
    { echo "busybox:stable is not on this machine (scripts/offline-bases.sh)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed to read dockstage's JSON" >&2; exit 2; }
buildx=0
docker buildx version >/dev/null 2>&1 && buildx=1 ||
    echo "docker buildx is not installed (scripts/install-buildx.sh): dockstage's paths only" >&2

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=$root/target/release/dockstage

run_id=$(date +%s%N)
work=$(mktemp -d)
tags=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local t
    for t in "${tags[@]}"; do
        docker image rm "$t" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
mb() { awk -v b="$1" 'BEGIN { if (b < 1e6) printf "%.1f kB", b / 1e3; else printf "%.1f MB", b / 1e6 }'; }
fail() {
    echo "FAILED: $1" >&2
    if [ -n "${2:-}" ] && [ -s "$2" ]; then sed 's/^/    /' "$2" | tail -n 30 >&2; fi
    exit 1
}

echo "generating the context ($files files, ${large_mb} MB of large files)..." >&2
gen=$work/gen
mkdir -p "$gen"
small=$((files - 11))
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1000 >"$work/blob"
for ((d = 0; d < 50; d++)); do mkdir -p "$gen/pkg$d"; done
for ((i = 0; i < small; i++)); do
    { echo "file $i"; cat "$work/blob"; } >"$gen/pkg$((i % 50))/f$i.txt"
done
mkdir -p "$gen/assets"
per=$((large_mb * 1000 * 1000 / 10))
for ((i = 0; i < 10; i++)); do
    head -c "$per" /dev/urandom >"$gen/assets/large$i.bin"
done
cat >"$gen/Dockerfile" <<'EOF'
FROM busybox:stable
COPY . /ctx
ENTRYPOINT ["/bin/sh", "-c", "ls /ctx | wc -l"]
EOF
read -r total_files total_bytes < <(find "$gen" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { print n, b }')
echo "context:  $total_files files, $(mb "$total_bytes") ($gen, copied per path)"
echo "dockstage: $("$ds" --version 2>/dev/null || echo "$ds")"
echo "machine:  $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '  %-8s %-16s %-12s %7s %12s %9s\n' path build transfer files sent "wall s"

# One dockstage build of $1 with builder $2; prints a row. A failed build gets a row
# saying so with dockstage's message, and the script goes on (and exits 1 at the end).
failures=0
dockstage_build() {
    local ctx=$1 builder=$2 label=$3 tag t0 t1 rc=0
    tag=dockstage-bench/context:$builder-${label// /-}-$run_id
    tags+=("$tag")
    t0=$(now_ns)
    "$ds" build "$ctx" --builder "$builder" --no-run --tag "$tag" --format json >"$work/ds.json" 2>"$work/ds.err" || rc=$?
    t1=$(now_ns)
    if [ "$rc" -ne 0 ]; then
        failures=$((failures + 1))
        printf '  %-8s %-16s %-12s %7s %12s %9s  exit %s: %s\n' "$4" "$label" FAILED - - "$(secs $((t1 - t0)))" \
            "$rc" "$(jq -r '.message // empty' "$work/ds.json" 2>/dev/null || tail -n 1 "$work/ds.err")"
        return 0
    fi
    printf '  %-8s %-16s %-12s %7s %12s %9s\n' "$4" "$label" "$(jq -r .context_transfer "$work/ds.json")" \
        "$(jq -r .context.sent_files "$work/ds.json")" "$(mb "$(jq -r .context.sent_bytes "$work/ds.json")")" "$(secs $((t1 - t0)))"
}

# One buildx build; its "transferring context: 209.72MB" line says what went.
buildx_build() {
    local ctx=$1 label=$2 tag t0 t1 sent
    tag=dockstage-bench/context:buildx-${label// /-}-$run_id
    tags+=("$tag")
    t0=$(now_ns)
    docker buildx build --load --progress=plain -t "$tag" "$ctx" >"$work/bx.log" 2>&1 ||
        fail "docker buildx build ($label)" "$work/bx.log"
    t1=$(now_ns)
    sent=$(grep -o 'transferring context: [0-9.]*[kMG]*B' "$work/bx.log" | tail -n 1 | sed 's/.*: //')
    printf '  %-8s %-16s %-12s %7s %12s %9s\n' buildx "$label" session - "${sent:-?}" "$(secs $((t1 - t0)))"
}

change_one() { echo "changed $run_id" >>"$1/pkg7/f7.txt"; }

paths=(session tar)
[ $buildx = 1 ] && paths+=(buildx)
for path in "${paths[@]}"; do
    ctx=$work/$path
    cp -a "$gen" "$ctx"
    # Each path's copy differs by one file, so no path finds another's COPY in
    # BuildKit's cache (its keys are the content, not where it came from).
    echo "$path $run_id" >"$ctx/bench-path.txt"
    case $path in
        session) dockstage_build "$ctx" buildkit first session
                 change_one "$ctx"
                 dockstage_build "$ctx" buildkit "one changed" session ;;
        tar)     dockstage_build "$ctx" legacy first tar
                 change_one "$ctx"
                 dockstage_build "$ctx" legacy "one changed" tar ;;
        buildx)  buildx_build "$ctx" first
                 change_one "$ctx"
                 buildx_build "$ctx" "one changed" ;;
    esac
    rm -rf "$ctx"
done

cat <<'EOF'

files and sent: what went to the daemon (dockstage's context.sent_files/sent_bytes; for
a tar, the tar's size; for buildx, its own "transferring context" figure). Wall time is
the whole command: walking the context, sending it, the COPY of ~200 MB into a layer
and exporting the image, so the second build is never free; what differs between the
paths is the sending. The legacy builder is also another builder (it reads the tar and
copies by itself), so its times mix both; the bytes are the point.
EOF
if [ "$failures" -gt 0 ]; then
    echo
    echo "$failures dockstage build(s) failed (rows marked FAILED)" >&2
    exit 1
fi
