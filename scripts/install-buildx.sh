#!/usr/bin/env bash
# install-buildx.sh — install the `docker buildx` CLI plugin, the peer that
# scripts/bench-toggle.sh and scripts/bench-toggle-loop.sh time dockstage against.
#
# Debian 12 has no buildx package, Debian 13 (trixie) has docker-buildx, and it works
# against the dockerd 20.10 of docker.io. This fetches that one .deb without touching the
# system's apt lists: apt is pointed at a private source list of its own,
#   deb MIRROR trixie main
# (MIRROR: the Debian mirror apt already uses, found as scripts/offline-bases.sh finds it),
# with its own lists and cache directories in a temp dir, then
#   apt-get update / apt-get download docker-buildx
#   dpkg-deb -x docker-buildx_*.deb
# and copies usr/libexec/docker/cli-plugins/docker-buildx to $DOCKER_CONFIG/cli-plugins/
# (default ~/.docker/cli-plugins/). Nothing is installed with dpkg; nothing outside the
# temp dir and that one file is written.
#
# Idempotent: when `docker buildx version` already works it says so and changes nothing
# (INSTALL_BUILDX_FORCE=1 fetches and replaces the plugin anyway).
#
# Environment:
#   OFFLINE_BASES_MIRROR=URL   the Debian mirror (default: the one in apt's own sources)
#   INSTALL_BUILDX_SUITE=NAME  the Debian release to take docker-buildx from (default trixie)
#   INSTALL_BUILDX_FORCE=1     replace a plugin that is already there
#   DOCKER_CONFIG=DIR          the docker client's config dir (default ~/.docker)
#
# Needs apt-get, dpkg-deb and a docker client; no root unless the config dir needs it.
set -euo pipefail

SUITE=${INSTALL_BUILDX_SUITE:-trixie}
PKG=docker-buildx

log() { printf 'install-buildx: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

for tool in apt-get dpkg-deb docker; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

config_dir=${DOCKER_CONFIG:-${HOME:?HOME is not set}/.docker}
plugin_dir=$config_dir/cli-plugins
plugin=$plugin_dir/docker-buildx

# Shows that the client finds the plugin and the default (docker driver) builder answers.
show() {
    log "docker buildx version: $(docker buildx version 2>&1 | head -n 1)"
    if docker info >/dev/null 2>&1; then
        log "docker buildx ls:"
        docker buildx ls 2>&1 | sed 's/^/    /' >&2
    else
        log "no Docker daemon answers, so 'docker buildx ls' was not run"
    fi
}

if [[ ${INSTALL_BUILDX_FORCE:-0} != 1 ]] && docker buildx version >/dev/null 2>&1; then
    where=$plugin
    [[ -x $plugin ]] || where="a plugin directory of the docker client"
    log "already installed ($where); nothing to do (INSTALL_BUILDX_FORCE=1 replaces it)"
    show
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The Debian mirror apt already uses: detect_mirror, shared with the other scripts.
# shellcheck source=scripts/lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

mirror=$(detect_mirror)
log "Debian mirror (from apt's sources): $mirror"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
echo "deb $mirror $SUITE main" >"$work/sources.list"

# Every apt-get call reads only the private list and writes only below $work.
apt_private=(
    -o "Dir::Etc::sourcelist=$work/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "APT::Get::List-Cleanup=0"
)

log "apt-get update ($SUITE main, private list in $work)"
apt-get "${apt_private[@]}" update -qq >"$work/update.log" 2>&1 || {
    sed 's/^/    /' "$work/update.log" >&2
    die "apt-get update of the private $SUITE list failed"
}
log "apt-get download $PKG"
(cd "$work/deb" && apt-get "${apt_private[@]}" download -qq "$PKG") >"$work/download.log" 2>&1 || {
    sed 's/^/    /' "$work/download.log" >&2
    die "apt-get download $PKG failed"
}
shopt -s nullglob
debs=("$work/deb/${PKG}"_*.deb)
shopt -u nullglob
[[ ${#debs[@]} -eq 1 ]] || die "expected one $PKG .deb, found ${#debs[@]}"
log "got $(basename "${debs[0]}") ($(stat -c %s "${debs[0]}") bytes)"

dpkg-deb -x "${debs[0]}" "$work/root"
src=$work/root/usr/libexec/docker/cli-plugins/docker-buildx
[[ -x $src ]] || die "$(basename "${debs[0]}") has no usr/libexec/docker/cli-plugins/docker-buildx"

mkdir -p "$plugin_dir"
# Copy beside the target, then rename: a client never sees half a plugin.
cp "$src" "$plugin.tmp.$$"
chmod 0755 "$plugin.tmp.$$"
mv -f "$plugin.tmp.$$" "$plugin"
log "installed $plugin"
show
