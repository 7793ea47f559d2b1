#!/usr/bin/env bash
# Benchmark `dockstage tune` on the bundled examples: how many builds the
# search needed, how long it took, and what it chose.
#
# Usage: scripts/bench-tune.sh [EXAMPLE...]   (default: probe hello)
#   ROUNDS=N   warm rounds per example (default 3)
#
# For each example it runs the search
#   cold: after `docker builder prune -af`, so every `go build` runs again
#         (this also empties the BuildKit cache other builds on this daemon use);
#   warm: ROUNDS times more, with the builder stages cached.
# It prints per run: builds, wall seconds, the chosen variant and its size, and
# the median of the warm runs. tune removes its own images; the script makes
# nothing else.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case ${1:-} in
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
rounds=${ROUNDS:-3}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "ROUNDS must be a positive integer, not '$rounds'" >&2
    exit 2
fi
examples=("$@")
[[ ${#examples[@]} -gt 0 ]] || examples=(probe hello)

if ! docker info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi
command -v jq >/dev/null || { echo "jq is needed to read dockstage's JSON" >&2; exit 2; }

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=$root/target/release/dockstage
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs tune once on $1 and prints one row; the wall seconds go to $last.
run_once() {
    local example=$1 label=$2 start end
    start=$(date +%s.%N)
    "$ds" tune "assets/examples/$example" --format json >"$out" 2>/dev/null
    end=$(date +%s.%N)
    last=$(echo "$end - $start" | bc)
    printf '  %-5s %6s builds %8.1f s   %s, %s bytes, same output: %s\n' \
        "$label" "$(jq '.builds' "$out")" "$last" \
        "$(jq -r '.chosen.base + ": " + (.chosen.changes | join(", "))' "$out")" \
        "$(jq '.chosen.size_bytes' "$out")" \
        "$(jq -r '[.variants[] | select(.chosen)][0].ok' "$out")"
}

for example in "${examples[@]}"; do
    echo
    echo "tune $example"
    docker builder prune -af >/dev/null 2>&1 || true
    run_once "$example" cold
    echo "  steps of the cold run:"
    jq -r '.steps[] | "    · " + .' "$out"
    warm=()
    for i in $(seq 1 "$rounds"); do
        run_once "$example" "warm$i"
        warm+=("$last")
    done
    median=$(printf '%s\n' "${warm[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    printf '  warm median %.1f s over %d runs\n' "$median" "$rounds"
done
