#!/bin/bash
# soak.sh: hours of traffic in minutes. The daemon (shipped rules, decision
# logging, TLS history on LMDB) takes 100 connections of realistic requests with
# hostile turns mixed in (tlspolicyd_loadgen --hostile: garbage, NUL bytes,
# overlong lines, too many attributes, clients hanging up mid-request or before
# their answer) for SECONDS. Then:
#   - every well-formed request got exactly one answer, every hostile connection
#     was closed without one (the load generator's exit status);
#   - the daemon logged each refusal and no internal error;
#   - resident memory stayed flat after the warm-up (the first third): the
#     highest later sample is within 5% (at least 4 MiB) of the warm-up's;
#   - once the clients are gone, the daemon holds the descriptors it held before.
#
# Usage: tests/soak/soak.sh BUILD_DIR [SECONDS (300)] [HOSTILE_PERCENT (5)]
# ctest runs it for 20 s (soak-short); at about 150 000 requests a second, 300 s
# is some 40 million requests.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: soak.sh BUILD_DIR [SECONDS] [HOSTILE_PERCENT]}
DURATION=${2:-300}
HOSTILE=${3:-5}
BIN=$BUILD/daemon/tlspolicyd
LOADGEN=$BUILD/tests/tlspolicyd_loadgen
TMP=$(mktemp -d /tmp/tlspolicyd-soak.XXXXXX)
DAEMON=
cleanup() { [ -n "$DAEMON" ] && kill -9 "$DAEMON" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
FAILED=0
fail() { echo "soak: FAIL: $*" >&2; FAILED=1; }

sed -e "s|unix:/var/spool/postfix/tlspolicyd/policy.sock|unix:$TMP/policy.sock|" -e '/^user:/d' "$SRC/conf/tlspolicyd.yaml" > "$TMP/c.yaml"
echo "downgrade: { store: \"lmdb:$TMP/history\", mode: observe }" >> "$TMP/c.yaml"

# Decision lines are written (that is part of the soak) but not kept: the rest
# of the log is.
"$BIN" serve -c "$TMP/c.yaml" --log-stderr --run-as-root 2> >(grep --line-buffered -v ' rule=' > "$TMP/daemon.log") &
DAEMON=$!
disown "$DAEMON"  # killed at the end: no news
for _ in $(seq 200); do grep -q "ready:" "$TMP/daemon.log" 2>/dev/null && break; sleep 0.1; done
grep -q "ready:" "$TMP/daemon.log" || { fail "the daemon did not start: $(cat "$TMP/daemon.log")"; exit 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$DAEMON/status"; }
fds() { ls "/proc/$DAEMON/fd" | wc -l; }
FDS_BEFORE=$(fds)

"$LOADGEN" --target "unix:$TMP/policy.sock" --connections 100 --duration "$DURATION" --hostile "$HOSTILE" \
  > "$TMP/load.txt" 2>&1 &
LOAD=$!
SAMPLES=()
while kill -0 "$LOAD" 2>/dev/null; do
  SAMPLES+=("$(rss_kb)")
  sleep 1
done
wait "$LOAD" || fail "load generator: $(cat "$TMP/load.txt")"
RESULT=$(cat "$TMP/load.txt")

# Memory: warm-up is the first third of the samples.
N=${#SAMPLES[@]}
WARM_AT=$((N / 3))
[ "$N" -ge 3 ] || fail "only $N memory samples"
WARM=${SAMPLES[$WARM_AT]:-0}
PEAK=$(printf '%s\n' "${SAMPLES[@]:$WARM_AT}" | sort -n | tail -1)
ALLOWED=$(awk -v w="$WARM" 'BEGIN { a = w * 0.05; if (a < 4096) a = 4096; printf "%d", w + a }')
[ "$PEAK" -le "$ALLOWED" ] || fail "resident memory grew from $WARM KiB (after warm-up) to $PEAK KiB"

# Descriptors: back to where they were once every client has gone.
for _ in $(seq 200); do [ "$(fds)" -le "$FDS_BEFORE" ] && break; sleep 0.1; done
FDS_AFTER=$(fds)
[ "$FDS_AFTER" -le "$FDS_BEFORE" ] || fail "the daemon holds $FDS_AFTER descriptors, $FDS_BEFORE before the load"

# The log: each refusal said, no internal error.
HOSTILE_CLOSED=$(echo "$RESULT" | tr ' ' '\n' | sed -n 's/^hostile=//p')
LOGGED=$(grep -c "closing without an answer" "$TMP/daemon.log")
[ "${HOSTILE_CLOSED:-0}" -gt 0 ] || fail "no hostile connection was refused: $RESULT"
[ "$LOGGED" -ge "${HOSTILE_CLOSED:-0}" ] || fail "$HOSTILE_CLOSED refusals but $LOGGED logged"
if grep -q "internal error" "$TMP/daemon.log"; then fail "$(grep -m3 "internal error" "$TMP/daemon.log")"; fi
kill -0 "$DAEMON" 2>/dev/null || fail "the daemon is gone"

echo "soak: $RESULT"
echo "soak: memory $WARM KiB after warm-up, at most $PEAK KiB later ($N samples); descriptors $FDS_BEFORE before, $FDS_AFTER after; $LOGGED refusals logged"
[ $FAILED = 0 ] && echo "soak: ok"
exit $FAILED
