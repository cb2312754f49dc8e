#!/bin/bash
# e2e.sh: tlspolicyd inside a real Postfix, on loopback, driven by swaks.
#
# Usage: tests/e2e/e2e.sh PATH/TO/tlspolicyd
#
# Builds a private Postfix instance in a temporary directory (its own config,
# queue and data directories, started with `postfix -c DIR`, listening only on
# 127.0.0.1 high ports, logging to a file, a self-signed certificate, Cyrus SASL
# with a sasldb, accepted mail written to a sink directory, nothing relayed),
# wires it to the freshly built tlspolicyd with the snippets of README.md
# ("Deploying with Postfix"), and runs the scenarios. Every scenario checks the
# SMTP reply the client saw, whether the message reached the sink, and the log
# lines of the daemon or of Postfix; a failing one prints the transcript and the
# relevant log lines. Everything started here is stopped at exit, pass or fail;
# the machine's own Postfix configuration is never read or written.
# Needs root (Postfix's master runs as root). Exit 0 all passed, 1 a scenario
# failed, 77 skipped (not root).
set -uo pipefail

BIN=${1:?usage: e2e.sh PATH/TO/tlspolicyd}
BIN=$(readlink -f "$BIN")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
README="$SRC/README.md"

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: skipped: needs root to run a private Postfix instance" >&2
  exit 77
fi

. "$SRC/scripts/deps.sh"
install_missing "${TLSPOLICYD_E2E_DEPS[@]}"

LAB=$(mktemp -d /tmp/tlspolicyd-e2e.XXXXXX)
chmod 755 "$LAB"
ETC=$LAB/etc
SOCK=$LAB/run/tlspolicyd/policy.sock   # the README's /run/tlspolicyd/policy.sock
POLICY_PORT=21040                      # the README's 10040
PORT_MX=21025        # port 25 role: main.cf snippet, unix socket
PORT_INET=21026      # the same over loopback TCP
PORT_SUB=21587       # submission (STARTTLS)
PORT_SUBS=21465      # submissions (implicit TLS)
PORT_CLOSED=21027    # policy without default_action: fail closed
DAEMON_PID=
FAILED=()
PASSED=0

log() { echo "e2e: $*"; }

cleanup() {
  local rc=$?
  # Postfix's master runs in a session of its own, with every child in it.
  local master
  master=$(tr -d ' ' < "$LAB/queue/pid/master.pid" 2>/dev/null)
  [ -f "$ETC/main.cf" ] && postfix -c "$ETC" stop >/dev/null 2>&1
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  if [ -n "$master" ]; then
    for _ in $(seq 50); do pgrep -s "$master" >/dev/null || break; sleep 0.1; done
    pkill -9 -s "$master" 2>/dev/null
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then log "kept $LAB"; else rm -rf "$LAB"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The fenced code block after "<!-- snippet: NAME -->" in README.md.
snippet() {
  awk -v name="$1" '
    $0 == "<!-- snippet: " name " -->" { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' "$README"
}

# README paths and ports -> this lab's.
localize() {
  sed -e "s|/run/tlspolicyd/policy.sock|$SOCK|g" -e "s|127.0.0.1:10040|127.0.0.1:$POLICY_PORT|g"
}

for s in tlspolicyd-socket main-cf main-cf-inet main-cf-tls main-cf-submission master-cf-submission; do
  if [ -z "$(snippet "$s")" ]; then log "README.md has no snippet \"$s\""; exit 1; fi
done

# ---------------------------------------------------------------- set-up

mkdir -p "$ETC/sasl" "$LAB/queue" "$LAB/data" "$LAB/sink" "$LAB/sasl" "$LAB/tls" "$LAB/t"
chmod 1777 "$LAB/sink"
chown postfix "$LAB/data"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lab.example.test" \
  -keyout "$LAB/tls/key.pem" -out "$LAB/tls/cert.pem" >/dev/null 2>&1 || { log "openssl failed"; exit 1; }

echo "lab-secret-pw" | saslpasswd2 -p -c -f "$LAB/sasl/sasldb" -u lab.example.test testuser
chown postfix "$LAB/sasl/sasldb"
# Debian's Postfix reads $config_directory/sasl/smtpd.conf (cyrus_sasl_config_path
# is set to the same place for other builds).
cat > "$ETC/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $LAB/sasl/sasldb
mech_list: PLAIN LOGIN
EOF

cat > "$ETC/main.cf" <<EOF
# private e2e instance
compatibility_level = 3.6
queue_directory = $LAB/queue
data_directory = $LAB/data
mail_owner = postfix
setgid_group = postdrop
myhostname = lab.example.test
mydestination =
# Loopback is not "my network" here, or permit_mynetworks would skip the policy.
mynetworks = 192.0.2.0/24
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relay_domains = example.test, legal.example.test
relay_transport = sink
default_transport = error
local_transport = error
smtputf8_enable = no
maillog_file = $LAB/maillog
maillog_file_prefixes = /var, /dev/stdout, $LAB
smtpd_tls_cert_file = $LAB/tls/cert.pem
smtpd_tls_key_file = $LAB/tls/key.pem
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
cyrus_sasl_config_path = $ETC/sasl
smtpd_sasl_path = smtpd
smtpd_relay_restrictions =
smtpd_policy_service_retry_delay = 1s
lab_policy_closed = check_policy_service { unix:$SOCK, timeout=5s }

# --- README snippet main-cf-tls
$(snippet main-cf-tls)

# --- README snippet main-cf
$(snippet main-cf | localize)

# --- README snippet main-cf-submission
$(snippet main-cf-submission | localize)
EOF

cat > "$ETC/master.cf" <<EOF
# private e2e instance: only what the scenarios need
127.0.0.1:$PORT_MX inet n - n - - smtpd
  -o smtpd_tls_auth_only=no
127.0.0.1:$PORT_INET inet n - n - - smtpd
  -o smtpd_recipient_restrictions=\$lab_policy_inet
127.0.0.1:$PORT_CLOSED inet n - n - - smtpd
  -o smtpd_recipient_restrictions=reject_unauth_destination,\$lab_policy_closed
$(snippet master-cf-submission | sed -e "s|^submission |127.0.0.1:$PORT_SUB |" -e "s|^submissions |127.0.0.1:$PORT_SUBS |")
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
sink      unix  -       n       n       -       -       pipe
  flags= user=nobody argv=/bin/dd of=$LAB/sink/\${queue_id} status=none
EOF
# The inet variant of the main.cf snippet, as the restrictions of one port.
inet_restrictions=$(snippet main-cf-inet | localize | sed -n 's/^smtpd_recipient_restrictions =//p; s/^    //p' | tr '\n' ' ')
echo "lab_policy_inet = $inet_restrictions" >> "$ETC/main.cf"

# The daemon: the README's socket snippet and the scenarios' rules.
write_config() {  # $1: the mode of partner-senders
  cat > "$LAB/tlspolicyd.yaml" <<EOF
$(snippet tlspolicyd-socket | localize | sed "/^  - unix:/a\\  - inet:127.0.0.1:$POLICY_PORT")
user: nobody
log: { decisions: all }
profiles:
  strict:
    min_protocol: TLSv1.2
    ciphers: high
    exclude_ciphers: [aNULL, eNULL, EXPORT, DES, 3DES, MD5, PSK, RC4]
    forward_secrecy: true
    aead: true
    min_keysize: 128
rules:
  - name: auth-needs-tls
    match: { sasl: true }
    require: { tls: true }
    action: "530 5.7.0 Authentication requires a TLS connection"
  - name: partner-senders
    match: { sender_domain: partner-bank.example }
    require: strict
    mode: $1
    action: "reject 5.7.1 Mail from \${sender_domain} requires TLS 1.2+ with a strong cipher (\${reason})"
  - name: submission-floor
    match: { policy_context: submission }
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 Mail submission requires TLS 1.2 or newer"
  - name: legal-recipients
    match: { recipient_domain: legal.example.test }
    require: { tls: true }
    action: "550 5.7.1 \${recipient_domain} accepts mail only over TLS"
  - name: warned-senders
    match: { sender_domain: warn.example }
    require: { min_protocol: TLSv1.2 }
    mode: warn
    action: "reject 5.7.1 TLS 1.2 is required from \${sender_domain}"
EOF
}
write_config enforce

wait_for() {  # FILE TEXT [SECONDS]: wait until FILE contains TEXT (a guard, not a timing)
  local deadline=$((SECONDS + ${3:-30}))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

"$BIN" serve -c "$LAB/tlspolicyd.yaml" --log-stderr 2> "$LAB/tlspolicyd.log" &
DAEMON_PID=$!
wait_for "$LAB/tlspolicyd.log" "ready:" || { log "tlspolicyd did not start"; cat "$LAB/tlspolicyd.log"; exit 1; }
[ "$(stat -c %G "$SOCK")" = postfix ] || { log "socket group is not postfix"; ls -l "$SOCK"; exit 1; }

if ! postfix -c "$ETC" check >"$LAB/check.txt" 2>&1 || ! postfix -c "$ETC" start >>"$LAB/check.txt" 2>&1; then
  log "Postfix would not start:"; cat "$LAB/check.txt"; [ -f "$LAB/maillog" ] && cat "$LAB/maillog"; exit 1
fi
for port in $PORT_MX $PORT_INET $PORT_SUB $PORT_SUBS $PORT_CLOSED; do
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
log "Postfix $(postconf -c "$ETC" -h mail_version) and tlspolicyd are up in $LAB"

# ---------------------------------------------------------------- scenarios

# send ID PORT FROM TO [swaks options]: one message; the transcript goes to t/ID.
send() {
  local id=$1 port=$2 from=$3 to=$4
  shift 4
  swaks --server 127.0.0.1 --port "$port" --ehlo client.example.org --from "$from" --to "$to" \
    --add-header "X-E2E-Id: $id" --body "e2e $id" --timeout 30 "$@" > "$LAB/t/$id" 2>&1
  echo $? > "$LAB/t/$id.rc"
}

# Per-scenario checks; each records a reason on failure.
problems=()
# replied ID TEXT: the server sent a reply line with TEXT (swaks marks replies
# "<-", "<~" over TLS, "<**" or "<~*" for errors).
replied()      { grep '^<' "$LAB/t/$1" | grep -qF -- "$2" || problems+=("the client did not get the reply: $2"); }
queued()       { grep -q ' 250 2.0.0 Ok: queued as' "$LAB/t/$1" || problems+=("the message was not queued"); }
not_queued()   { ! grep -q 'queued as' "$LAB/t/$1" || problems+=("the message was queued"); }
delivered() {  # the queue manager delivers asynchronously: wait (30 s at most)
  for _ in $(seq 300); do grep -qs "X-E2E-Id: $1" "$LAB"/sink/* && return; sleep 0.1; done
  problems+=("the message did not reach the sink")
}
daemon_logged() {  # a line of the daemon's log with both texts
  for _ in $(seq 100); do grep -F -- "$1" "$LAB/tlspolicyd.log" | grep -qF -- "$2" && return; sleep 0.1; done
  problems+=("no daemon log line with: $1 ... $2")
}
postfix_logged() { wait_for "$LAB/maillog" "$1" 30 || problems+=("no Postfix log line with: $1"); }

# verdict ID: reports the scenario, with the evidence when it failed.
verdict() {
  local id=$1
  if [ ${#problems[@]} -eq 0 ]; then
    PASSED=$((PASSED + 1)); log "ok   $id"; return 0
  fi
  FAILED+=("$id")
  log "FAIL $id"
  printf '  - %s\n' "${problems[@]}"
  echo "  --- SMTP transcript (swaks exit $(cat "$LAB/t/$id.rc"))"; sed 's/^/  | /' "$LAB/t/$id"
  echo "  --- tlspolicyd log"; grep -F -- "$id" "$LAB/tlspolicyd.log" | sed 's/^/  | /'
  echo "  --- Postfix log (last lines)"; tail -n 15 "$LAB/maillog" | sed 's/^/  | /'
  problems=()
  return 1
}

partner=partner-bank.example
reject_text="Recipient address rejected: Mail from $partner requires TLS 1.2+ with a strong cipher"

send plain-partner $PORT_MX plain-partner@$partner rcpt@example.test
replied plain-partner "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
not_queued plain-partner
daemon_logged "sender=<plain-partner@$partner>" 'action=reject rule=partner-senders mode=enforce reason="no TLS"'
verdict plain-partner

send tls13-partner $PORT_MX tls13-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_3
replied tls13-partner "250 2.1.5 Ok"
queued tls13-partner
delivered tls13-partner
daemon_logged "sender=<tls13-partner@$partner>" "action=dunno rule=- mode=- reason=-"
daemon_logged "sender=<tls13-partner@$partner>" "protocol=TLSv1.3"
verdict tls13-partner

send tls12-partner $PORT_MX tls12-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_2 \
  --tls-cipher ECDHE-RSA-AES256-GCM-SHA384
queued tls12-partner
delivered tls12-partner
daemon_logged "sender=<tls12-partner@$partner>" "protocol=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384"
verdict tls12-partner

send tls10-partner $PORT_MX tls10-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0'
replied tls10-partner "554 5.7.1 <rcpt@example.test>: $reject_text (protocol TLSv1 < TLSv1.2)"
not_queued tls10-partner
daemon_logged "sender=<tls10-partner@$partner>" 'rule=partner-senders mode=enforce reason="protocol TLSv1 < TLSv1.2"'
verdict tls10-partner

send tls11-partner $PORT_MX tls11-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0'
replied tls11-partner "554 5.7.1 <rcpt@example.test>: $reject_text (protocol TLSv1.1 < TLSv1.2)"
not_queued tls11-partner
verdict tls11-partner

send cbc-partner $PORT_MX cbc-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_2 --tls-cipher AES128-SHA
replied cbc-partner "554 5.7.1 <rcpt@example.test>: $reject_text (cipher AES128-SHA without forward secrecy)"
not_queued cbc-partner
daemon_logged "sender=<cbc-partner@$partner>" 'reason="cipher AES128-SHA without forward secrecy"'
verdict cbc-partner

send auth-plain $PORT_MX auth-plain@example.org rcpt@example.test \
  --auth PLAIN --auth-user testuser --auth-password lab-secret-pw
replied auth-plain "235 2.7.0 Authentication successful"
replied auth-plain "530 5.7.0 <rcpt@example.test>: Recipient address rejected: Authentication requires a TLS connection"
not_queued auth-plain
daemon_logged "sender=<auth-plain@example.org>" 'rule=auth-needs-tls mode=enforce reason="no TLS"'
verdict auth-plain

send auth-tls $PORT_MX auth-tls@example.org rcpt@example.test --tls \
  --auth PLAIN --auth-user testuser --auth-password lab-secret-pw
queued auth-tls
delivered auth-tls
verdict auth-tls

send implicit-tls $PORT_SUBS implicit-tls@example.org rcpt@example.test --tls-on-connect \
  --auth PLAIN --auth-user testuser --auth-password lab-secret-pw
queued implicit-tls
delivered implicit-tls
daemon_logged "sender=<implicit-tls@example.org>" "protocol=TLSv1.3"
verdict implicit-tls

send submission-old $PORT_SUB submission-old@example.org rcpt@example.test --tls --tls-protocol tlsv1_1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0' --auth PLAIN --auth-user testuser --auth-password lab-secret-pw
replied submission-old "554 5.7.1 <rcpt@example.test>: Recipient address rejected: Mail submission requires TLS 1.2 or newer"
not_queued submission-old
daemon_logged "sender=<submission-old@example.org>" 'rule=submission-floor mode=enforce reason="protocol TLSv1.1 < TLSv1.2"'
verdict submission-old

send submission-new $PORT_SUB submission-new@example.org rcpt@example.test --tls \
  --auth PLAIN --auth-user testuser --auth-password lab-secret-pw
queued submission-new
delivered submission-new
verdict submission-new

send legal-plain $PORT_MX legal-plain@example.org counsel@legal.example.test
replied legal-plain "550 5.7.1 <counsel@legal.example.test>: Recipient address rejected: legal.example.test accepts mail only over TLS"
not_queued legal-plain
daemon_logged "sender=<legal-plain@example.org>" "rule=legal-recipients mode=enforce"
verdict legal-plain

send legal-tls $PORT_MX legal-tls@example.org counsel@legal.example.test --tls
queued legal-tls
delivered legal-tls
verdict legal-tls

send warned $PORT_MX warned@warn.example rcpt@example.test
queued warned
delivered warned
postfix_logged 'warn: RCPT from localhost[127.0.0.1]: tlspolicyd rule "warned-senders" would answer: REJECT 5.7.1 TLS 1.2 is required from warn.example'
daemon_logged "sender=<warned@warn.example>" 'action=warn rule=warned-senders mode=warn would=reject reason="no TLS"'
verdict warned

send inet-partner $PORT_INET inet-partner@$partner rcpt@example.test
replied inet-partner "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
not_queued inet-partner
daemon_logged "sender=<inet-partner@$partner>" "rule=partner-senders"
verdict inet-partner

# A deliberately wrong rule must make the checks fail: partner-senders observes
# instead of enforcing, so plaintext partner mail is accepted.
write_config observe
kill -HUP "$DAEMON_PID"
wait_for "$LAB/tlspolicyd.log" "configuration generation 2 loaded" || problems+=("the reload was not logged")
send wrong-rule $PORT_MX wrong-rule@$partner rcpt@example.test
replied wrong-rule "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
if [ ${#problems[@]} -gt 0 ] && grep -q 'queued as' "$LAB/t/wrong-rule"; then
  problems=()
  PASSED=$((PASSED + 1)); log "ok   wrong-rule (a wrong rule is caught: the check failed as it must)"
else
  problems+=("a rule in observe mode still rejected, or the check did not notice")
  verdict wrong-rule
fi
write_config enforce
kill -HUP "$DAEMON_PID"
wait_for "$LAB/tlspolicyd.log" "configuration generation 3 loaded"

# The daemon goes away: default_action=DUNNO lets mail flow, without it 451 4.3.5.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ $rc -eq 0 ] || problems+=("tlspolicyd exited with $rc on SIGTERM")
# A sanitizer build (./scripts/test.sh, second pass) reports what it finds in the log.
if grep -q "Sanitizer\|runtime error:" "$LAB/tlspolicyd.log"; then problems+=("a sanitizer report in the daemon's log"); fi
send stopped-open $PORT_MX stopped-open@$partner rcpt@example.test
queued stopped-open
delivered stopped-open
postfix_logged "warning: problem talking to server $SOCK"
verdict stopped-open

send stopped-closed $PORT_CLOSED stopped-closed@example.org rcpt@example.test
replied stopped-closed "451 4.3.5 <rcpt@example.test>: Recipient address rejected: Server configuration problem"
not_queued stopped-closed
verdict stopped-closed

# ---------------------------------------------------------------- summary

log "$PASSED passed, ${#FAILED[@]} failed${FAILED[*]:+: ${FAILED[*]}}"
[ ${#FAILED[@]} -eq 0 ]
