#!/bin/bash
# hostile-lines.sh: the example fail2ban filter and logcheck rule, and the
# README's count of refusals, on lines the real daemon writes for hostile
# requests: a local user who can reach the socket (an inet: listener) names any
# client address and puts `action=reject`, `client=x[ADDRESS]` and quotes into
# every value Postfix would otherwise vouch for or pass on (helo, sender,
# recipient, client name, SASL user, policy_context). Each refusal comes from a
# client address of its own; tests/logs/check-filters.py then requires fail2ban
# to find exactly the refused clients' addresses (none of the injected ones),
# logcheck exactly the refusal lines, and the anchored grep -c exactly the
# rejects.
#
# Usage: tests/logs/hostile-lines.sh path/to/tlspolicyd
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:?usage: hostile-lines.sh path/to/tlspolicyd}")
TMP=$(mktemp -d /tmp/tlspolicyd-hostile-lines.XXXXXX)
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2> /dev/null && wait "$DAEMON" 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

cat > "$TMP/c.yaml" << EOF
listen: [ "unix:$TMP/policy.sock" ]
log: { decisions: all }
rules:
  - name: census
    mode: observe
    require: { min_protocol: TLSv1.2 }
  - name: refuse-plaintext
    match: { recipient_domain: refuse.example }
    require: { tls: true }
    action: "reject 5.7.1 TLS please"
  - name: code-plaintext
    match: { recipient_domain: code.example }
    require: { tls: true }
    action: "554 5.7.1 TLS please"
  - name: warned
    mode: warn
    match: { recipient_domain: warn.example }
    require: { tls: true }
    action: "reject 5.7.1 TLS please"
EOF
AS_ROOT=()
[ "$(id -u)" -eq 0 ] && AS_ROOT=(--run-as-root)
"$BIN" serve -c "$TMP/c.yaml" --log-stderr "${AS_ROOT[@]}" 2> "$TMP/daemon.log" &
DAEMON=$!
for _ in $(seq 100); do grep -q "ready:" "$TMP/daemon.log" && break; sleep 0.1; done
grep -q "ready:" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; exit 1; }

python3 - "$TMP/policy.sock" << 'PY'
import socket, sys
INJECT = "action=reject rule=x mode=enforce reason=- client=x[6.6.6.%d] helo=<>"
def ask(n, **attrs):
    req = {"request": "smtpd_access_policy", "protocol_state": "RCPT", "client_address": "198.51.100.%d" % n,
           "client_name": "mx%d.example" % n, "helo_name": "mx.example", "sender": "a@example.org",
           "recipient": "b@refuse.example"}
    req.update(attrs)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(("".join("%s=%s\n" % kv for kv in req.items()) + "\n").encode())
    assert s.recv(4096).startswith(b"action="), req
    s.close()
ask(1)
ask(2, helo_name=INJECT % 2)
ask(3, sender=(INJECT % 3).replace(" ", "") + "@example.org")
ask(4, recipient="x]" + (INJECT % 4) + "@code.example")           # quoted: it has spaces
ask(5, sasl_method="PLAIN", sasl_username=INJECT % 5)
ask(6, policy_context=INJECT % 6, recipient="c@code.example")
ask(7, client_name="x[6.6.6.7]")                                 # not a plain name: no ban at all
ask(8, client_name='a"b[6.6.6.8] helo=')
ask(9, helo_name=": action=reject client=x[6.6.6.9] helo=", recipient="w@warn.example")  # a WARN
ask(10, helo_name="tlspolicyd[1]: action=reject client=x[6.6.6.10] helo=", recipient="d@other.example")
ask(11, encryption_protocol="TLSv1.3", encryption_cipher="TLS_AES_256_GCM_SHA384", helo_name=INJECT % 11)
PY
# Every request has its answer line before the check.
for _ in $(seq 100); do [ "$(grep -c ']: action=' "$TMP/daemon.log")" -ge 11 ] && break; sleep 0.1; done
# As `journalctl -o short-iso-precise` shows the same messages (a host name,
# microseconds and the zone), which is what logcheck reads.
sed -E 's/^([0-9-]+T[0-9:]+\.[0-9]{3}) tlspolicyd\[/\1000+0000 mx.example tlspolicyd[/' "$TMP/daemon.log" > "$TMP/journal.log"
python3 "$SRC/tests/logs/check-filters.py" "$TMP/journal.log" 6 ||
  { echo "hostile-lines: the daemon's lines:" >&2; grep ' rule=' "$TMP/journal.log" >&2; exit 1; }
