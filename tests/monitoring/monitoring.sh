#!/bin/bash
# monitoring.sh: proves conf/monitoring/ (issue 20, item 3).
#   - the alert rules pass `promtool check rules`, and `promtool test rules`
#     (alerts-test.yml: each alert fires when it should, not before);
#   - the Grafana dashboard is JSON Grafana imports as is: every query uses the
#     dashboard's data source variable, and every expression parses as PromQL
#     (checked by promtool as recording rules);
#   - the real daemon, on the shipped configuration with metrics, a TLS history
#     store and a little traffic (a violation, a held requirement, a downgrade,
#     a protocol error, a reload), serves a page that passes `promtool check
#     metrics`, and every metric name the dashboard and the rules use is on it.
#
# Usage: tests/monitoring/monitoring.sh path/to/tlspolicyd
# promtool is in Debian's prometheus package (scripts/deps.sh installs it).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:?usage: monitoring.sh path/to/tlspolicyd}")
MON=$SRC/conf/monitoring
command -v promtool > /dev/null || { echo "monitoring: promtool not found (Debian package prometheus)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/tlspolicyd-monitoring.XXXXXX)
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2> /dev/null && wait "$DAEMON" 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== promtool check rules, promtool test rules"
promtool check rules "$MON/tlspolicyd-alerts.yml"
(cd "$SRC/tests/monitoring" && promtool test rules alerts-test.yml)

echo "== the dashboard: data source, and every expression parses"
python3 - "$MON/tlspolicyd-dashboard.json" "$TMP/dashboard-rules.yml" <<'EOF'
import json, sys
dash = json.load(open(sys.argv[1]))
variables = {v["name"] for v in dash["templating"]["list"]}
assert {"datasource", "job", "instance"} <= variables, variables
assert dash["uid"] and dash["title"] and dash["schemaVersion"] >= 36
exprs = []
for p in dash["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
    assert p["targets"], p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}", p["title"]
        exprs.append(t["expr"])
exprs += [a["expr"] for a in dash["annotations"]["list"]]
exprs += [v["query"]["query"].replace("label_values(", "").rsplit(",", 1)[0]
          for v in dash["templating"]["list"] if v["type"] == "query"]
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$job", ".+").replace("$instance", ".+")
        out.write(f"      - record: dashboard:expr{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(exprs)} expressions")
EOF
promtool check rules "$TMP/dashboard-rules.yml" > /dev/null

echo "== the real daemon's page"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|unix:/var/spool/postfix/tlspolicyd/policy.sock|unix:$TMP/policy.sock|" -e '/^user:/d' \
  "$SRC/conf/tlspolicyd.yaml" > "$TMP/c.yaml"
cat >> "$TMP/c.yaml" << EOF
metrics: { listen: "inet:127.0.0.1:$PORT" }
downgrade: { store: "lmdb:$TMP/history", min_observations: 1 }
EOF
AS_ROOT=()
[ "$(id -u)" -eq 0 ] && AS_ROOT=(--run-as-root)
"$BIN" serve -c "$TMP/c.yaml" --log-stderr "${AS_ROOT[@]}" 2> "$TMP/daemon.log" &
DAEMON=$!
for _ in $(seq 100); do grep -q "ready:" "$TMP/daemon.log" && break; sleep 0.1; done
grep -q "ready:" "$TMP/daemon.log" || { cat "$TMP/daemon.log" >&2; exit 1; }

python3 - "$TMP/policy.sock" <<'EOF'
import socket, sys
def ask(attrs, sock=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    base = {"request": "smtpd_access_policy", "protocol_state": "RCPT", "protocol_name": "ESMTP",
            "client_address": "192.0.2.10", "client_name": "mx.partner.example", "helo_name": "mx.partner.example",
            "sender": "a@partner.example", "recipient": "b@example.org", "queue_id": "", "instance": "1.2.3",
            "server_port": "25"}
    base.update(attrs)
    s.sendall(("".join(f"{k}={v}\n" for k, v in base.items()) + "\n").encode())
    answer = s.recv(4096).decode()
    s.close()
    return answer
tls13 = {"encryption_protocol": "TLSv1.3", "encryption_cipher": "TLS_AES_256_GCM_SHA384", "encryption_keysize": "256"}
print(ask(dict(tls13, instance="1")).strip())                              # held: every rule's requirement
print(ask({"instance": "2", "sasl_method": "PLAIN", "sasl_username": "u"}).strip())  # violated: auth-needs-tls; a downgrade
bad = socket.socket(socket.AF_UNIX)
bad.connect(sys.argv[1])
bad.sendall(b"no equals sign\n\n")                                          # a protocol error
bad.recv(10)
EOF
kill -HUP "$DAEMON"
for _ in $(seq 100); do grep -q "configuration generation 2 loaded" "$TMP/daemon.log" && break; sleep 0.1; done
python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PORT/metrics').read().decode())" \
  > "$TMP/page"
promtool check metrics < "$TMP/page"
if ! missing=$("$SRC/tests/monitoring/missing-names.py" "$TMP/page" "$MON"/tlspolicyd-*); then
  echo "monitoring: FAIL: used by the dashboard or the rules but not on the daemon's page:" $missing >&2
  exit 1
fi
# The traffic above shows on the page as the dashboard reads it.
for series in 'tlspolicyd_rule_matches_total{rule="auth-needs-tls",mode="enforce",result="violated"} 1' \
  'tlspolicyd_rule_matches_total{rule="tls12-census",mode="observe",result="held"} 1' \
  'tlspolicyd_violations_total{rule="auth-needs-tls",mode="enforce",requirement="tls"} 1' \
  'tlspolicyd_downgrades_total 1' 'tlspolicyd_protocol_errors_total 1' 'tlspolicyd_config_generation 2' \
  'tlspolicyd_history_store_up 1' 'tlspolicyd_log_lines_dropped_total{sink="stderr"} 0'; do
  grep -qxF "$series" "$TMP/page" || { echo "monitoring: FAIL: not on the page: $series" >&2; exit 1; }
done
echo "monitoring: every metric name the dashboard and the rules use is on the page"
