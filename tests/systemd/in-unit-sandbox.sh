#!/bin/bash
# in-unit-sandbox.sh: run by units.sh inside tests/sandbox/sandbox.sh (a
# throwaway copy of the machine). Makes the user, group and socket directory as
# the package does, then runs the daemon on the shipped configuration the way
# tlspolicyd.service does: a read-only system but for the unit's
# ReadWritePaths= and StateDirectory=, the unit's user and group with that
# user's own groups, no capabilities, no_new_privs. Leaves its findings in
# /sandbox-out (daemon.log, socket, answer, removed, history).
#
# Usage: in-unit-sandbox.sh SRC BIN ASK SOCKET_DIRECTORY
set -eu
SRC=$1 BIN=$2 ASK=$3 RW=$4
OUT=/sandbox-out
adduser --system --group --no-create-home --home /nonexistent tlspolicyd >/dev/null 2>&1
install -d -o root -g tlspolicyd -m 1770 "$RW"
install -d -o tlspolicyd -g tlspolicyd -m 0700 /var/lib/tlspolicyd
sed '/^user:/d' "$SRC/conf/tlspolicyd.yaml" > /etc/tlspolicyd.yaml
echo 'downgrade: { store: "lmdb:/var/lib/tlspolicyd/history" }' >> /etc/tlspolicyd.yaml
listen=$(sed -n 's|^  - unix:||p' /etc/tlspolicyd.yaml)

unshare --mount --propagation private -- bash -c '
  for d in /usr /etc /var /opt /srv /home /root /boot; do
    [ -d "$d" ] && mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"
  done
  for d in "$1" /var/lib/tlspolicyd; do mount --bind "$d" "$d" && mount -o remount,bind,rw "$d"; done
  exec setpriv --reuid=tlspolicyd --regid=tlspolicyd --init-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs -- "$2" serve -c /etc/tlspolicyd.yaml --log-stderr' sandbox "$RW" "$BIN" 2> "$OUT/daemon.log" &
daemon=$!
for _ in $(seq 200); do grep -q "ready:" "$OUT/daemon.log" && break; sleep 0.1; done
grep -q "ready:" "$OUT/daemon.log"
stat -c '%U:%G %a' "$listen" > "$OUT/socket"
printf 'request=smtpd_access_policy\ninstance=1\nsasl_username=u\nclient_address=192.0.2.1\n\n' |
  "$ASK" "unix:$listen" > "$OUT/answer"
kill -TERM "$daemon"
wait "$daemon"
if [ ! -e "$listen" ]; then echo removed > "$OUT/removed"; fi
ls /var/lib/tlspolicyd/history > "$OUT/history"
