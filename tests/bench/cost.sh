#!/bin/bash
# cost.sh: what one request costs the daemon and the reference responder in
# user space, counted rather than timed: instructions, and L1 instruction and
# data cache misses, from valgrind's callgrind with its cache simulation (32 KiB
# L1s, 512 KiB last level). Counts repeat to a few in ten thousand whatever else
# the machine does, so a change's effect shows where run.sh's throughput ratios
# drift by a tenth; the kernel's part (the same system calls for both) is not
# counted. Each server answers N and then 3N requests of the shipped
# configuration from C connections (one in flight each); the difference, over
# 2N, leaves out start-up.
#
# The same counts with 16 KiB L1s tell how much code and data a request
# touches: the kernel's work between two requests (a read, a write, the epoll
# wait) runs through the same real 32 KiB L1s and evicts part of what the
# server had there, so a server whose requests touch less gets more of it back.
#
# Usage: tests/bench/cost.sh [BUILD_DIR] [--connections C] [--requests N]
#   BUILD_DIR defaults to build-bench (built as run.sh builds it).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$SRC/tests/bench/common.sh"
BUILD=$SRC/build-bench
C=100 N=3000
while [ $# -gt 0 ]; do
  case $1 in
    --connections) C=$2; shift 2 ;;
    --requests) N=$2; shift 2 ;;
    *) BUILD=$1; shift ;;
  esac
done
command -v valgrind > /dev/null || { echo "cost.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ ! -x "$BUILD/daemon/tlspolicyd" ] || [ ! -x "$BUILD/tests/tlspolicyd_loadgen" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=ON > /dev/null || exit 1
  cmake --build "$BUILD" -j"$(nproc)" --target tlspolicyd tlspolicyd_loadgen tlspolicyd_reference > /dev/null || exit 1
fi
TMP=$(mktemp -d /tmp/tlspolicyd-cost.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ulimit -n 65536 2>/dev/null || true

# counts WHAT REQUESTS L1: "Ir I1mr D1mr D1mw" of a server (daemon | reference) that
# answered REQUESTS, with L1 caches of L1 bytes.
counts() {
  local dir=$TMP/$1-$2-$3
  mkdir -p "$dir"
  local server=("$BUILD/tests/tlspolicyd_reference" "unix:$dir/s.sock")
  if [ "$1" = daemon ]; then
    shipped_config "$dir/s.sock" "$dir/c.yaml"
    server=("$BUILD/daemon/tlspolicyd" serve -c "$dir/c.yaml" --log-stderr --run-as-root)
  fi
  valgrind --tool=callgrind --cache-sim=yes --D1="$3,8,64" --I1="$3,8,64" --LL=524288,8,64 \
    --callgrind-out-file="$dir/out" "${server[@]}" > /dev/null 2> "$dir/log" &
  local pid=$!
  if [ "$1" = daemon ]; then
    wait_ready "$dir/log" 600
  else
    wait_socket "$dir/s.sock" 600
  fi
  "$BUILD/tests/tlspolicyd_loadgen" --target "unix:$dir/s.sock" --connections "$C" --requests "$2" > /dev/null ||
    echo "cost.sh: the load generator failed against the $1" >&2
  kill -TERM "$pid"
  wait "$pid" 2> /dev/null
  # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  awk '/^(summary|totals):/ { print $2, $5, $6, $7; exit }' "$dir/out"
}

per_request() {  # WHAT L1: "instructions I1-misses D1-misses" per request
  local a b
  read -ra a < <(counts "$1" "$N" "$2")
  read -ra b < <(counts "$1" $((3 * N)) "$2")
  awk -v n=$((2 * N)) -v a0="${a[0]}" -v a1="${a[1]}" -v a2="${a[2]}" -v a3="${a[3]}" \
    -v b0="${b[0]}" -v b1="${b[1]}" -v b2="${b[2]}" -v b3="${b[3]}" \
    'function pos(x) { return x > 0 ? x : 0 }
     BEGIN { printf "%d %.1f %.1f", (b0 - a0) / n, pos((b1 - a1) / n), pos((b2 + b3 - a2 - a3) / n) }'
}

echo "user-space cost per request, $C connections, 1 in flight each (callgrind, $((2 * N)) requests)"
echo
echo "| server | instructions | L1 instruction misses | L1 data misses | the same with 16 KiB L1s |"
echo "|---|---|---|---|---|"
for what in daemon reference; do
  read -r ir i1 d1 < <(per_request "$what" 32768)
  read -r _ i1s d1s < <(per_request "$what" 16384)
  echo "| $what | $ir | $i1 | $d1 | $i1s / $d1s |"
done
