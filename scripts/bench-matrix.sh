#!/usr/bin/env bash
# Benchmark `dockstage matrix` over 5 runtime bases of the bundled hello example
# against the same 5 variants built and run one after another with plain docker
# (BuildKit), from the same cache state. Target: dockstage / docker <= 0.60 warm.
#
# Usage: scripts/bench-matrix.sh [--warm-only]
#   --warm-only     skip the cold-builder scenario (it recompiles Go every side)
#   ROUNDS=N        rounds per scenario (default 5)
#   BASES=K1,K2,..  catalog keys (default scratch,distroless-static,distroless-base,busybox,debian-slim)
#   DOCKER_CLI=PATH a docker client whose `docker build` can use BuildKit (default:
#                   `docker` if it has buildx, else a pre-23 client such as /usr/bin/docker)
#
# The two sides, each timed as one wall time:
#   dockstage  dockstage matrix assets/examples/hello --bases BASES --format json
#              (one generated Dockerfile; variant 0 builds the builder, the others
#              build concurrently, all images run concurrently, session cleanup)
#   docker     for each base in order: DOCKER_BUILDKIT=1 docker build -q -f FILE -t TAG
#              assets/examples/hello && docker run --rm --network none --read-only TAG
#              FILE is `dockstage edit ... --base KEY`, written to a temp directory
#              outside the context, so both sides send the same context.
# Scenarios, each alternating dockstage and docker for ROUNDS rounds:
#   A. warm          one untimed warm-up of each side first; the builder stage is cached
#   B. cold builder  before each timed side, `docker builder prune -af`, so both sides
#                    compile the builder stage (go build) again
# Before every timed side the images docker's previous side tagged are removed
# (dockstage removes its own at the end of each run), so each side starts with
# no variant image present. It prints every round, the medians, the ratio
# dockstage / docker, PASS/MISS against 0.60 for A, whether both sides printed
# "Hello World!" on every base, and each side's image size per base.
# Everything the script tagged and its temp directory are removed at the end,
# also on failure or Ctrl-C; other images are never touched (the build cache is,
# by scenario B).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cold=1
for arg in "$@"; do
    case $arg in
        --warm-only) cold=0 ;;
        -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done
rounds=${ROUNDS:-5}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "ROUNDS must be a positive integer, not '$rounds'" >&2
    exit 2
fi
bases_csv=${BASES:-scratch,distroless-static,distroless-base,busybox,debian-slim}
IFS=, read -r -a bases <<<"$bases_csv"
if [ ${#bases[@]} -eq 0 ]; then
    echo "BASES is empty" >&2
    exit 2
fi

target=0.60
ctx=assets/examples/hello
tag_repo=dockstage-bench/matrix
expected='Hello World!'

# `docker build` with BuildKit needs the buildx plugin from client 23 on; older
# clients (Debian's docker.io) still have BuildKit built in. Both talk to the
# daemon's own BuildKit, the builder dockstage uses.
buildkit_client() {
    local cli=$1 version
    command -v "$cli" >/dev/null 2>&1 || return 1
    "$cli" buildx version >/dev/null 2>&1 && return 0
    version=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null) || return 1
    [[ $version =~ ^([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -lt 23 ]
}
if [ -n "${DOCKER_CLI:-}" ]; then
    buildkit_client "$DOCKER_CLI" || {
        echo "DOCKER_CLI=$DOCKER_CLI cannot build with BuildKit (no buildx, client 23 or later)" >&2
        exit 2
    }
    dk=$DOCKER_CLI
else
    dk=
    for cli in docker /usr/bin/docker /usr/local/bin/docker; do
        if buildkit_client "$cli"; then dk=$(command -v "$cli"); break; fi
    done
    if [ -z "$dk" ]; then
        echo "no docker client here can build with BuildKit: install the buildx plugin or set DOCKER_CLI" >&2
        exit 2
    fi
fi
export DOCKER_BUILDKIT=1

if ! "$dk" info >/dev/null 2>&1; then
    echo "no Docker daemon answers (docker info failed); start one with scripts/docker-up.sh" >&2
    exit 2
fi

echo "building dockstage (release)..." >&2
cargo build --release --quiet --bin dockstage
ds=$root/target/release/dockstage

work=$(mktemp -d)

cleanup() {
    local rc=$?
    remove_docker_tags
    rm -rf "$work"
    exit "$rc"
}
# Removes the tags this script gives docker's images (and so the images: each
# has only that tag). Nothing else is removed.
remove_docker_tags() {
    local key
    for key in "${bases[@]}"; do
        if "$dk" image inspect "$tag_repo:$key" >/dev/null 2>&1; then
            "$dk" image rm "$tag_repo:$key" >/dev/null 2>&1 || echo "warning: could not remove $tag_repo:$key" >&2
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every base's image must be here: offline nothing can be pulled, and dockstage
# would skip a missing base rather than fail, which would skew the comparison.
for key in "${bases[@]}"; do
    image=$(awk -v k="$key" '
        /^\[\[base\]\]/ { inbase = 1; cur = ""; next }
        /^\[/ { inbase = 0 }
        inbase && $1 == "key" { cur = $3; gsub(/"/, "", cur) }
        inbase && $1 == "image" && cur == k { v = $3; gsub(/"/, "", v); print v; exit }
    ' assets/bases.toml)
    if [ -z "$image" ]; then
        echo "BASES: '$key' is not a base in assets/bases.toml" >&2
        exit 2
    fi
    if [ "$image" != scratch ] && ! "$dk" image inspect "$image" >/dev/null 2>&1; then
        echo "base $key needs $image, which is not on this machine (scripts/offline-bases.sh)" >&2
        exit 2
    fi
    "$ds" edit "$ctx/Dockerfile" --base "$key" >"$work/Dockerfile.$key"
done

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

# One dockstage side: the whole matrix, report in $work/ds.json.
dockstage_side() {
    "$ds" matrix "$ctx" --bases "$bases_csv" --format json >"$work/ds.json" 2>"$work/ds.err" ||
        fail "dockstage matrix exited $?" "$work/ds.err"
}

# Checks dockstage's report: every base built and its run exited 0 printing the
# expected line. Writes "base size build_s run_ms order" lines to $1, order
# being the position dockstage built it in (0 = the one that built the builder).
check_dockstage() {
    python3 - "$work/ds.json" "$expected" "$bases_csv" >"$1" <<'EOF' || fail "dockstage's report" "$work/ds.err"
import json, sys
report = json.load(open(sys.argv[1]))
expected, wanted = sys.argv[2], sys.argv[3].split(",")
# The file as written is always built as the reference, also when BASES leaves its base out.
rows = {r["base"]: r for r in report.get("variants", [])
        if r["base"] in wanted or not r.get("reference")}
if sorted(rows) != sorted(wanted):
    sys.exit("variants %s, wanted %s" % (sorted(rows), sorted(wanted)))
order = {r["base"]: i for i, r in enumerate(report["variants"])}
for key in wanted:
    r = rows[key]
    run = r.get("run") or {}
    if run.get("exit_code") != 0 or (run.get("stdout") or "").strip() != expected:
        sys.exit("%s: run exit %r, stdout %r, error %r"
                 % (key, run.get("exit_code"), run.get("stdout"), run.get("error")))
    print(key, r.get("size_bytes", 0), "%.3f" % r.get("build_seconds", 0), run.get("duration_ms", 0), order[key])
EOF
}

# One docker side: build and run every base in turn. Per-step times go to
# $work/docker.steps ("base build_ms run_ms"), outputs to $work/out.KEY.
docker_side() {
    local key t0 t1 t2
    : >"$work/docker.steps"
    for key in "${bases[@]}"; do
        t0=$(now_ns)
        "$dk" build -q -f "$work/Dockerfile.$key" -t "$tag_repo:$key" "$ctx" >"$work/docker.id" 2>"$work/docker.err" ||
            fail "docker build ($key) exited $?" "$work/docker.err"
        t1=$(now_ns)
        "$dk" run --rm --network none --read-only "$tag_repo:$key" >"$work/out.$key" 2>"$work/docker.err" ||
            fail "docker run ($key) exited $?" "$work/docker.err"
        t2=$(now_ns)
        echo "$key $(ms $((t1 - t0))) $(ms $((t2 - t1)))" >>"$work/docker.steps"
    done
}

check_docker() {
    local key
    for key in "${bases[@]}"; do
        [ "$(cat "$work/out.$key")" = "$expected" ] ||
            fail "docker run ($key) printed '$(head -c 200 "$work/out.$key")', not '$expected'"
    done
}

# Untimed: the state each timed side starts from. "warm" only removes docker's
# tags; "cold" also empties BuildKit's cache.
prepare() {
    remove_docker_tags
    if [ "$1" = cold ]; then
        "$dk" builder prune -af >/dev/null 2>"$work/prune.err" || fail "docker builder prune" "$work/prune.err"
    fi
}

echo "dockstage: $("$ds" --version 2>/dev/null || echo "$ds")"
echo "docker:    $dk, client $("$dk" version --format '{{.Client.Version}}'), server $("$dk" version --format '{{.Server.Version}}') (DOCKER_BUILDKIT=1)"
echo "context:   $ctx, bases ${bases_csv//,/, }"
echo "machine:   $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "warming up (one untimed run of each side)..." >&2
prepare warm
dockstage_side
check_dockstage "$work/ds.rows"
docker_side
check_docker

# scenario LABEL STATE: ROUNDS alternating rounds; sets $ratio and leaves the
# last round's per-variant figures in $work/ds.rows and $work/docker.steps.
scenario() {
    local label=$1 state=$2 i t0 t1 a b
    local ds_times=() docker_times=() ratios=()
    echo "$label"
    printf '  %5s  %12s  %12s  %6s\n' round "dockstage ms" "docker ms" ratio
    for ((i = 1; i <= rounds; i++)); do
        prepare "$state"
        t0=$(now_ns)
        dockstage_side
        t1=$(now_ns)
        a=$((t1 - t0))
        check_dockstage "$work/ds.rows"
        prepare "$state"
        t0=$(now_ns)
        docker_side
        t1=$(now_ns)
        b=$((t1 - t0))
        check_docker
        ds_times+=("$a")
        docker_times+=("$b")
        ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
        printf '  %5d  %12s  %12s  %6.2f\n' "$i" "$(ms "$a")" "$(ms "$b")" "${ratios[-1]}"
    done
    local ds_med docker_med
    ds_med=$(median "${ds_times[@]}")
    docker_med=$(median "${docker_times[@]}")
    ratio=$(awk -v a="$ds_med" -v b="$docker_med" 'BEGIN { printf "%.2f", a / b }')
    printf '  %5s  %12s  %12s  %6s\n' median "$(ms "$ds_med")" "$(ms "$docker_med")" "$ratio"
    echo "  ratio of medians dockstage / docker: $ratio (median of the per-round ratios: $(median "${ratios[@]}" | awk '{ printf "%.2f", $1 }'))"
    echo "  last round, per variant (dockstage builds variant 0 first, then the rest at once):"
    printf '    %-18s  %3s  %12s  %10s  %14s  %12s\n' base "#" "ds build ms" "ds ctr ms" "docker build ms" "docker run ms"
    local key size build run order dbuild drun
    local first=0 rest=0 dbuilds=0 druns=0
    for key in "${bases[@]}"; do
        read -r _ size build run order < <(grep "^$key " "$work/ds.rows")
        read -r _ dbuild drun < <(grep "^$key " "$work/docker.steps")
        build=$(awk -v s="$build" 'BEGIN { printf "%.1f", s * 1000 }')
        printf '    %-18s  %3s  %12s  %10s  %14s  %12s\n' "$key" "$order" "$build" "$run" "$dbuild" "$drun"
        if [ "$order" = 0 ]; then first=$build; else rest=$(awk -v a="$rest" -v b="$build" 'BEGIN { print (b > a) ? b : a }'); fi
        dbuilds=$(awk -v a="$dbuilds" -v b="$dbuild" 'BEGIN { print a + b }')
        druns=$(awk -v a="$druns" -v b="$drun" 'BEGIN { print a + b }')
    done
    awk -v t="$(ms "$a")" -v f="$first" -v r="$rest" 'BEGIN {
        printf "    dockstage %.0f ms = builds %.0f (variant 0) + %.0f (slowest of the rest) + runs and other %.0f\n", t, f, r, t - f - r }'
    awk -v t="$(ms "$b")" -v bb="$dbuilds" -v rr="$druns" 'BEGIN {
        printf "    docker    %.0f ms = builds %.0f + runs %.0f (each with its client start) + other %.0f\n", t, bb, rr, t - bb - rr }'
}

scenario "A. warm: builder stage cached for both sides" warm
verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }')
echo "  target <= $target: $verdict (ratio $ratio)"
warm_ratio=$ratio
echo

if [ $cold = 1 ]; then
    scenario "B. cold builder: docker builder prune -af before each side (go build runs again)" cold
    echo "  (no target; for comparison with A)"
    echo
fi

# The last sides' images: docker's are still tagged, dockstage's sizes are in its report.
echo "results per base (last round): run output and image size"
printf '  %-18s  %-14s  %-14s  %14s  %14s\n' base "dockstage run" "docker run" "dockstage B" "docker B"
for key in "${bases[@]}"; do
    read -r _ size _ _ < <(grep "^$key " "$work/ds.rows")
    dsize=$("$dk" image inspect -f '{{.Size}}' "$tag_repo:$key")
    printf '  %-18s  %-14s  %-14s  %14s  %14s\n' "$key" "$expected" "$(cat "$work/out.$key")" "$size" "$dsize"
done
echo "  both sides printed '$expected' on all ${#bases[@]} bases in every round"
echo

cat <<EOF
How to read this:
  Each time is the wall time of one whole side: dockstage's single 'matrix' command
  (build + concurrent runs + its cleanup) against docker's build1, run1, build2, run2, ...
  Sides alternate within a round, and each starts from the same state (no variant image;
  in B also no BuildKit cache). The ratio of the medians is the figure: below 1 dockstage
  is faster. The target, <= $target, applies to A (warm): $verdict at $warm_ratio.
  The per-variant lines show where time goes in the last round: dockstage's variant 0
  (the Dockerfile's own base) carries the shared builder stage, the others build at
  once, and each runs as soon as it is built. "ds ctr ms" is only each container's own lifetime
  (StartedAt to FinishedAt, as dockstage reports it); "runs and other" is everything
  after the builds: creating, starting, waiting for and removing the 5 containers,
  plus process start, connecting, preflight, packing the context, size look-ups and
  removing the session's images. Docker's build and run times each include a CLI
  start (and for runs create/start/attach/remove); its "other" is the script's gaps.
  Load from other work swings single rounds a lot; the median of the per-round
  ratios (each pairs two sides run back to back) is the steadier companion figure.
  Sizes are 'docker image inspect' Size (dockstage reports the same field); the two
  sides build the same stages, so they should agree to within a few bytes of metadata.
  Other load on the machine (see the load average above) moves the figures.
EOF
