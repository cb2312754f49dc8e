#!/bin/bash
# units.sh: the systemd units verify, the service's exposure stays at or below
# 2.0, and the daemon serves under the unit's sandbox emulated without systemd.
#
# Usage: tests/systemd/units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask
#
# systemd is not PID 1 here, so the sandbox is rebuilt by hand as far as Linux
# tools allow: a private mount namespace with the system read-only
# (ProtectSystem=strict) and only the runtime and state directories writable, an
# unprivileged user with the postfix group as its only supplementary group
# (User=, SupplementaryGroups=), no capabilities at all and no_new_privs
# (CapabilityBoundingSet=, NoNewPrivileges=). The system call filter is checked
# by systemd-analyze only. Needs root; exit 77 (skipped) otherwise.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask}")
ASK=$(readlink -f "${2:?usage: units.sh PATH/TO/tlspolicyd PATH/TO/tlspolicyd_ask}")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "units: skipped: needs root" >&2; exit 77; }
. "$SRC/scripts/deps.sh"
install_missing systemd util-linux postfix

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

# 3. The daemon under the sandbox: read-only system, writable runtime and state.
mkdir -p "$TMP/run" "$TMP/state"
chown nobody "$TMP/run" "$TMP/state"
chmod 755 "$TMP"
cat > "$TMP/tlspolicyd.yaml" <<YAML
listen: [ "unix:$TMP/run/policy.sock" ]
socket: { mode: "0660", group: postfix }
log: { decisions: all }
rules:
  - name: sandboxed
    action: "reject 5.7.1 sandboxed"
downgrade: { store: "lmdb:$TMP/state/history" }
YAML
postfix_gid=$(getent group postfix | cut -d: -f3)
unshare --mount --propagation private -- bash -c "
  for d in /usr /etc /var /opt /srv /home /root /boot; do
    [ -d \$d ] && mount --bind \$d \$d && mount -o remount,bind,ro \$d
  done
  exec setpriv --reuid=nobody --regid=nogroup --groups=$postfix_gid --inh-caps=-all --bounding-set=-all \
    --no-new-privs -- '$BIN' serve -c '$TMP/tlspolicyd.yaml' --log-stderr" 2> "$TMP/daemon.log" &
DAEMON=$!
for _ in $(seq 200); do grep -q "ready:" "$TMP/daemon.log" && break; sleep 0.1; done
grep -q "ready:" "$TMP/daemon.log" || { cat "$TMP/daemon.log"; fail "the daemon did not start in the sandbox"; }
[ "$(stat -c %G "$TMP/run/policy.sock")" = postfix ] || fail "the socket's group is not postfix"
answer=$(printf 'request=smtpd_access_policy\ninstance=1\nsender=a@b.example\n\n' | "$ASK" "unix:$TMP/run/policy.sock")
[ "$answer" = "action=REJECT 5.7.1 sandboxed" ] || { cat "$TMP/daemon.log"; fail "unexpected answer: $answer"; }
kill -TERM "$DAEMON"
wait "$DAEMON"; rc=$?
DAEMON=
[ $rc -eq 0 ] || { cat "$TMP/daemon.log"; fail "exit $rc on SIGTERM"; }
grep -q "history: wrote" "$TMP/daemon.log" || [ -f "$TMP/state/history/data.mdb" ] || fail "the history was not written"
if grep -q "error" "$TMP/daemon.log"; then cat "$TMP/daemon.log"; fail "errors in the log"; fi
echo "units: ok   the daemon serves as nobody, without capabilities, on a read-only system"
