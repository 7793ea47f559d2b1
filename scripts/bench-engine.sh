#!/usr/bin/env bash
# Benchmark dockstage against plain docker on a warm rebuild + run of the hello
# example on scratch (benchmark B), then run `cargo bench --bench engine`
# (benchmark A: layer analysis against dive).
#
# Usage: scripts/bench-engine.sh [--no-cargo-bench]
#   --no-cargo-bench   skip benchmark A
#   ROUNDS=N           rounds per comparison (default 10)
#
# B copies assets/examples/hello to a temp directory and writes its Dockerfile
# there as the scratch variant (`dockstage edit --base scratch --set cgo=off
# --set strip=on`), so both tools build the same context from the same file.
# After one warm-up build each, it alternates for ROUNDS rounds:
#   (a) dockstage build DIR --format json         (BuildKit build, layers, sandboxed run, cleanup)
#   (b) docker build -q -t TAG DIR && docker run --rm --network none TAG   (legacy builder)
# and then, to show where the time goes:
#   (c) dockstage build DIR --no-run --format json   vs   docker build -q -t TAG DIR
# Each round is one wall time; it prints every round, the medians and the ratio
# dockstage / docker (target for (a)/(b): at most 1.10). Both runs must print
# "Hello World!". Everything the script made (the docker tag, the legacy
# builder's intermediate images, the temp directory) is removed at the end,
# also on failure or Ctrl-C; images that existed before are never touched.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cargo_bench=1
for arg in "$@"; do
    case $arg in
        --no-cargo-bench) cargo_bench=0 ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done
rounds=${ROUNDS:-10}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "ROUNDS must be a positive integer, not '$rounds'" >&2
    exit 2
fi

tag=dockstage-bench/hello
expected='Hello World!'
# The docker CLI here has no buildx: ask for the legacy builder outright.
export DOCKER_BUILDKIT=0

if ! docker info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=$root/target/release/dockstage

work=$(mktemp -d)
ctx=$work/hello
# Image ids present before the script ran: never removed by it.
docker image ls -aq --no-trunc | sort -u >"$work/before"
: >"$work/created"

cleanup() {
    local rc=$?
    if docker image inspect "$tag" >/dev/null 2>&1; then
        docker image rm "$tag" >/dev/null 2>&1 || echo "warning: could not remove $tag" >&2
    fi
    # The legacy builder keeps each step's image as cache; remove the ones this
    # script's builds made, newest first, leaving anything that was here before.
    if [ -s "$work/created" ]; then
        local id
        while read -r id; do
            docker image rm "$id" >/dev/null 2>&1 || true
        done < <(tac "$work/created")
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$ctx"
cp -a assets/examples/hello/. "$ctx/"
"$ds" edit assets/examples/hello/Dockerfile --base scratch --set cgo=off --set strip=on >"$ctx/Dockerfile"

now_ns() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

fail() {
    echo "FAILED: $1" >&2
    if [ -n "${2:-}" ] && [ -s "$2" ]; then
        sed 's/^/    /' "$2" | tail -n 30 >&2
    fi
    exit 1
}

# Checks dockstage's JSON report: a run that exited 0 and printed Hello World!,
# or with --no-run just an image id.
check_dockstage() {
    python3 - "$1" "$2" "$expected" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
want_run, expected = sys.argv[2] == "run", sys.argv[3]
if not report.get("image_id"):
    sys.exit("no image_id in the report")
if want_run:
    run = report.get("run") or {}
    if run.get("exit_code") != 0 or run.get("stdout", "").strip() != expected:
        sys.exit("run: exit %r, stdout %r" % (run.get("exit_code"), run.get("stdout")))
elif report.get("run") is not None:
    sys.exit("--no-run still ran the image")
EOF
}

# (a) and (c): one dockstage build; $1 is "run" or "no-run".
dockstage_round() {
    local extra=()
    [ "$1" = no-run ] && extra=(--no-run)
    "$ds" build "$ctx" --format json "${extra[@]}" >"$work/ds.json" 2>"$work/ds.err" ||
        fail "dockstage build exited $?" "$work/ds.err"
}

# (b) and (d): docker build (legacy, quiet) and, for "run", docker run.
docker_round() {
    docker build -q -t "$tag" "$ctx" >"$work/docker.id" 2>"$work/docker.err" ||
        fail "docker build exited $?" "$work/docker.err"
    if [ "$1" = run ]; then
        docker run --rm --network none "$tag" >"$work/docker.out" 2>"$work/docker.err" ||
            fail "docker run exited $?" "$work/docker.err"
    fi
}

check_docker() {
    if [ "$1" = run ] && [ "$(cat "$work/docker.out")" != "$expected" ]; then
        fail "docker run printed '$(head -c 200 "$work/docker.out")', not '$expected'"
    fi
}

echo "dockstage: $("$ds" --version 2>/dev/null || echo "$ds")"
echo "docker:    client $(docker version --format '{{.Client.Version}}'), server $(docker version --format '{{.Server.Version}}') (docker build: legacy builder)"
echo "context:   $ctx (assets/examples/hello with the scratch Dockerfile)"
# Other work on the machine moves these figures; say how busy it was.
echo "machine:   $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Warm both caches. The legacy builder's first build is verbose so the ids of
# the intermediate images it makes can be recorded for the cleanup.
echo "warming the caches..." >&2
dockstage_round run
check_dockstage "$work/ds.json" run || fail "dockstage's warm-up run" "$work/ds.err"
docker build -t "$tag" "$ctx" >"$work/warm.log" 2>&1 || fail "docker build (warm-up)" "$work/warm.log"
sed -n 's/^ ---> \([0-9a-f]\{12\}\)$/\1/p' "$work/warm.log" | while read -r short; do
    full=$(docker image inspect --format '{{.Id}}' "$short" 2>/dev/null) || continue
    grep -qxF "$full" "$work/before" || echo "$full"
done >"$work/created"
docker_round run
check_docker run

# compare LABEL MODE: ROUNDS alternating rounds of dockstage (MODE) and docker.
compare() {
    local label=$1 mode=$2 i t0 t1 a b
    local ds_times=() docker_times=()
    echo "$label"
    printf '  %5s  %12s  %12s\n' round "dockstage ms" "docker ms"
    for ((i = 1; i <= rounds; i++)); do
        t0=$(now_ns)
        dockstage_round "$mode"
        t1=$(now_ns)
        a=$((t1 - t0))
        check_dockstage "$work/ds.json" "$mode" || fail "dockstage round $i" "$work/ds.err"
        t0=$(now_ns)
        docker_round "$mode"
        t1=$(now_ns)
        b=$((t1 - t0))
        check_docker "$mode"
        ds_times+=("$a")
        docker_times+=("$b")
        printf '  %5d  %12s  %12s\n' "$i" "$(ms "$a")" "$(ms "$b")"
    done
    local ds_med docker_med
    ds_med=$(median "${ds_times[@]}")
    docker_med=$(median "${docker_times[@]}")
    printf '  %5s  %12s  %12s\n' median "$(ms "$ds_med")" "$(ms "$docker_med")"
    ratio=$(awk -v a="$ds_med" -v b="$docker_med" 'BEGIN { printf "%.2f", a / b }')
    echo "  ratio dockstage / docker: $ratio"
}

compare "B. warm rebuild + run of hello on scratch: (a) dockstage build --format json vs (b) docker build -q && docker run --rm --network none" run
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.10) ? "within" : "ABOVE" }')
echo "  target ≤ 1.10: $verdict target"
echo
compare "C. build only: (c) dockstage build --no-run --format json vs docker build -q" no-run
echo

if [ $cargo_bench = 1 ]; then
    cargo bench --quiet --bench engine
fi
