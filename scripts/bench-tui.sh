#!/usr/bin/env bash
# Benchmark the workbench: `cargo bench --bench tui` (keystroke → frame latency
# on a 300-line Dockerfile, resident memory after 50 variants and 100,000 log
# lines), then the idle CPU of the real binary.
#
# Usage: scripts/bench-tui.sh [--no-cargo-bench]
#   --no-cargo-bench   skip the cargo bench, measure idle CPU only
#   IDLE_SECONDS=N     how long to sample the idle binary (default 10)
#   SETTLE_SECONDS=N   how long to wait after start before sampling (default 3)
#   DOCKSTAGE=PATH     the binary to measure (default: target/release/dockstage,
#                      built first)
#
# Idle CPU: dockstage (no arguments: the bundled example) runs in a 160x45
# tmux session of its own, with HOME and the XDG directories in a temp
# directory. After SETTLE_SECONDS, nothing is typed for IDLE_SECONDS while the
# script reads /proc/PID/stat (utime + stime, in clock ticks) before and after,
# and prints CPU % (target: near zero). For finer grain it also sums the
# threads' on-CPU nanoseconds (/proc/PID/task/*/schedstat) and their context
# switches, i.e. how often the idle process wakes up. It does this twice: with
# the Docker daemon it finds (the worker pings it every 3 s), and with
# DOCKER_HOST pointing at no socket (the worker retries the connection).
# Then it quits the workbench with Ctrl-Q. The tmux server and the temp
# directory are removed at the end, also on failure or Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cargo_bench=1
for arg in "$@"; do
    case $arg in
        --no-cargo-bench) cargo_bench=0 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done
idle=${IDLE_SECONDS:-10}
settle=${SETTLE_SECONDS:-3}
for v in "$idle" "$settle"; do
    if ! [[ $v =~ ^[1-9][0-9]*$ ]]; then
        echo "IDLE_SECONDS and SETTLE_SECONDS must be positive integers, not '$v'" >&2
        exit 2
    fi
done

if [[ $cargo_bench == 1 ]]; then
    cargo bench --bench tui
    echo
fi

if ! command -v tmux >/dev/null; then
    echo "idle CPU: skipped, tmux is not installed" >&2
    exit 0
fi
if [[ ! -r /proc/self/stat ]]; then
    echo "idle CPU: skipped, needs /proc" >&2
    exit 0
fi
if [[ -n ${DOCKSTAGE:-} ]]; then
    ds=$DOCKSTAGE
else
    echo "building dockstage (release)..." >&2
    cargo build --release --quiet --bin dockstage
    ds=$root/target/release/dockstage
fi

work=$(mktemp -d)
socket=dockstage-bench-tui-$$
tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
socket_path=
cleanup() {
    tmux_ kill-server 2>/dev/null || true
    # kill-server leaves the socket file behind.
    [[ -n $socket_path ]] && rm -f "$socket_path"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

ticks_per_second=$(getconf CLK_TCK)

# utime + stime of PID, in clock ticks. The command name, in parentheses, may
# hold spaces, so count fields from after the closing one.
cpu_ticks() {
    local stat rest
    stat=$(<"/proc/$1/stat")
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    # After ')': state is field 1, utime field 12, stime field 13.
    echo $((${12} + ${13}))
}

# On-CPU nanoseconds and context switches, summed over PID's threads.
thread_totals() {
    local ns=0 switches=0 t run v n
    for t in /proc/"$1"/task/*; do
        read -r run _ <"$t/schedstat" || continue
        ns=$((ns + run))
        v=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")
        n=$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status")
        switches=$((switches + v + n))
    done
    echo "$ns $switches"
}

# measure LABEL [VAR=VALUE...]: idle CPU of one dockstage run.
measure() {
    local label=$1
    shift
    local home=$work/$label
    mkdir -p "$home"
    tmux_ new-session -d -s "$label" -x 160 -y 45 \
        "exec env HOME='$home' XDG_DATA_HOME='$home/data' XDG_STATE_HOME='$home/state' XDG_CONFIG_HOME='$home/config' $* '$ds'"
    socket_path=$(tmux_ display-message -p -t "$label" '#{socket_path}')
    local pid
    pid=$(tmux_ display-message -p -t "$label" '#{pane_pid}')
    local i
    for ((i = 0; i < 100; i++)); do
        tmux_ capture-pane -p -t "$label" | grep -q 'Dockerfile ─' && break
        sleep 0.1
    done
    if ! tmux_ capture-pane -p -t "$label" | grep -q 'Dockerfile ─'; then
        echo "$label: the workbench did not open; the screen was:" >&2
        tmux_ capture-pane -p -t "$label" >&2
        exit 1
    fi
    sleep "$settle"
    local status
    status=$(tmux_ capture-pane -p -t "$label" | awk 'NF {last=$0} END {print last}')
    local t0 n0 s0 t1 n1 s1 start end
    t0=$(cpu_ticks "$pid")
    read -r n0 s0 < <(thread_totals "$pid")
    start=$(date +%s%N)
    sleep "$idle"
    t1=$(cpu_ticks "$pid")
    read -r n1 s1 < <(thread_totals "$pid")
    end=$(date +%s%N)
    local tasks=(/proc/"$pid"/task/*)
    local threads=${#tasks[@]}
    awk -v label="$label" -v ticks=$((t1 - t0)) -v hz="$ticks_per_second" \
        -v ns=$((n1 - n0)) -v sw=$((s1 - s0)) -v wall=$((end - start)) \
        -v threads="$threads" -v status="$status" 'BEGIN {
        secs = wall / 1e9
        printf "%s\n", label
        printf "  status line: %s\n", status
        printf "  utime+stime   %d ticks in %.1f s = %.2f %% CPU\n", ticks, secs, 100 * ticks / hz / secs
        printf "  on-CPU time   %.2f ms in %.1f s = %.3f %% CPU (%d threads)\n", ns / 1e6, secs, 100 * ns / wall, threads
        printf "  wake-ups      %d context switches = %.1f per second\n", sw, sw / secs
    }'
    tmux_ send-keys -t "$label" C-q
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$pid ]] || break
        sleep 0.1
    done
    if [[ -d /proc/$pid ]]; then
        echo "  $label: still running 5 s after Ctrl-Q" >&2
    fi
}

echo "dockstage idle CPU ($ds, ${idle} s after ${settle} s, target: near zero)"
measure with-docker
measure no-docker DOCKER_HOST=unix:///nonexistent.sock
