#!/bin/bash
# sandbox.sh: runs a command as root in a throwaway copy of this machine, so a
# test can do what a postmaster does on a real server (install the .deb with apt,
# reconfigure Postfix with dpkg-reconfigure, start Postfix on port 25, purge the
# package) without changing anything on the machine itself.
#
# Usage: tests/sandbox/sandbox.sh [--bind DIR]... OUTDIR COMMAND [ARG...]
#
# The copy: an overlay file system whose lower layer is this machine's root and
# whose upper layer is a tmpfs, so every write inside is lost when COMMAND ends;
# private mount, PID, network, UTS and IPC namespaces (every process started
# inside dies with COMMAND; the network is a loopback of its own, so ports 25,
# 587 ... are free and nothing leaves the machine); fresh /dev, /tmp and /run
# (no /run/systemd/system: maintainer scripts do not try to talk to systemd), and
# /usr/sbin/policy-rc.d refusing every service start, as in a container image, so
# that installing or reconfiguring a package starts nothing by itself.
# OUTDIR (created if missing) is this machine's directory mounted at /sandbox-out
# inside, for what the test wants to keep (logs, transcripts). The source tree
# this script belongs to, and each --bind DIR (a build directory elsewhere, say),
# is mounted read-only at its own path, wherever it lives (a clone in /tmp, which
# the sandbox replaces, or on another file system, which the overlay of / does
# not show).
#
# Needs root and overlayfs. Limits: systemd is not PID 1 inside (units are not
# started; the daemon and Postfix are started as their units would), and the
# kernel is this machine's.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
  shift
  OUT=$1
  BINDS=$2
  shift 2
  LAYER=/run/tlspolicyd-sandbox
  mkdir -p "$LAYER"
  mount -t tmpfs -o mode=0755,size=8g tlspolicyd-sandbox "$LAYER"
  mkdir -p "$LAYER/upper" "$LAYER/work" "$LAYER/root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$LAYER/upper,workdir=$LAYER/work" "$LAYER/root"
  R=$LAYER/root
  mount -t proc proc "$R/proc"
  mount -t sysfs sysfs "$R/sys" 2>/dev/null || true
  mount -t tmpfs -o mode=0755,size=64m dev "$R/dev"
  for node in null zero full random urandom tty; do
    touch "$R/dev/$node"
    mount --bind "/dev/$node" "$R/dev/$node"
  done
  mkdir -p "$R/dev/pts" "$R/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
  ln -s pts/ptmx "$R/dev/ptmx"
  ln -s /proc/self/fd "$R/dev/fd"
  mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
  mount -t tmpfs -o mode=1777 tmp "$R/tmp"
  mount -t tmpfs -o mode=0755 run "$R/run"
  mkdir -p "$R/run/lock" "$R/sandbox-out"
  mount --bind "$OUT" "$R/sandbox-out"
  IFS=: read -r -a dirs <<< "$BINDS"
  for d in "${dirs[@]}"; do
    [ -n "$d" ] || continue
    mkdir -p "$R$d"
    mount --bind "$d" "$R$d"
    mount -o remount,bind,ro "$R$d"
  done
  printf '#!/bin/sh\n# sandbox: no service starts by itself\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
  chmod 755 "$R/usr/sbin/policy-rc.d"
  ip link set lo up
  hostname mx.sandbox.example
  exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
fi

BINDS=$(cd "$(dirname "$0")/../.." && pwd)
while [ "${1:-}" = --bind ]; do
  BINDS="$BINDS:$(readlink -f "${2:?--bind needs a directory}")"
  shift 2
done
OUT=${1:?usage: sandbox.sh [--bind DIR]... OUTDIR COMMAND [ARG...]}
shift
[ $# -ge 1 ] || { echo "usage: sandbox.sh [--bind DIR]... OUTDIR COMMAND [ARG...]" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "sandbox: needs root" >&2; exit 77; }
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
exec unshare --mount --pid --net --uts --ipc --fork --propagation private -- "$(readlink -f "$0")" --inside "$OUT" "$BINDS" "$@"
