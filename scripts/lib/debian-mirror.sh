# debian-mirror.sh — sourced, not run: detect_mirror prints the Debian mirror apt already
# uses (deb822 *.sources or one-line *.list), not a hard-coded host: workshop machines often
# point apt at a local mirror or proxy. Security and backports entries are skipped; the first
# entry whose suite is a Debian release wins. OFFLINE_BASES_MIRROR=URL overrides it.
# The caller defines die().
# shellcheck shell=bash
detect_mirror() {
    if [[ -n ${OFFLINE_BASES_MIRROR:-} ]]; then echo "${OFFLINE_BASES_MIRROR%/}"; return; fi
    local suite_re='^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates)?$'
    local files=() f uri=""
    shopt -s nullglob
    for f in /etc/apt/sources.list.d/*.sources; do files+=("$f"); done
    if [[ ${#files[@]} -gt 0 ]]; then
        uri="$(awk -v re="$suite_re" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^[ \t]*#/) continue
                    k = line; sub(/:.*/, "", k); v = line; sub(/^[^:]*:[ \t]*/, "", v)
                    k = tolower(k)
                    if (k == "types") types = v
                    else if (k == "uris") uris = v
                    else if (k == "suites") suites = v
                    else if (k == "enabled") enabled = tolower(v)
                }
                if (enabled == "no" || types !~ /(^|[ \t])deb([ \t]|$)/) next
                n = split(suites, s, /[ \t]+/); ok = 0
                for (j = 1; j <= n; j++) if (s[j] ~ re) ok = 1
                if (!ok) next
                split(uris, u, /[ \t]+/); print u[1]; exit
            }' "${files[@]}")"
    fi
    if [[ -z $uri ]]; then
        files=()
        [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
        for f in /etc/apt/sources.list.d/*.list; do files+=("$f"); done
        if [[ ${#files[@]} -gt 0 ]]; then
            uri="$(awk -v re="$suite_re" '
                $1 == "deb" {
                    i = 2
                    if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) ~ re) { print $i; exit }
                }' "${files[@]}")"
        fi
    fi
    shopt -u nullglob
    [[ -n $uri ]] || die "could not find a Debian mirror in /etc/apt/sources.list*; set OFFLINE_BASES_MIRROR=URL"
    echo "${uri%/}"
}
