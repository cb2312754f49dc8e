#!/bin/bash
# manpages.sh: tlspolicyd(8) and tlspolicyd.yaml(5), generated from README.md so
# the manual and the README cannot disagree. Sections are taken whole, by their
# "## " heading; "### " subsections become man subsections. Needs lowdown.
#
# Usage: docs/manpages.sh README.md OUTDIR VERSION
set -euo pipefail
README=$1 OUT=$2 VERSION=$3
mkdir -p "$OUT"
# Reproducible: the date of SOURCE_DATE_EPOCH (packages set it), else today.
DATE=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)

# The README section titled $1 (heading line excluded), subsections one level up.
section() {
  awk -v want="$1" '
    /^```/ { fence = !fence }
    !fence && /^## / { inside = ($0 == "## " want); next }
    inside { if (!fence && /^### /) sub(/^### /, "## "); print }
  ' "$README"
}

page() {  # NAME SECTION SUMMARY SECTIONS...
  local name=$1 num=$2 summary=$3
  shift 3
  {
    printf 'title: %s\nsection: %s\ndate: %s\nsource: tlspolicyd %s\n\n' "$name" "$num" "$DATE" "$VERSION"
    printf '# NAME\n\n%s - %s\n\n' "$name" "$summary"
    for s in "$@"; do
      printf '# %s\n\n' "$(echo "$s" | tr '[:lower:]' '[:upper:]')"
      section "$s"
      printf '\n'
    done
    printf '# SEE ALSO\n\npostfix(1), postconf(5), access(5), systemd.service(5)\n'
  } > "$OUT/$name.$num.md"
  [ -n "$(section "$1")" ] || { echo "manpages.sh: README.md has no section \"$1\"" >&2; exit 1; }
  lowdown -s -Tman "$OUT/$name.$num.md" > "$OUT/$name.$num"
}

page tlspolicyd 8 "Postfix policy server that decides whether the TLS a client negotiated is good enough" \
  "Command line" "Running as a service" "Metrics" "Protocol behaviour" "Logging" "Deploying with Postfix"
page tlspolicyd.yaml 5 "configuration of the tlspolicyd Postfix TLS policy server" \
  "Configuration"
