#!/bin/bash
# ab.sh: one throughput ratio, measured as finely as this kind of machine allows.
# Serves the shipped configuration from the daemon of BUILD_A and, alternately,
# from the daemon of BUILD_B, or from the reference responder with `reference`;
# ROUNDS rounds of SECONDS each (100 connections, one request in flight each, the
# epoll client unless --smtpd). Prints every round's ratio A/B, their median and
# the ratio of the sums. For a change's effect on throughput: two builds, one
# before and one after (`git worktree add` an older commit and build it there).
#
# Usage: tests/bench/ab.sh [--rounds N] [--seconds S] [--smtpd] BUILD_A BUILD_B|reference
#   e.g. tests/bench/ab.sh build-bench reference
#        tests/bench/ab.sh build-bench /tmp/old/build-bench
set -uo pipefail
ROUNDS=30 SECONDS_EACH=1 CLIENT=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --smtpd) CLIENT=(--smtpd); shift ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$SRC/tests/bench/common.sh"
A=$(cd "$1" && pwd) || exit 2
B=$2
[ "$B" = reference ] || B=$(cd "$B" && pwd) || exit 2
LOADGEN=$A/tests/tlspolicyd_loadgen
if [ ! -x "$A/daemon/tlspolicyd" ] || [ ! -x "$LOADGEN" ]; then
  echo "ab.sh: build $A first (see run.sh)" >&2
  exit 2
fi
TMP=$(mktemp -d /tmp/tlspolicyd-ab.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

start() {  # NAME BUILD|reference: a server on $TMP/NAME.sock
  if [ "$2" = reference ]; then
    "$A/tests/tlspolicyd_reference" "unix:$TMP/$1.sock" > /dev/null &
    PIDS+=($!)
    wait_socket "$TMP/$1.sock" && return
  else
    shipped_config "$TMP/$1.sock" "$TMP/$1.yaml"
    "$2/daemon/tlspolicyd" serve -c "$TMP/$1.yaml" --log-stderr --run-as-root > /dev/null 2> "$TMP/$1.log" &
    PIDS+=($!)
    wait_ready "$TMP/$1.log" && return
  fi
  echo "ab.sh: $1 did not start" >&2
  exit 1
}

rps() {  # NAME: one round's requests per second
  field "$("$LOADGEN" --target "unix:$TMP/$1.sock" --connections 100 --duration "$SECONDS_EACH" "${CLIENT[@]}")" rps
}

start a "$A"
start b "$B"
ratios=() sum_a=0 sum_b=0
for _ in $(seq "$ROUNDS"); do
  a=$(rps a) b=$(rps b)
  if [ -z "$a" ] || [ -z "$b" ] || [ "$b" -le 0 ]; then
    echo "ab.sh: a round failed" >&2
    exit 1
  fi
  ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
  sum_a=$((sum_a + a)) sum_b=$((sum_b + b))
done
echo "rounds (A/B): ${ratios[*]}"
printf '%s\n' "${ratios[@]}" | sort -n |
  awk -v sa="$sum_a" -v sb="$sum_b" '{ r[NR] = $1 } END { printf "median %s, ratio of sums %.3f\n", r[int((NR + 1) / 2)], sa / sb }'
