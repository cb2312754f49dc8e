#!/bin/bash
# units.sh: the systemd units verify, the service's exposure stays at or below
# 2.0, and the daemon serves under the unit's sandbox emulated without systemd.
#
# Usage: tests/systemd/units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask
#
# The units and the shipped configuration must agree on the socket
# (ListenStream=, ReadWritePaths=, SocketGroup= against listen: and socket:).
# systemd is not PID 1 here, so the service's sandbox is rebuilt by hand as far
# as Linux tools allow, in a throwaway copy of the machine: a private mount
# namespace with the system read-only (ProtectSystem=strict) and only the socket
# and state directories writable (ReadWritePaths=, StateDirectory=), the unit's
# user and group (User=, Group=), no capabilities at all and no_new_privs
# (CapabilityBoundingSet=, NoNewPrivileges=). The system call filter is checked
# by systemd-analyze only. Needs root; exit 77 (skipped) otherwise.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask}")
ASK=$(readlink -f "${2:?usage: units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask}")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "units: skipped: needs root" >&2; exit 77; }
. "$SRC/scripts/deps.sh"
install_missing systemd util-linux

TMP=$(mktemp -d /tmp/tlspolicyd-units.XXXXXX)
DAEMON=
cleanup() { [ -n "$DAEMON" ] && kill -9 "$DAEMON" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "units: FAIL: $*" >&2; exit 1; }

# 1. systemd-analyze verify, with the installed path replaced by the built binary.
cp "$SRC/systemd/tlspolicyd.service" "$SRC/systemd/tlspolicyd.socket" "$TMP/"
sed -i "s|/usr/sbin/tlspolicyd|$BIN|g" "$TMP/tlspolicyd.service"
if ! out=$(cd "$TMP" && systemd-analyze verify --man=no tlspolicyd.service tlspolicyd.socket 2>&1) || [ -n "$out" ]; then
  fail "systemd-analyze verify: $out"
fi
echo "units: ok   systemd-analyze verify"

# 2. Exposure.
score=$(cd "$TMP" && systemd-analyze security --offline=true tlspolicyd.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for tlspolicyd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure level from systemd-analyze security"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score is above 2.0"
grep -q "exposure level of $score" "$SRC/README.md" || fail "README.md does not state the exposure level $score"
echo "units: ok   exposure $score (at most 2.0, as README.md states)"

# 3. The units and the shipped configuration agree on the socket.
listen=$(sed -n 's|^  - unix:||p' "$SRC/conf/tlspolicyd.yaml")
stream=$(sed -n 's|^ListenStream=||p' "$SRC/systemd/tlspolicyd.socket")
[ -n "$listen" ] && [ "$listen" = "$stream" ] ||
  fail "conf/tlspolicyd.yaml listens on \"$listen\", tlspolicyd.socket on \"$stream\""
rw=$(sed -n 's|^ReadWritePaths=-\{0,1\}||p' "$SRC/systemd/tlspolicyd.service")
[ "$(dirname "$listen")" = "$rw" ] || fail "the socket directory $(dirname "$listen") is not the service's ReadWritePaths ($rw)"
group=$(sed -n 's|^socket: {.*group: \([a-z]*\) }.*|\1|p' "$SRC/conf/tlspolicyd.yaml")
grep -qx "SocketGroup=$group" "$SRC/systemd/tlspolicyd.socket" ||
  fail "tlspolicyd.socket's SocketGroup is not the configuration's socket group ($group)"
echo "units: ok   tlspolicyd.socket, the service's ReadWritePaths and the shipped configuration agree on $listen"

# 4. The daemon on the shipped configuration under the service's sandbox,
# emulated in a throwaway copy of this machine (tests/systemd/in-unit-sandbox.sh).
"$SRC/tests/sandbox/sandbox.sh" --bind "$(dirname "$BIN")" --bind "$(dirname "$ASK")" "$TMP/out" \
  "$SRC/tests/systemd/in-unit-sandbox.sh" "$SRC" "$BIN" "$ASK" "$rw" ||
  { cat "$TMP/out/daemon.log"; fail "the daemon did not serve under the unit's sandbox"; }
[ "$(cat "$TMP/out/socket")" = "tlspolicyd:$group 660" ] || fail "the socket is $(cat "$TMP/out/socket"), not tlspolicyd:$group 660"
[ "$(cat "$TMP/out/answer")" = "action=530 5.7.0 Authentication requires a TLS connection" ] ||
  { cat "$TMP/out/daemon.log"; fail "unexpected answer: $(cat "$TMP/out/answer")"; }
[ -f "$TMP/out/removed" ] || fail "the socket file was not removed at exit"
grep -q "data.mdb" "$TMP/out/history" || fail "the history was not written"
if grep -q "error\|warning" "$TMP/out/daemon.log"; then cat "$TMP/out/daemon.log"; fail "errors or warnings in the log"; fi
echo "units: ok   the shipped configuration serves as user tlspolicyd, without capabilities, on a read-only system"
