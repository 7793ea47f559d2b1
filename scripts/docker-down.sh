#!/usr/bin/env bash
# docker-down.sh — stop the dockerd that scripts/docker-up.sh started, and nothing else.
#
# Only the pid recorded in $DOCKSTAGE_DOCKERD_PIDFILE (default /tmp/dockstage-dockerd.pid) is
# stopped, and only if that process still is a dockerd. A daemon that was already running
# when docker-up.sh ran (no pid file) is left alone. Images stay in /var/lib/docker.
set -euo pipefail

PIDFILE="${DOCKSTAGE_DOCKERD_PIDFILE:-/tmp/dockstage-dockerd.pid}"
log() { printf 'docker-down: %s\n' "$*" >&2; }

if [[ ! -f $PIDFILE ]]; then
    log "no $PIDFILE: docker-up.sh started no dockerd; nothing to stop"
    exit 0
fi
pid="$(cat "$PIDFILE")"
if [[ ! $pid =~ ^[0-9]+$ ]] || [[ ! -r /proc/$pid/comm ]] || [[ $(cat "/proc/$pid/comm") != dockerd ]]; then
    log "pid '$pid' from $PIDFILE is not a running dockerd; removing the stale pid file"
    rm -f "$PIDFILE"
    exit 0
fi

# Alive and not a zombie (the pid's parent may be an init that does not reap at once).
alive() { [[ -r /proc/$pid/stat ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; }

log "stopping dockerd $pid"
kill -TERM "$pid"
# dockerd stops its containers and its own containerd before it exits.
for ((i = 0; i < 120; i++)); do
    alive || break
    sleep 0.25
done
if alive; then
    log "dockerd $pid still running after 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$PIDFILE"
log "dockerd $pid stopped"
