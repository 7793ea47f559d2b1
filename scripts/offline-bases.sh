#!/usr/bin/env bash
# offline-bases.sh — build local stand-ins for dockstage's base catalog from Debian packages.
#
# No image registry can be reached on workshop machines, so the images in assets/bases.toml
# are rebuilt here from Debian's own packages (debootstrap, or .debs unpacked with dpkg-deb)
# and loaded with `docker import`. Every stand-in carries the label
# io.dockstage.standin=true (the UI marks such bases) and io.dockstage.standin.source=...
# saying how it was made.
#
#   golang:1.24                         debootstrap trixie + golang-1.24-go, gcc, libc6-dev, ...
#   debian:bookworm-slim                debootstrap --variant=minbase bookworm
#   gcr.io/distroless/static-debian12   CA bundle, tzdata, netbase, passwd/group (no libc, no shell)
#   gcr.io/distroless/base-debian12     the same plus libc6 and libssl3
#   busybox:stable                      /bin/busybox from busybox-static and its applet links
#   alpine:3.20                         look-alike: busybox-static as the shell, Debian's musl as
#                                       the libc (/lib/ld-musl-x86_64.so.1), a CA bundle and
#                                       /etc/alpine-release; no apk (that needs the real image)
#
# Idempotent: an image that already exists with the stand-in label is skipped, and a real
# (pulled or loaded) image of the same name is never overwritten. A second run takes seconds.
#
# Environment:
#   OFFLINE_BASES_ONLY="golang:1.24 busybox:stable"   only these (image refs or catalog keys:
#                                   golang debian-slim distroless-static distroless-base busybox alpine)
#   OFFLINE_BASES_FORCE=1           rebuild stand-ins that already exist (real images stay untouched)
#   OFFLINE_BASES_MIRROR=URL        Debian mirror for debootstrap (default: the one apt uses)
#   OFFLINE_BASES_CACHE=DIR         debootstrap's .deb cache, reused by later runs
#                                   (default /var/cache/dockstage/debootstrap; "" disables it)
#   TMPDIR                          where the temporary root filesystems are assembled
#
# Needs root, docker (a running daemon), debootstrap, dpkg-deb, apt-get and busybox-static.
# scripts/docker-up.sh installs and starts all of that.
# shellcheck disable=SC1091,SC2012  # /etc/os-release is sourced in subshells; .deb names are plain
set -euo pipefail

GOLANG_IMAGE="golang:1.24"
GOLANG_SUITE="trixie"          # trixie is the Debian release that ships golang-1.24-go
GOLANG_PKG="golang-1.24-go"
GOLANG_DIR="/usr/lib/go-1.24"
SLIM_IMAGE="debian:bookworm-slim"
SLIM_SUITE="bookworm"
STATIC_IMAGE="gcr.io/distroless/static-debian12"
BASE_IMAGE="gcr.io/distroless/base-debian12"
BUSYBOX_IMAGE="busybox:stable"
ALPINE_IMAGE="alpine:3.20"
LABEL="io.dockstage.standin"
STD_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { printf '%s\n' "$*" >&2; }
die() { log "offline-bases: $*"; exit 1; }

[[ ${EUID:-$(id -u)} -eq 0 ]] || die "must run as root (debootstrap and file ownership need it)"
for tool in docker debootstrap dpkg-deb apt-get tar awk; do
    command -v "$tool" >/dev/null 2>&1 || die "missing '$tool' — run scripts/docker-up.sh first"
done
docker info >/dev/null 2>&1 || die "no Docker daemon answers 'docker info' — run scripts/docker-up.sh first"

# ---------------------------------------------------------------------------------------------
# Temporary work area, removed on any exit. debootstrap mounts /proc and /sys inside the
# target; if it is interrupted those mounts stay, so unmount everything below WORK before
# deleting, and never let rm cross into another file system.
WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/dockstage-bases.XXXXXX")"
chmod 0755 "$WORK"
cleanup() {
    local m
    if command -v findmnt >/dev/null 2>&1; then
        findmnt -rn -o TARGET | awk -v w="$WORK/" 'index($0, w) == 1' | sort -r |
            while read -r m; do umount -l "$m" 2>/dev/null || true; done
    fi
    rm -rf --one-file-system "$WORK" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Which images to make.
normalize() {
    case "$1" in
        golang|golang:1.24) echo "$GOLANG_IMAGE" ;;
        debian-slim|debian|debian:bookworm-slim) echo "$SLIM_IMAGE" ;;
        distroless-static|"$STATIC_IMAGE"|"$STATIC_IMAGE":latest) echo "$STATIC_IMAGE" ;;
        distroless-base|"$BASE_IMAGE"|"$BASE_IMAGE":latest) echo "$BASE_IMAGE" ;;
        busybox|busybox:stable) echo "$BUSYBOX_IMAGE" ;;
        alpine|alpine:3.20) echo "$ALPINE_IMAGE" ;;
        *) die "OFFLINE_BASES_ONLY: unknown image '$1'" ;;
    esac
}
ONLY=()
for x in ${OFFLINE_BASES_ONLY:-}; do ONLY+=("$(normalize "$x")"); done
wanted() {
    [[ ${#ONLY[@]} -eq 0 ]] && return 0
    local o
    for o in "${ONLY[@]}"; do [[ $o == "$1" ]] && return 0; done
    return 1
}

# ---------------------------------------------------------------------------------------------
# The Debian mirror apt already uses: detect_mirror, shared with the other scripts.
# shellcheck source=scripts/lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"

# ---------------------------------------------------------------------------------------------
# Helpers.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
human() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1" 2>/dev/null || echo "${1}B"; }
image_size() {
    local s
    s="$(docker image inspect -f '{{.Size}}' "$1" 2>/dev/null)" && [[ -n $s ]] && echo "$s"
}

# standin | real | missing
image_state() {
    local v
    if ! v="$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null)"; then
        echo missing
    elif [[ $v == true ]]; then
        echo standin
    else
        echo real
    fi
}

# import_rootfs DIR IMAGE SOURCE-TEXT [extra docker import -c changes...]
import_rootfs() {
    local dir="$1" image="$2" source="$3"; shift 3
    local changes=(-c "LABEL $LABEL=true $LABEL.source=\"${source//\"/\'}\"")
    local c
    for c in "$@"; do changes+=(-c "$c"); done
    chmod 0755 "$dir"   # the image's / must be traversable by non-root users
    local old
    old="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
    tar --numeric-owner -C "$dir" -cf - . |
        docker import "${changes[@]}" -m "dockstage stand-in: $source" - "$image" >/dev/null
    # A forced rebuild leaves the previous stand-in dangling: drop it when nothing uses it.
    if [[ -n $old && $old != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
        docker rmi "$old" >/dev/null 2>&1 || true
    fi
}

# Shrink a debootstrapped root: package lists, .deb cache, docs (copyright files stay), man
# pages, translations and logs are not needed to build or run anything.
slim_rootfs() {
    local r="$1"
    rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb \
        "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old \
        "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/lintian/* "$r"/usr/share/linda/* \
        "$r"/var/log/*.log "$r"/var/log/apt/* "$r"/debootstrap
    if [[ -d $r/usr/share/doc ]]; then
        find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
        find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    fi
    if [[ -d $r/usr/share/locale ]]; then
        find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    fi
    # debootstrap copies the host's name and resolver; docker supplies both at run time.
    rm -f "$r/etc/hostname"
    : >"$r/etc/resolv.conf"
    # Like the real slim images: keep docs, man pages and translations out of later installs.
    mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
    cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# dockstage stand-in: keep images small, as the official Debian images do.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
    cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
}

run_debootstrap() {   # SUITE TARGET [debootstrap options...]
    local suite="$1" target="$2"; shift 2
    local opts=(--variant=minbase --components=main "$@")
    local cache="${OFFLINE_BASES_CACHE-/var/cache/dockstage/debootstrap}"
    if [[ -n $cache ]]; then
        mkdir -p "$cache"
        opts+=(--cache-dir="$(cd "$cache" && pwd)")
    fi
    log "  debootstrap ${opts[*]} $suite $target $MIRROR"
    if ! debootstrap "${opts[@]}" "$suite" "$target" "$MIRROR" >"$WORK/debootstrap-$suite.log" 2>&1; then
        log "  debootstrap $suite failed; last lines of its log:"
        tail -n 15 "$WORK/debootstrap-$suite.log" >&2 || true
        [[ -f $target/debootstrap/debootstrap.log ]] && tail -n 15 "$target/debootstrap/debootstrap.log" >&2
        return 1
    fi
}

# apt-get download into the current directory, refreshing apt's lists once if they are missing.
APT_UPDATED=0
apt_download() {
    if [[ $APT_UPDATED -eq 0 ]] && ! apt-cache show tzdata >/dev/null 2>&1; then
        log "  apt lists missing: apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
    apt-get download -qq -o APT::Sandbox::User=root "$@" >&2
}

# Pick the first of several package names apt knows (libssl3 became libssl3t64 in trixie).
first_known() {
    local p
    for p in "$@"; do
        if apt-cache show "$p" >/dev/null 2>&1; then echo "$p"; return 0; fi
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# golang:1.24
make_golang() {
    local r="$WORK/golang"
    run_debootstrap "$GOLANG_SUITE" "$r" \
        --include="$GOLANG_PKG,gcc,libc6-dev,make,git,ca-certificates" ||
        die "debootstrap of $GOLANG_SUITE failed (does $MIRROR serve $GOLANG_SUITE?)"
    [[ -x $r$GOLANG_DIR/bin/go ]] || die "$GOLANG_DIR/bin/go missing in the $GOLANG_SUITE root"
    # The official image keeps Go in /usr/local/go; Debian puts it in /usr/lib/go-1.24.
    # Link the whole directory, so /usr/local/go/bin/{go,gofmt} work and GOROOT resolves.
    ln -sfn "$GOLANG_DIR" "$r/usr/local/go"
    # As in the official image: GOPATH=/go with world-writable src and bin (any USER can build).
    mkdir -p "$r/go/src" "$r/go/bin"
    chmod -R 1777 "$r/go"
    local gover
    gover="$(sed -n '1s/^go//p' "$r$GOLANG_DIR/VERSION")"
    slim_rootfs "$r"
    # Environment: the official image's PATH, GOPATH, GOTOOLCHAIN=local and GOLANG_VERSION,
    # plus GOPROXY=off. There is no network here, and builds run offline: with GOPROXY=off a
    # module that is not already present (vendor/ or the module cache) fails at once with
    # "module lookup disabled by GOPROXY=off" instead of waiting on DNS for proxy.golang.org,
    # and GOTOOLCHAIN=local likewise stops `go` from trying to download a newer toolchain.
    # Projects without dependencies (`go mod download` is then a no-op) build exactly as with
    # the real image. GOFLAGS is left unset on purpose: -mod=mod would let go rewrite go.mod.
    import_rootfs "$r" "$GOLANG_IMAGE" \
        "debootstrap --variant=minbase $GOLANG_SUITE from $MIRROR with $GOLANG_PKG gcc libc6-dev make git ca-certificates (go$gover); Go linked at /usr/local/go" \
        "ENV PATH=/go/bin:/usr/local/go/bin:$STD_PATH" \
        "ENV GOLANG_VERSION=$gover" \
        "ENV GOTOOLCHAIN=local" \
        "ENV GOPATH=/go" \
        "ENV GOPROXY=off" \
        "WORKDIR /go" \
        'CMD ["bash"]'
    local v
    v="$(docker run --rm --network none "$GOLANG_IMAGE" go version)" ||
        die "'go version' failed in the new $GOLANG_IMAGE"
    docker run --rm --network none "$GOLANG_IMAGE" sh -c 'command -v gofmt' >/dev/null ||
        die "gofmt is not on PATH in the new $GOLANG_IMAGE"
    NOTE="$v"
}

# ---------------------------------------------------------------------------------------------
# debian:bookworm-slim
make_slim() {
    local r="$WORK/slim" suite="$SLIM_SUITE"
    if ! run_debootstrap "$suite" "$r"; then
        # Fallback: a mirror that no longer serves bookworm. The image keeps its name, because
        # Dockerfiles and the catalog refer to it, but the label and this line say so.
        log "  $MIRROR does not serve $SLIM_SUITE: falling back to $GOLANG_SUITE"
        rm -rf --one-file-system "$r"
        suite="$GOLANG_SUITE"
        run_debootstrap "$suite" "$r" || die "debootstrap of $suite failed too"
        NOTE="FALLBACK: contains $suite, not $SLIM_SUITE; "
    fi
    slim_rootfs "$r"
    NOTE+="Debian $(cat "$r/etc/debian_version")"
    import_rootfs "$r" "$SLIM_IMAGE" \
        "debootstrap --variant=minbase $suite from $MIRROR, docs/man/locales/apt lists removed" \
        "ENV PATH=$STD_PATH" \
        'CMD ["bash"]'
}

# ---------------------------------------------------------------------------------------------
# distroless look-alikes, assembled from unpacked .debs (no maintainer scripts run, so there is
# no shell, no dpkg and no package manager, as in the real images).
DEBS=""
fetch_debs() {   # downloads once into $DEBS: what both distroless variants need
    [[ -n $DEBS ]] && return 0
    DEBS="$WORK/debs"
    mkdir -p "$DEBS"
    local ssl
    ssl="$(first_known libssl3 libssl3t64)" || die "apt knows neither libssl3 nor libssl3t64"
    (cd "$DEBS" && apt_download ca-certificates tzdata netbase libc6 "$ssl")
}
unpack() {   # PACKAGE-NAME DEST
    local deb
    deb="$(ls "$DEBS"/"$1"_*.deb 2>/dev/null | head -n 1)"
    [[ -n $deb ]] || die "no .deb for $1 in $DEBS"
    dpkg-deb -x "$deb" "$2"
}

# CA bundle in ROOT/etc/ssl/certs/ca-certificates.crt: what update-ca-certificates writes —
# every certificate that the ca-certificates package enables, concatenated in name order.
# Prints how many certificates it holds.
ca_bundle() {   # ROOT SCRATCH-DIR
    local r="$1" x="$2" crt n=0
    unpack ca-certificates "$x/ca"
    mkdir -p "$r/etc/ssl/certs"
    while IFS= read -r crt; do
        # shellcheck disable=SC1003  # sed: append a final newline when it is missing
        sed -e '$a\' "$crt" >>"$r/etc/ssl/certs/ca-certificates.crt"
        n=$((n + 1))
    done < <(find "$x/ca/usr/share/ca-certificates" -name '*.crt' -type f | LC_ALL=C sort)
    [[ $n -gt 0 ]] || die "no certificates found in the ca-certificates package"
    echo "$n"
}

make_distroless() {   # static|base IMAGE
    local kind="$1" image="$2" r="$WORK/distroless-$1" x="$WORK/x-$1"
    fetch_debs
    mkdir -p "$r" "$x"

    local n
    n="$(ca_bundle "$r" "$x")"

    # Time zones, /etc/services etc.
    unpack tzdata "$x/tz"
    mkdir -p "$r/usr/share"
    cp -a "$x/tz/usr/share/zoneinfo" "$r/usr/share/zoneinfo"
    unpack netbase "$x/nb"
    cp -a "$x/nb/etc/." "$r/etc/"

    if [[ $kind == base ]]; then
        # glibc and OpenSSL, for dynamically linked (cgo) binaries.
        local ssl
        ssl="$(first_known libssl3 libssl3t64)"
        unpack libc6 "$r"
        unpack "$ssl" "$r"
        rm -rf "$r/usr/share/doc" "$r/usr/share/lintian" "$r/usr/share/man" "$r/usr/share/locale"
        [[ -f $r/etc/ld.so.conf ]] || printf 'include /etc/ld.so.conf.d/*.conf\n' >"$r/etc/ld.so.conf"
        # Build the loader cache with the host's ldconfig (there is none inside).
        ldconfig -r "$r" 2>/dev/null || log "  note: ldconfig -r failed; the loader's default paths still apply"
    fi

    # Users and groups as in distroless: root, nobody and nonroot (65532), no login shells.
    cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
    cat >"$r/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
    printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
    # os-release in distroless style, versioned by the release the .debs came from.
    local vid vname
    vid="$(. /etc/os-release && echo "${VERSION_ID:-}")"
    vname="$(. /etc/os-release && echo "${VERSION:-}")"
    cat >"$r/etc/os-release" <<EOF
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="$vid"
VERSION="Debian GNU/Linux $vname"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
EOF
    install -d -m 0700 "$r/root"
    install -d -m 0700 -o 65532 -g 65532 "$r/home/nonroot"
    install -d -m 1777 "$r/tmp"
    install -d -m 0755 "$r/var" "$r/etc"

    local what="ca-certificates ($n certs), tzdata, netbase"
    [[ $kind == base ]] && what+=", libc6, $(first_known libssl3 libssl3t64)"
    import_rootfs "$r" "$image" \
        "dpkg-deb -x of $what from the host's apt ($(. /etc/os-release && echo "${VERSION_CODENAME:-?}")); passwd/group with nonroot 65532; no shell" \
        "ENV PATH=$STD_PATH" \
        "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
    NOTE="$n CA certs"
    if [[ $kind == base ]]; then
        NOTE+=", libc6 $(dpkg-deb -f "$(ls "$DEBS"/libc6_*.deb | head -n 1)" Version)"
    fi
}

# ---------------------------------------------------------------------------------------------
# /bin/busybox from busybox-static with a relative link in /bin for every applet, as the real
# busybox image has (`busybox --install -s` would point the links at this host's path).
# Prints how many applets it linked.
busybox_applets() {   # ROOT
    local r="$1" bb=/bin/busybox a n=0
    [[ -x $bb ]] || die "$bb missing: apt-get install busybox-static"
    if command -v file >/dev/null 2>&1; then
        file -L "$bb" | grep -q 'statically linked' ||
            die "$bb is dynamically linked (the busybox package, not busybox-static, is installed)"
    fi
    mkdir -p "$r/bin"
    cp "$bb" "$r/bin/busybox"
    chmod 0755 "$r/bin/busybox"
    while IFS= read -r a; do
        [[ -z $a || $a == busybox ]] && continue
        ln -s busybox "$r/bin/$a"
        n=$((n + 1))
    done < <("$bb" --list)
    echo "$n"
}

# busybox:stable
make_busybox() {
    local r="$WORK/busybox"
    mkdir -p "$r/bin" "$r/etc" "$r/home" "$r/usr/sbin" "$r/var/spool/mail" "$r/var/www" "$r/dev"
    install -d -m 0700 "$r/root"
    install -d -m 1777 "$r/tmp"
    local n
    n="$(busybox_applets "$r")"
    cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
    cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
EOF
    local ver
    ver="$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo unknown)"
    import_rootfs "$r" "$BUSYBOX_IMAGE" \
        "busybox-static $ver from the host (/bin/busybox) with $n applet links in /bin" \
        "ENV PATH=$STD_PATH" \
        'CMD ["sh"]'
    docker run --rm --network none "$BUSYBOX_IMAGE" sh -c 'true' ||
        die "'sh -c true' failed in the new $BUSYBOX_IMAGE"
    NOTE="$n applets"
}

# ---------------------------------------------------------------------------------------------
# alpine:3.20 look-alike. Alpine is musl libc plus busybox; Debian ships both (musl, built for
# running musl programs, and busybox-static), so the look-alike teaches what the real image
# does: a glibc-linked (cgo) binary fails with "exec ...: no such file or directory" because
# /lib64/ld-linux-x86-64.so.2 is not there, a static binary runs, the shell is busybox ash.
# There is no apk: installing packages needs the real image and a registry.
ALPINE_VERSION="3.20.3"
make_alpine() {
    local r="$WORK/alpine" x="$WORK/x-alpine"
    mkdir -p "$r" "$x"
    fetch_debs
    (cd "$DEBS" && apt_download musl)
    unpack musl "$x/musl"
    # Alpine's loader and libc are one file, /lib/ld-musl-<arch>.so.1; Debian installs the
    # library under /usr/lib/<triplet>-musl and links the loader to it.
    local arch loader lib
    arch="$(uname -m)"
    loader="ld-musl-$arch.so.1"
    lib="$(find "$x/musl" -name libc.so -path '*musl*' -type f | head -n 1)"
    [[ -n $lib ]] || die "no musl libc.so in the musl package"
    mkdir -p "$r/lib" "$r/usr/lib" "$r/usr/bin" "$r/usr/sbin" "$r/sbin" "$r/etc" "$r/home" \
        "$r/var/empty" "$r/var/log" "$r/media" "$r/mnt" "$r/opt" "$r/srv" "$r/run" "$r/dev"
    cp "$lib" "$r/lib/$loader"
    chmod 0755 "$r/lib/$loader"
    ln -s "$loader" "$r/lib/libc.musl-$arch.so.1"
    install -d -m 0700 "$r/root"
    install -d -m 1777 "$r/tmp"
    local applets certs
    applets="$(busybox_applets "$r")"
    certs="$(ca_bundle "$r" "$x")"
    ln -s certs/ca-certificates.crt "$r/etc/ssl/cert.pem"
    printf '%s\n' "$ALPINE_VERSION" >"$r/etc/alpine-release"
    cat >"$r/etc/os-release" <<EOF
NAME="Alpine Linux"
ID=alpine
VERSION_ID=$ALPINE_VERSION
PRETTY_NAME="Alpine Linux v3.20 (dockstage stand-in: busybox and musl from Debian, no apk)"
HOME_URL="https://alpinelinux.org/"
EOF
    # Alpine's own users and groups (nobody is 65534; there is no nonroot user).
    cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
man:x:13:15:man:/usr/man:/sbin/nologin
postmaster:x:14:12:postmaster:/var/mail:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
at:x:25:25:at:/var/spool/cron/atjobs:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
EOF
    cat >"$r/etc/group" <<'EOF'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin
adm:x:4:root,daemon
tty:x:5:
disk:x:6:root
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
mail:x:12:mail
news:x:13:news
cron:x:16:cron
audio:x:18:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
tape:x:26:root
video:x:27:root
netdev:x:28:
games:x:35:
shadow:x:42:
www-data:x:82:
users:x:100:games
ntp:x:123:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
EOF
    printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
    local ver
    ver="$(dpkg-deb -f "$(ls "$DEBS"/musl_*.deb | head -n 1)" Version)"
    import_rootfs "$r" "$ALPINE_IMAGE" \
        "look-alike: busybox-static with $applets applets, musl $ver from Debian as /lib/$loader, ca-certificates ($certs certs), /etc/alpine-release $ALPINE_VERSION; no apk (the real image needs a registry)" \
        "ENV PATH=$STD_PATH" \
        'CMD ["/bin/sh"]'
    docker run --rm --network none "$ALPINE_IMAGE" sh -c 'test -f /etc/alpine-release' ||
        die "'sh' failed in the new $ALPINE_IMAGE"
    NOTE="musl $ver, $applets applets, $certs CA certs, no apk"
}

# ---------------------------------------------------------------------------------------------
# One line per image: made / skipped, size, seconds.
line() {   # STATUS IMAGE SECONDS NOTE
    local size bytes
    if bytes="$(image_size "$2")"; then size="$(human "$bytes")"; else size="-"; fi
    printf '%-8s %-36s %9s %7s  %s\n' "$1" "$2" "$size" "$3" "$4"
}

build() {   # IMAGE FUNCTION [ARGS...]
    local image="$1"; shift
    wanted "$image" || return 0
    local t0 state
    t0="$(now)"
    state="$(image_state "$image")"
    if [[ $state == real ]]; then
        line skipped "$image" "$(elapsed "$t0")" "a real image is present; it is left alone"
        return 0
    fi
    if [[ $state == standin && ${OFFLINE_BASES_FORCE:-0} != 1 ]]; then
        line skipped "$image" "$(elapsed "$t0")" "stand-in already present (OFFLINE_BASES_FORCE=1 rebuilds)"
        return 0
    fi
    log "making $image ..."
    NOTE=""
    "$@"
    line made "$image" "$(elapsed "$t0")" "$NOTE"
}

MIRROR=""
needs_mirror() {
    local i
    for i in "$GOLANG_IMAGE" "$SLIM_IMAGE"; do
        wanted "$i" || continue
        [[ $(image_state "$i") == missing || ( $(image_state "$i") == standin && ${OFFLINE_BASES_FORCE:-0} == 1 ) ]] && return 0
    done
    return 1
}
if needs_mirror; then
    MIRROR="$(detect_mirror)"
    log "Debian mirror (from apt's sources): $MIRROR"
fi

T_ALL="$(now)"
build "$GOLANG_IMAGE" make_golang
build "$SLIM_IMAGE" make_slim
build "$STATIC_IMAGE" make_distroless static "$STATIC_IMAGE"
build "$BASE_IMAGE" make_distroless base "$BASE_IMAGE"
build "$BUSYBOX_IMAGE" make_busybox
build "$ALPINE_IMAGE" make_alpine
log "offline-bases: done in $(elapsed "$T_ALL")"
