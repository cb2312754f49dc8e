#!/bin/bash
# manpages.sh: tlspolicyd(8) and tlspolicyd.yaml(5) from their markdown sources,
# docs/tlspolicyd.8.md and docs/tlspolicyd.yaml.5.md (the configuration
# reference lives there, not in README.md). Each source is the page's body,
# from "# NAME" on; this script gives lowdown the title line (name, section,
# version, date) and converts it. Needs lowdown.
#
# Reproducible: the date is that of SOURCE_DATE_EPOCH (dpkg-buildpackage and
# rpmbuild set it from the changelog), else today's.
#
# Usage: docs/manpages.sh OUTDIR VERSION
set -euo pipefail
OUT=${1:?usage: manpages.sh OUTDIR VERSION} VERSION=${2:?usage: manpages.sh OUTDIR VERSION}
DOCS=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
DATE=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)

for src in "$DOCS/tlspolicyd.8.md" "$DOCS/tlspolicyd.yaml.5.md"; do
  page=$(basename "$src" .md)         # tlspolicyd.8
  name=${page%.*} num=${page##*.}     # tlspolicyd, 8
  case $num in 5) volume="File Formats Manual" ;; *) volume="System Manager's Manual" ;; esac
  head -n 1 "$src" | grep -qx '# NAME' || { echo "manpages.sh: $src does not start with # NAME" >&2; exit 1; }
  # No smart typography: "--listen" must stay two hyphens, quotes straight;
  # no emphasis inside words: check_policy_service keeps its underscores.
  # Then two touches to lowdown's troff: paths and option names are neither
  # hyphenated nor stretched (HY 0 also holds after .EE, which restores it),
  # and a definition list ("TERM" then ": text") becomes the usual .TP instead
  # of lowdown 1.0's .LP/.sp -1v/.IP, which leaves stray blank lines in nroff
  # (a lowdown that writes them otherwise is left as it is).
  lowdown -s -Tman --out-no-smarty --parse-no-metadata --parse-no-intraemph \
      -M "title=$name" -M "section=$num" -M "date=$DATE" -M "source=tlspolicyd $VERSION" -M "volume=$volume" \
      "$src" |
    sed '/^\.TH /a .nr HY 0\n.nh\n.ad l' |
    sed -z 's/\n\.[LP]P\n\([^\n]*\)\n\.if n \\\n\.sp -1v\n\.if t \\\n\.sp -0\.25v\n\.IP "" 5n\n/\n.TP 5n\n\1\n/g' \
    > "$OUT/$page.tmp"
  mv "$OUT/$page.tmp" "$OUT/$page"
done
