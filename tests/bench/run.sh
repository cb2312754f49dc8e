#!/bin/bash
# run.sh: the performance figures of docs/performance.md, measured as ratios
# against the reference responder in the same run, because absolute figures drift
# on shared machines. Every throughput figure alternates the two servers for
# ROUNDS rounds and takes the median of the rounds' ratios: many short rounds,
# because this machine's speed drifts within seconds.
#
# Usage: tests/bench/run.sh [BUILD_DIR] [--smoke]
#   BUILD_DIR defaults to build-bench (configured and built here, RelWithDebInfo).
#   --smoke runs every scenario for a moment and only checks that nothing failed
#   (the test suite does this; it asserts no timing).
#
# Scenarios (issue 7): 100 connections with 1 request in flight, driven as
# Postfix does (a blocking client per connection, --smtpd) and by one epoll
# client multiplexing them all (the cheapest client: the server's cost shows
# most), and with 16 pipelined; lists of 10 and of 1 000 000 entries (throughput, memory per entry);
# 10 000 idle connections (memory each); a reload with million-entry lists under
# load (the longest wait); the TLS history on LMDB, and on Redis, against no history.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$SRC/tests/bench/common.sh"
BUILD=${1:-$SRC/build-bench}
[[ $BUILD == --smoke ]] && BUILD=$SRC/build-bench
SMOKE=0
for a in "$@"; do [ "$a" = --smoke ] && SMOKE=1; done
SECONDS_PER_RUN=1
ROUNDS=21
[ $SMOKE = 1 ] && SECONDS_PER_RUN=0.5 && ROUNDS=1

if [ ! -x "$BUILD/daemon/tlspolicyd" ] || [ ! -x "$BUILD/tests/tlspolicyd_loadgen" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=ON >/dev/null || exit 1
  cmake --build "$BUILD" -j"$(nproc)" --target tlspolicyd tlspolicyd_loadgen tlspolicyd_reference >/dev/null || exit 1
fi
BIN=$BUILD/daemon/tlspolicyd
LOADGEN=$BUILD/tests/tlspolicyd_loadgen
REFERENCE=$BUILD/tests/tlspolicyd_reference
TMP=$(mktemp -d /tmp/tlspolicyd-bench.XXXXXX)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
FAILED=0
fail() { echo "bench: FAIL: $*" >&2; FAILED=1; }

# config NAME [EXTRA YAML]: the shipped rules, listening in TMP, logging violations.
config() {
  shipped_config "$TMP/$1.sock" "$TMP/$1.yaml"
  [ $# -ge 2 ] && printf '%s\n' "$2" >> "$TMP/$1.yaml"
  echo "$TMP/$1.yaml"
}

start_daemon() {  # VAR NAME CONFIG: starts it; VAR gets its pid
  "$BIN" serve -c "$3" --log-stderr --run-as-root > /dev/null 2> "$TMP/$2.log" &
  printf -v "$1" '%s' $!
  PIDS+=($!)
  disown $!  # its end (killed by this script) is no news
  wait_ready "$TMP/$2.log" || fail "$2 did not start: $(tail -3 "$TMP/$2.log")"
}

start_reference() {  # VAR
  "$REFERENCE" "unix:$TMP/reference.sock" > /dev/null &
  printf -v "$1" '%s' $!
  PIDS+=($!)
  disown $!
  wait_socket "$TMP/reference.sock" || fail "the reference did not start"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load SOCKET PID ARGS...: runs the load generator; prints its line plus cpu_us_per_request.
load() {
  local sock=$1 pid=$2
  shift 2
  local before after line
  before=$(cpu_ticks "$pid")
  line=$("$LOADGEN" --target "unix:$sock" --duration "$SECONDS_PER_RUN" "$@") || fail "load generator: $line"
  after=$(cpu_ticks "$pid")
  local requests=${line#*requests=}
  requests=${requests%% *}
  local hz
  hz=$(getconf CLK_TCK)
  echo "$line cpu_us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.2f", n ? t / hz * 1e6 / n : 0 }')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

# compare LABEL SOCK_A PID_A SOCK_B PID_B ARGS...: alternating rounds of A (the
# daemon) and B (the baseline). The ratio is the median of each round's ratio
# (A and B measured seconds apart, so a drift of the machine cancels out), with
# the lowest and highest round's; the rest are medians of the rounds.
compare() {
  local label=$1 sa=$2 pa=$3 sb=$4 pb=$5
  shift 5
  local ra=() rb=() la=() lb=() ca=() cb=() rr=()
  for _ in $(seq "$ROUNDS"); do
    local a b
    a=$(load "$sa" "$pa" "$@")
    b=$(load "$sb" "$pb" "$@")
    [ "$(field "$a" errors)" = 0 ] || fail "$label: errors: $a"
    ra+=("$(field "$a" rps)") rb+=("$(field "$b" rps)")
    rr+=("$(ratio "$(field "$a" rps)" "$(field "$b" rps)")")
    la+=("$(field "$a" p99_us)") lb+=("$(field "$b" p99_us)")
    ca+=("$(field "$a" cpu_us)") cb+=("$(field "$b" cpu_us)")
  done
  local mra mrb mla mlb mca mcb mrr lo hi
  mra=$(printf '%s\n' "${ra[@]}" | median) mrb=$(printf '%s\n' "${rb[@]}" | median)
  mla=$(printf '%s\n' "${la[@]}" | median) mlb=$(printf '%s\n' "${lb[@]}" | median)
  mca=$(printf '%s\n' "${ca[@]}" | median) mcb=$(printf '%s\n' "${cb[@]}" | median)
  mrr=$(printf '%s\n' "${rr[@]}" | median)
  lo=$(printf '%s\n' "${rr[@]}" | sort -n | head -1) hi=$(printf '%s\n' "${rr[@]}" | sort -n | tail -1)
  printf '| %s | %s | %s | %s (%s–%s) | %s µs / %s µs | %s | %s / %s µs |\n' "$label" "$mra" "$mrb" "$mrr" "$lo" "$hi" \
    "$mla" "$mlb" "$(ratio "$mla" "$mlb")" "$mca" "$mcb"
}

echo "tlspolicyd benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), $SECONDS_PER_RUN s x $ROUNDS rounds"
echo
echo "| scenario | tlspolicyd req/s | baseline req/s | ratio (lowest–highest round) | p99 (tlspolicyd / baseline) | p99 ratio | CPU per request |"
echo "|---|---|---|---|---|---|---|"

# 1 and 2: the shipped rules (with decision logging) against the reference.
SHIPPED=$(config shipped)
start_daemon D shipped "$SHIPPED"
start_reference R
compare "100 smtpd-like clients, 1 in flight each (vs reference)" "$TMP/shipped.sock" "$D" "$TMP/reference.sock" "$R" --connections 100 --smtpd
compare "100 connections, 1 in flight, one epoll client (vs reference)" "$TMP/shipped.sock" "$D" "$TMP/reference.sock" "$R" --connections 100 --pipeline 1
compare "100 connections, 16 pipelined (vs reference)" "$TMP/shipped.sock" "$D" "$TMP/reference.sock" "$R" --connections 100 --pipeline 16

# 6: the TLS history on LMDB against the same rules without it.
HISTORY=$(config history "downgrade: { store: \"lmdb:$TMP/history\", mode: observe }")
start_daemon H history "$HISTORY"
compare "TLS history on LMDB (vs without)" "$TMP/history.sock" "$H" "$TMP/shipped.sock" "$D" --connections 100 --pipeline 1
kill "$H"

# 7: the TLS history on a local redis-server (its unix socket, as the README
# advises) against the same rules without it.
if command -v redis-server > /dev/null; then
  redis-server --port 0 --unixsocket "$TMP/redis-server.sock" --unixsocketperm 700 --save '' --appendonly no \
    > "$TMP/redis.log" 2>&1 &
  PIDS+=($!)
  disown $!
  wait_socket "$TMP/redis-server.sock" || fail "redis-server did not start: $(tail -3 "$TMP/redis.log")"
  REDIS=$(config redis "downgrade: { store: \"redis+unix://$TMP/redis-server.sock?db=0\", mode: observe }")
  start_daemon RH redis "$REDIS"
  compare "TLS history on Redis (vs without)" "$TMP/redis.sock" "$RH" "$TMP/shipped.sock" "$D" --connections 100 --pipeline 1
  kill "$RH"
else
  fail "redis-server is not installed (./scripts/test.sh installs it)"
fi
kill "$R"

# 3: lists of 10 and of 1 000 000 entries.
N=1000000
[ $SMOKE = 1 ] && N=10000
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) printf "%shost%d.example\n", (i % 2 ? "." : ""), i }' > "$TMP/big.txt"
head -10 "$TMP/big.txt" > "$TMP/small.txt"
LIST_RULE='  - name: listed
    match: { sender_domain: file:LIST }
    require: { min_protocol: TLSv1.2 }
    mode: observe'
SMALL=$(config small)
printf '%s\n' "${LIST_RULE/LIST/small.txt}" >> "$SMALL"
BIG=$(config big)
printf '%s\n' "${LIST_RULE/LIST/big.txt}" >> "$BIG"
start_daemon S small "$SMALL"
start_daemon B big "$BIG"
compare "list of $N entries (vs 10 entries)" "$TMP/big.sock" "$B" "$TMP/small.sock" "$S" --connections 100 --pipeline 1
LIST_BYTES=$(awk -v b="$(rss_kb "$B")" -v s="$(rss_kb "$S")" -v n=$N 'BEGIN { printf "%.0f", (b - s) * 1024 / n }')
kill "$S"

# 5: reload the million-entry lists under load: the longest wait of any request.
RELOAD_LOG=$TMP/reload.txt
RELOAD_SECONDS=10
[ $SMOKE = 1 ] && RELOAD_SECONDS=1
"$LOADGEN" --target "unix:$TMP/big.sock" --connections 100 --duration $RELOAD_SECONDS > "$RELOAD_LOG" &
LG=$!
for _ in 1 2 3; do
  sleep "$(awk -v s="$RELOAD_SECONDS" 'BEGIN { print s / 4 }')"
  kill -HUP "$B"
done
wait "$LG" || fail "reload under load: $(cat "$RELOAD_LOG")"
for _ in $(seq 300); do [ "$(grep -c 'configuration generation .* loaded' "$TMP/big.log")" -ge 3 ] && break; sleep 0.1; done
[ "$(grep -c 'configuration generation .* loaded' "$TMP/big.log")" -ge 3 ] || fail "the reloads did not all finish"
RELOAD_MAX=$(field "$(cat "$RELOAD_LOG")" max_us)
RELOAD_P999=$(field "$(cat "$RELOAD_LOG")" p999_us)
kill "$B"

# 4: 10 000 idle connections.
# (All from one user here: its share, half the limit by default, is the whole limit.)
IDLE=$(config idle)
sed -i 's/^limits: { /limits: { connections_per_peer: 10000, /' "$IDLE"
grep -q 'connections_per_peer: 10000' "$IDLE" || fail "the idle scenario's configuration has no limits: line to widen"
start_daemon I idle "$IDLE"
BEFORE=$(rss_kb "$I")
CONNS=10000
[ $SMOKE = 1 ] && CONNS=500
mkfifo "$TMP/hold"
"$LOADGEN" --target "unix:$TMP/idle.sock" --connections $CONNS --idle < "$TMP/hold" > "$TMP/idle.txt" &
LG=$!
exec 3> "$TMP/hold"
for _ in $(seq 600); do grep -q "^idle" "$TMP/idle.txt" && break; sleep 0.1; done
grep -q "errors=0" "$TMP/idle.txt" || fail "idle connections: $(cat "$TMP/idle.txt")"
AFTER=$(rss_kb "$I")
exec 3>&-
wait "$LG"
IDLE_BYTES=$(awk -v a="$AFTER" -v b="$BEFORE" -v n=$CONNS 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
kill "$I"

echo
echo "| figure | value | target |"
echo "|---|---|---|"
echo "| memory per list entry ($N-entry list) | $LIST_BYTES bytes | under 100 |"
echo "| memory per idle connection ($CONNS connections) | $IDLE_BYTES bytes | under 4096 |"
echo "| longest wait during 3 reloads of a $N-entry list under load | $((RELOAD_MAX / 1000)) ms (p99.9 $((RELOAD_P999 / 1000)) ms) | under 50 ms |"
[ $FAILED = 0 ] && [ $SMOKE = 1 ] && echo "bench: smoke run ok"
exit $FAILED
