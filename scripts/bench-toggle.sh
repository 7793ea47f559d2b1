#!/usr/bin/env bash
# Benchmark the toggle loop: a warm rebuild of the hello example after its
# runtime base changes (scratch <-> debian-slim), dockstage beside
# `docker buildx build --load`, the peer that sends the context the same way.
#
# Usage: scripts/bench-toggle.sh
#   ROUNDS=N        toggles per tool (default 5)
#   BEFORE=PATH     also time another dockstage binary (e.g. one built from main)
#   REVISIT=1       toggle between two texts already built (the daemon's cache
#                   answers whatever the context); by default every toggle is
#                   to a text never built before, as a user's edits are
#
# It copies assets/examples/hello to a temp directory. Each round writes the
# Dockerfile there with a comment line of its own (unless REVISIT=1), then
# builds the other base than the round before, so every timed build is a
# toggle to a new text:
#   dockstage build DIR --base B --no-run --tag T --format json
#   docker buildx build --load -q -f VARIANT -t T DIR       (when buildx is there)
# where VARIANT is `dockstage edit DIR/Dockerfile --base B`, written outside
# the context, so buildx reads the text dockstage sends. `--tag` makes
# dockstage build every time instead of reusing a kept image. It prints each
# build's wall time, how the context went and what it cost (dockstage's
# context_transfer and sent bytes), and the medians. The tags it made and the
# temp directory are removed at the end, also on failure or Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rounds=${ROUNDS:-5}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "ROUNDS must be a positive integer, not '$rounds'" >&2
    exit 2
fi
if ! docker info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi
buildx=0
if docker buildx version >/dev/null 2>&1; then
    buildx=1
else
    echo "docker buildx is not installed: timing dockstage only (see ENVIRONMENT notes on getting buildx)" >&2
fi

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=$root/target/release/dockstage

work=$(mktemp -d)
ctx=$work/hello
tags=()
cleanup() {
    local rc=$?
    for t in "${tags[@]}"; do
        docker image rm "$t" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -r assets/examples/hello "$ctx"
cp "$ctx/Dockerfile" "$work/original.Dockerfile"

# Writes the Dockerfile for one build ($1: a name unique to it, or "" to keep
# the text) and its `base` variant for buildx, outside the context.
prepare() {
    local mark=$1 base=$2
    if [ "${REVISIT:-0}" != 1 ] && [ -n "$mark" ]; then
        { cat "$work/original.Dockerfile"; echo "# bench-toggle $mark"; } >"$ctx/Dockerfile"
    else
        cp "$work/original.Dockerfile" "$ctx/Dockerfile"
    fi
    "$ds" edit "$ctx/Dockerfile" --base "$base" >"$work/$base.Dockerfile"
}
run_id=$(date +%s%N)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) print v[m]; else printf "%.2f\n", (v[m] + v[m + 1]) / 2 }'; }

# One dockstage build of `base`: prints "SECONDS TRANSFER SENT_BYTES".
dockstage_build() {
    local bin=$1 base=$2 tag=$3 start end json
    start=$(now)
    json=$("$bin" build "$ctx" --base "$base" --no-run --tag "$tag" --format json 2>/dev/null)
    end=$(now)
    printf '%s %s %s\n' "$(secs "$start" "$end")" \
        "$(jq -r '.context_transfer // "tar"' <<<"$json")" \
        "$(jq -r '.context.sent_bytes // "-"' <<<"$json")"
}

buildx_build() {
    local base=$1 tag=$2 start end
    start=$(now)
    docker buildx build --load -q -f "$work/$base.Dockerfile" -t "$tag" "$ctx" >/dev/null 2>&1
    end=$(now)
    secs "$start" "$end"
}

bases=(scratch debian-slim)
report() {
    local name=$1 file=$2
    printf '%-10s median %s s over %s toggles\n' "$name" "$(cut -d' ' -f1 "$file" | median)" "$rounds"
}

time_dockstage() {
    local name=$1 bin=$2 tag=dockstage-bench/toggle-$1
    tags+=("$tag")
    : >"$work/$name.times"
    for base in "${bases[@]}"; do
        prepare "" "$base"
        dockstage_build "$bin" "$base" "$tag" >/dev/null
    done
    for ((i = 0; i < rounds; i++)); do
        local base=${bases[$((i % 2))]} line
        prepare "$name-$run_id-$i" "$base"
        line=$(dockstage_build "$bin" "$base" "$tag")
        echo "$line" >>"$work/$name.times"
        read -r s transfer sent <<<"$line"
        printf '%-10s -> %-11s %6s s  context %s, %s B sent\n' "$name" "$base" "$s" "$transfer" "$sent"
    done
}

if [ -n "${BEFORE:-}" ]; then
    time_dockstage before "$BEFORE"
fi
time_dockstage dockstage "$ds"
if [ "$buildx" = 1 ]; then
    tag=dockstage-bench/toggle-buildx
    tags+=("$tag")
    : >"$work/buildx.times"
    for base in "${bases[@]}"; do
        prepare "" "$base"
        buildx_build "$base" "$tag" >/dev/null
    done
    for ((i = 0; i < rounds; i++)); do
        base=${bases[$((i % 2))]}
        prepare "buildx-$run_id-$i" "$base"
        s=$(buildx_build "$base" "$tag")
        echo "$s" >>"$work/buildx.times"
        printf '%-10s -> %-11s %6s s\n' buildx "$base" "$s"
    done
fi

echo
[ -n "${BEFORE:-}" ] && report before "$work/before.times"
report dockstage "$work/dockstage.times"
[ "$buildx" = 1 ] && report buildx "$work/buildx.times"
exit 0
