#!/usr/bin/env bash
# docker-up.sh — make sure a Docker engine answers, for dockstage's engine tests and demos.
#
# 1. Installs what is missing with apt-get: docker.io (dockerd), debootstrap and
#    busybox-static (for scripts/offline-bases.sh) and tmux (for the terminal tests).
# 2. If no daemon answers `docker info`, starts dockerd in the background, writes its pid to
#    $DOCKSTAGE_DOCKERD_PIDFILE and waits up to 60 s for it to answer.
#    A daemon that already answers is left alone and no pid file is written, so
#    scripts/docker-down.sh only ever stops a dockerd this script started.
#
# Environment:
#   DOCKSTAGE_DOCKERD_PIDFILE   default /tmp/dockstage-dockerd.pid
#   DOCKSTAGE_DOCKERD_LOG       default /tmp/dockstage-dockerd.log
#   DOCKSTAGE_DOCKERD_WAIT      seconds to wait for the daemon, default 60
set -euo pipefail

PIDFILE="${DOCKSTAGE_DOCKERD_PIDFILE:-/tmp/dockstage-dockerd.pid}"
LOGFILE="${DOCKSTAGE_DOCKERD_LOG:-/tmp/dockstage-dockerd.log}"
WAIT="${DOCKSTAGE_DOCKERD_WAIT:-60}"

log() { printf 'docker-up: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [[ ${EUID:-$(id -u)} -eq 0 ]]; }

# --- packages -----------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
    missing+=(busybox-static)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [[ ${#missing[@]} -gt 0 ]]; then
    is_root || die "missing packages (${missing[*]}); run as root or: sudo apt-get install -y ${missing[*]}"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${missing[@]}" >&2; then
        apt-get update -q >&2
        apt-get install -y -q "${missing[@]}" >&2
    fi
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

# --- daemon -------------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "a Docker daemon already answers ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')); nothing started"
    exit 0
fi

live_dockerds() {   # running dockerd pids, zombies left out
    local p
    for p in $(pgrep -x dockerd 2>/dev/null); do
        [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) =~ ^[RSD]$ ]] && echo "$p"
    done
    return 0
}
pid_is_dockerd() { [[ -n ${1:-} && -r /proc/$1/comm && $(cat "/proc/$1/comm") == dockerd ]]; }

pid=""
if [[ -f $PIDFILE ]] && pid_is_dockerd "$(cat "$PIDFILE")"; then
    pid="$(cat "$PIDFILE")"
    log "dockerd $pid (from $PIDFILE) is running but does not answer yet; waiting"
else
    is_root || die "no daemon answers and starting dockerd needs root"
    others="$(live_dockerds | paste -sd " " -)"
    if [[ -n $others ]]; then
        die "a dockerd is running (pid $others) but 'docker info' gets no answer; check DOCKER_HOST and its log"
    fi
    log "starting dockerd (log: $LOGFILE)"
    # setsid: the daemon gets its own session, so it outlives this shell and its job control.
    setsid nohup dockerd >"$LOGFILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
fi

t0=$SECONDS
for ((i = 0; i < WAIT * 4; i++)); do
    if docker info >/dev/null 2>&1; then
        log "dockerd $pid answers after $((SECONDS - t0)) s ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')); pid in $PIDFILE"
        exit 0
    fi
    if [[ ! -r /proc/$pid/stat || $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
        rm -f "$PIDFILE"
        log "dockerd exited; last lines of $LOGFILE:"
        tail -n 20 "$LOGFILE" >&2 || true
        exit 1
    fi
    sleep 0.25
done
log "dockerd $pid did not answer within $WAIT s; it is left running (stop it with scripts/docker-down.sh); last lines of $LOGFILE:"
tail -n 20 "$LOGFILE" >&2 || true
exit 1
