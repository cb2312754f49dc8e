#!/bin/bash
# maillog.sh: how fast `tlspolicyd simulate` reads a mail log, side by side with
# pflogsumm (the summariser postmasters already run) and grep on the same
# generated log in one run, as ratios, and `history learn` into a new LMDB
# store; then a log ten times longer, to show that memory stays flat as the log
# grows.
#
# Usage: tests/bench/maillog.sh [BUILD_DIR] [--smoke]
#   BUILD_DIR defaults to build-bench (configured and built here, RelWithDebInfo).
#   --smoke: a 2 000-session log, once, checking only that simulate read it all
#   (the test suite runs this; it asserts no timing).
# The log: tests/bench/maillog-gen.py, 100 000 SMTP sessions (about a million
# lines, 120 MB; Postfix 3.7's lines as recorded), then 1 000 000 sessions.
# Each tool runs ROUNDS times on a warm page cache; the medians are printed.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build-bench}
[[ $BUILD == --smoke ]] && BUILD=$SRC/build-bench
SMOKE=0
for a in "$@"; do [ "$a" = --smoke ] && SMOKE=1; done
if [ ! -x "$BUILD/daemon/tlspolicyd" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
  cmake --build "$BUILD" -j"$(nproc)" --target tlspolicyd >/dev/null || exit 1
fi
BIN=$BUILD/daemon/tlspolicyd
TMP=$(mktemp -d /tmp/tlspolicyd-maillog-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
grep -v '^user:' "$SRC/conf/tlspolicyd.yaml" > "$TMP/c.yaml"  # history learn would become that user
sed -i "s|unix:/var/spool/postfix/tlspolicyd/policy.sock|unix:$TMP/p.sock|" "$TMP/c.yaml"
cat >> "$TMP/c.yaml" <<'EOF'
  - name: partner-senders
    match: { sender_domain: [sender7.example, sender8.example] }
    require: { min_protocol: TLSv1.2, forward_secrecy: true }
    action: "reject 5.7.1 TLS 1.2 please (${reason})"
  - name: tls13-census
    require: { min_protocol: TLSv1.3 }
    mode: observe
EOF
"$BIN" check -c "$TMP/c.yaml" >/dev/null || { echo "maillog bench: the configuration does not load" >&2; exit 1; }
# A script, not a function: /usr/bin/time runs it (rss).
printf '#!/bin/sh\nexec %s simulate -c %s/c.yaml --postconf none "$@"\n' "$BIN" "$TMP" > "$TMP/simulate"
chmod +x "$TMP/simulate"
simulate() { "$TMP/simulate" "$@"; }

if [ $SMOKE = 1 ]; then
  python3 "$SRC/tests/bench/maillog-gen.py" 2000 "$TMP/log"
  out=$(simulate "$TMP/log") || { echo "maillog bench: simulate failed" >&2; exit 1; }
  grep -q "^tlspolicyd simulate: .* 2000 sessions" <<<"$out" || { echo "maillog bench: $out" >&2; exit 1; }
  echo "maillog bench: smoke ok"
  exit 0
fi
ROUNDS=${ROUNDS:-5}

# median SECONDS (to the millisecond) of a command run ROUNDS times.
timed() {
  local times=() start end
  for _ in $(seq "$ROUNDS"); do
    start=$(date +%s%N)
    "$@" > "$TMP/out" 2>&1  # not /dev/null: GNU grep stops at the first match there
    end=$(date +%s%N)
    times+=("$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"
}

python3 "$SRC/tests/bench/maillog-gen.py" 100000 "$TMP/log"
lines=$(wc -l < "$TMP/log")
mb=$(( $(stat -c %s "$TMP/log") / 1048576 ))
cat "$TMP/log" > /dev/null  # warm the page cache
g=$(timed grep -c 'TLS connection established' "$TMP/log")
s=$(timed "$TMP/simulate" "$TMP/log")
if command -v pflogsumm >/dev/null; then
  p=$(timed pflogsumm "$TMP/log")
else
  p=""
  echo "maillog bench: pflogsumm is not installed (apt install pflogsumm): no comparison" >&2
fi
echo "log: 100000 sessions, $lines lines, $mb MiB"
echo "grep -c:    ${g} s"
echo "simulate:   ${s} s  ($(awk -v l="$lines" -v s="$s" 'BEGIN { printf "%.0f", l / s }') lines/s)"
[ -n "$p" ] && echo "pflogsumm:  ${p} s  (simulate is $(awk -v p="$p" -v s="$s" 'BEGIN { printf "%.1f", p / s }')x faster)"
echo "grep/simulate: $(awk -v g="$g" -v s="$s" 'BEGIN { printf "%.2f", g / s }') of grep's speed"

# history learn into a new LMDB store each round, then again into the learned one (all known).
{ cat "$TMP/c.yaml"; echo "downgrade: { store: \"lmdb:$TMP/h\", retention: 3650d }"; } > "$TMP/l.yaml"
printf '#!/bin/sh\nrm -rf %s/h\nexec %s history learn -c %s/l.yaml --postconf none "$@"\n' "$TMP" "$BIN" "$TMP" \
  > "$TMP/learn-fresh"
chmod +x "$TMP/learn-fresh"
l=$(timed "$TMP/learn-fresh" "$TMP/log")
"$TMP/learn-fresh" "$TMP/log" > "$TMP/learned"
known=$(timed "$BIN" history learn -c "$TMP/l.yaml" --postconf none "$TMP/log")
echo "history learn: ${l} s into a new LMDB store ($(sed -n 's/^learned \(.*\) into.*/\1/p' "$TMP/learned")), ${known} s again (all known)"

# Memory as the log grows: 100 000 sessions, then 1 000 000.
rss() { /usr/bin/time -f %M -o "$TMP/rss" "$@" > /dev/null 2>&1; tail -1 "$TMP/rss"; }
small=$(rss "$TMP/simulate" "$TMP/log")
python3 "$SRC/tests/bench/maillog-gen.py" 1000000 "$TMP/log"
start=$(date +%s.%N)
big=$(rss "$TMP/simulate" "$TMP/log")
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "resident memory: ${small} KiB for 100 000 sessions, ${big} KiB for 1 000 000 ($took s)"
