#!/bin/bash
# maillog.sh: `tlspolicyd simulate` on the mail log of a real Postfix agrees with
# what the live daemon answered, RCPT by RCPT.
#
# Usage: tests/e2e/maillog.sh PATH/TO/tlspolicyd
#
# In a throwaway copy of this machine (tests/sandbox/sandbox.sh): Postfix as
# debconf's "Internet Site" makes it (smtpd chrooted, the snakeoil certificate),
# with postscreen in front of port 25 (Debian's commented-out entries turned on),
# the README's submission (587) and submissions (465) services, a lab listener
# offering AUTH without TLS (2525), `smtpd_tls_loglevel = 1` and Postfix's own
# log file (`maillog_file`) beside the syslog. The daemon runs as its unit runs
# it with `log.decisions: all`. The scenarios: plaintext, TLS 1.3 and 1.2 on port
# 25; several recipients, one refused first or in the middle; PIPELINING; two
# messages in one session; the null sender; AUTH without and with TLS; the
# submission ports; a recipient refused before the policy (relay access
# denied); a bounce and a deferral; a WARN; a TLS handshake that fails; IPv6.
# Then `simulate --json` reads Postfix's log file, the syslog as journalctl
# -o short-iso shows it, and the same gzipped: each must give, for every RCPT the
# daemon answered, the daemon's action and rule (and for a refusal the text
# Postfix sent), and the text report must name every rule that refused.
# E2E_KEEP=1 keeps the logs (tests/fixtures/maillog/ is recorded from them).
# Needs root. Exit 0 all passed, 1 a scenario failed, 77 skipped (not root).
set -uo pipefail

if [ "${1:-}" != --inside ]; then
  BIN=$(readlink -f "${1:?usage: maillog.sh PATH/TO/tlspolicyd}")
  SRC=$(cd "$(dirname "$0")/../.." && pwd)
  if [ "$(id -u)" -ne 0 ]; then
    echo "maillog: skipped: needs root to run Postfix in a sandbox" >&2
    exit 77
  fi
  . "$SRC/scripts/deps.sh"
  install_missing "${TLSPOLICYD_E2E_DEPS[@]}"
  OUT=$(mktemp -d /tmp/tlspolicyd-maillog.XXXXXX)
  "$SRC/tests/sandbox/sandbox.sh" --bind "$(dirname "$BIN")" "$OUT" "$SRC/tests/e2e/maillog.sh" --inside "$BIN" "$SRC"
  rc=$?
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "maillog: kept $OUT"; else rm -rf "$OUT"; fi
  exit $rc
fi

# ------------------------------------------------------------------ inside
BIN=$2
SRC=$3
OUT=/sandbox-out
E2E_NAME=maillog
. "$SRC/tests/e2e/lib.sh"
SINK=/var/lib/lab-sink
PORT_AUTH=2525   # AUTH offered without TLS
MAILLOG=/var/log/postfix.log    # round 2: Postfix's own log file
JOURNAL=/var/log/journal.log    # round 1: the syslog as journalctl -o short-iso-precise shows it

start_syslog "$JOURNAL"
debian_internet_site
daemon_user
mkdir -p "$SINK" && chmod 1777 "$SINK"
lab_sasl
postconf -e 'relay_domains = example.test, legal.example.test, bounce.example.test, defer.example.test' \
  'relay_transport = sink' 'default_transport = error' 'smtpd_tls_loglevel = 1' \
  'transport_maps = inline:{ { bounce.example.test = fail: }, { defer.example.test = smtp:[127.0.0.1]:9 } }'
# postscreen in front of port 25, as Debian's master.cf offers it (commented out).
sed -i -e 's/^smtp \( *\)inet\( .*\) smtpd$/#&/' -e 's/^#\(smtp .*postscreen\)$/\1/' \
  -e 's/^#\(smtpd \+pass .*\)$/\1/' -e 's/^#\(dnsblog .*\)$/\1/' -e 's/^#\(tlsproxy .*\)$/\1/' /etc/postfix/master.cf
cat >> /etc/postfix/master.cf <<EOF
# --- the lab's listener and sink
127.0.0.1:$PORT_AUTH inet n - y - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
sink unix - n n - - pipe
  flags= user=nobody argv=/bin/dd of=$SINK/\${queue_id} status=none
fail unix - n n - - pipe
  flags= user=nobody argv=/bin/false
EOF
run_snippet postconf-tls
run_snippet postconf-submission
echo "# --- README snippet master-cf-submission" >> /etc/postfix/master.cf
snippet master-cf-submission >> /etc/postfix/master.cf
postfix check > "$OUT/postfix-check.log" 2>&1 || { log "postfix check:"; cat "$OUT/postfix-check.log"; exit 1; }
postconf -M smtp/inet | grep -q postscreen || { log "postscreen is not on port 25"; exit 1; }
start_postfix
run_snippet postconf-policy

mkdir -p /etc/tlspolicyd
cat > /etc/tlspolicyd/tlspolicyd.yaml <<EOF
$(snippet tlspolicyd-socket)
log: { decisions: all }
rules:
  - name: auth-needs-tls
    match: { sasl: true }
    require: { tls: true }
    action: "530 5.7.0 Authentication requires a TLS connection"
  - name: partner-senders
    match: { sender_domain: partner-bank.example }
    require: { min_protocol: TLSv1.2, forward_secrecy: true }
    action: "reject 5.7.1 Mail from \${sender_domain} requires TLS 1.2+ (\${reason})"
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
  - name: tls13-census
    require: { min_protocol: TLSv1.3 }
    mode: observe
    action: "reject 5.7.1 TLS 1.3 only"
EOF
"$BIN" check -c /etc/tlspolicyd/tlspolicyd.yaml >/dev/null || exit 1
start_daemon 1
log "Postfix $(postconf -h mail_version) (postscreen on 25, smtpd chrooted) and tlspolicyd are up"

# ---------------------------------------------------------------- scenarios
# scenarios R LOG: every scenario, each sender's local part ending in R, Postfix
# logging to LOG.
scenarios() {
  local r=$1 plog=$2 id
  local auth=(--auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw)
  send plain-partner$r 25 plain-partner$r@partner-bank.example rcpt@example.test
  send tls13-partner$r 25 tls13-partner$r@partner-bank.example rcpt@example.test --tls
  send tls12-partner$r 25 tls12-partner$r@partner-bank.example rcpt@example.test --tls --tls-protocol tlsv1_2 \
    --tls-cipher ECDHE-RSA-AES256-GCM-SHA384
  send rsa-partner$r 25 rsa-partner$r@partner-bank.example rcpt@example.test --tls --tls-protocol tlsv1_2 \
    --tls-cipher AES256-GCM-SHA384
  send multi$r 25 multi$r@example.org a@example.test,counsel@legal.example.test,b@example.test
  send multi-first$r 25 multi-first$r@example.org counsel@legal.example.test,c@example.test
  send pipelined$r 25 pipelined$r@example.org d@example.test,e@example.test --tls --pipeline
  send null-sender$r 25 '<>' f$r@example.test --tls
  send auth-plain$r $PORT_AUTH auth-plain$r@example.org g@example.test "${auth[@]}"
  send auth-tls$r $PORT_AUTH auth-tls$r@example.org h@example.test --tls "${auth[@]}"
  send submission$r 587 submission$r@example.org i@example.test --tls "${auth[@]}"
  send submission-old$r 587 submission-old$r@example.org j@example.test --tls --tls-protocol tlsv1_1 \
    --tls-cipher 'DEFAULT:@SECLEVEL=0' "${auth[@]}"
  send submissions$r 465 submissions$r@example.org k@example.test --tls-on-connect "${auth[@]}"
  send relay-denied$r 25 relay-denied$r@example.org someone@elsewhere.example
  send bounced$r 25 bounced$r@example.org x@bounce.example.test --tls
  send deferred$r 25 deferred$r@example.org y@defer.example.test --tls
  send warned$r 25 warned$r@warn.example l@example.test
  send no-cipher$r 25 no-cipher$r@example.org m@example.test --tls --tls-protocol tlsv1_2 \
    --tls-cipher 'NULL-SHA:@SECLEVEL=0'
  # IPv6 (swaks on Debian 12 lacks IO::Socket::INET6).
  R=$r python3 - > "$OUT/t/ipv6$r" 2>&1 <<'EOF'
import os, smtplib, ssl
r = os.environ["R"]
s = smtplib.SMTP("::1", 25, local_hostname="client.example.org")
s.starttls(context=ssl._create_unverified_context())
s.ehlo()
print(s.sendmail("ipv6%s@example.org" % r, ["n@example.test"], "Subject: v6\r\n\r\nv6\r\n"))
s.quit()
EOF
  # Two messages in one session, the second from the partner without TLS (refused).
  R=$r python3 - > "$OUT/t/two-messages$r" 2>&1 <<'EOF'
import os, smtplib
r = os.environ["R"]
s = smtplib.SMTP("127.0.0.1", 25, local_hostname="client.example.org")
s.ehlo()
print(s.sendmail("first%s@example.org" % r, ["o@example.test"], "Subject: one\r\n\r\none\r\n"))
try:
    s.sendmail("second%s@partner-bank.example" % r, ["p@example.test"], "Subject: two\r\n\r\ntwo\r\n")
except smtplib.SMTPRecipientsRefused as e:
    print("refused", e)
s.quit()
EOF
  # Every accepted message has its delivery line (the deferral: its first attempt).
  for id in tls13-partner tls12-partner multi multi-first pipelined null-sender auth-tls submission submissions \
            bounced deferred warned; do
    grep -q ' 250 2.0.0 Ok: queued as' "$OUT/t/$id$r" || problems+=("$id$r was not queued")
  done
  grep -q "^{}" "$OUT/t/ipv6$r" || problems+=("the IPv6 message was not accepted: $(cat "$OUT/t/ipv6$r")")
  wait_for "$plog" "deferred$r@example.org" 60 || problems+=("deferred$r is not in $plog")
  for _ in $(seq 600); do
    [ "$(grep -c 'status=' "$plog")" -ge "$3" ] && break
    sleep 0.1
  done
  grep -q "SSL_accept error" "$plog" || problems+=("the failed handshake is not in $plog")
  verdict "scenarios$r"
}

# Round 1: Postfix logs to syslog (the journal).
scenarios -1 "$SYSLOG" 16
# Round 2: Postfix logs to its own file.
stop_postfix
postconf -e "maillog_file = $MAILLOG"
start_postfix "$MAILLOG"
scenarios -2 "$MAILLOG" 16
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
stop_postfix
cp "$MAILLOG" "$OUT/postfix.log"
cp "$JOURNAL" "$OUT/journal.log"

# ----------------------------------------------------- simulate on the logs
# simulate_round ID LOG SUFFIX: simulate --json on LOG agrees with the daemon on
# every RCPT of the senders (or recipients) ending in SUFFIX.
simulate_round() {
  local rc=0
  "$BIN" simulate -c /etc/tlspolicyd/tlspolicyd.yaml --json "$2" > "$OUT/simulate-$1.json" 2> "$OUT/simulate-$1.err" ||
    rc=$?
  [ $rc -eq 0 ] || problems+=("simulate $2 exited $rc: $(cat "$OUT/simulate-$1.err")")
  python3 "$SRC/tests/e2e/simulate-check.py" "$OUT/simulate-$1.json" "$SYSLOG" "$3" > "$OUT/simulate-$1.check" ||
    problems+=("simulate disagrees with the daemon on $2: $(cat "$OUT/simulate-$1.check")")
  verdict "simulate-$1"
}
simulate_round journal "$JOURNAL" -1   # RFC 3339 stamps, the syslog of the whole machine
simulate_round maillog "$MAILLOG" -2   # Postfix's own log file, traditional stamps
gzip -c "$MAILLOG" > /tmp/postfix.log.1.gz
"$BIN" simulate -c /etc/tlspolicyd/tlspolicyd.yaml --json /tmp/postfix.log.1.gz > "$OUT/simulate-gzip.json" 2>&1
cmp -s "$OUT/simulate-gzip.json" "$OUT/simulate-maillog.json" || problems+=("simulate reads the gzipped log otherwise")
verdict simulate-gzip
# The text report names every rule that refused mail, with the peer.
"$BIN" simulate -c /etc/tlspolicyd/tlspolicyd.yaml "$MAILLOG" > "$OUT/simulate.txt" 2>&1
for rule in auth-needs-tls partner-senders submission-floor legal-recipients; do
  grep -q "^rule $rule (enforce): would refuse [1-9]" "$OUT/simulate.txt" || problems+=("the report does not name $rule")
done
grep -q "^rule warned-senders (warn): would warn about 1 recipient" "$OUT/simulate.txt" ||
  problems+=("the report does not name warned-senders")
grep -q "localhost\[127.0.0.1\]" "$OUT/simulate.txt" || problems+=("the report names no peer")
grep -q "^TLS handshakes that failed: 1 from 1 peer" "$OUT/simulate.txt" || problems+=("the failed handshake is not reported")
if grep -q "cannot be simulated" "$OUT/simulate.txt"; then problems+=("some RCPT could not be simulated"); fi
[ ${#problems[@]} -eq 0 ] || cat "$OUT/simulate.txt"
verdict simulate-report
# The README's snippet as pasted; journalctl stands in for the journal (the
# sandbox has none) with round 1's log as journalctl -o short-iso shows it.
mkdir -p /tmp/standin
printf '#!/bin/sh\nexec cat %s\n' "$JOURNAL" > /tmp/standin/journalctl
chmod 755 /tmp/standin/journalctl
ln -sf "$BIN" /tmp/standin/tlspolicyd
export PATH=/tmp/standin:$PATH
run_snippet simulate
grep -q "^rule partner-senders (enforce): would refuse [1-9]" /tmp/snippet-simulate.out ||
  problems+=("the simulate snippet: $(cat /tmp/snippet-simulate.out)")
verdict simulate-snippet

# ------------------------------------------- history learn, then the daemon
# Round 1's log learned by the README's snippet, then both logs, twice, as root
# into the default store in the state directory as the service's
# StateDirectory= makes it: the second run counts round 2 only, the third
# nothing; the store is the daemon user's; report counts each transaction once. Then the daemon on that store defers the partner bank's plaintext (4 TLS
# transactions learned) as a downgrade, through Postfix.
install -d -o tlspolicyd -g tlspolicyd -m 0700 /var/lib/tlspolicyd
cat > /etc/tlspolicyd/tlspolicyd.yaml <<EOF
user: tlspolicyd
$(snippet tlspolicyd-socket)
log: { decisions: all }
rules: []
downgrade: { mode: enforce }
EOF
sleep 11  # learn leaves a log's last 10 s to a running daemon: let them pass
run_snippet history-learn  # round 1's log, through the journalctl stand-in
cp /tmp/snippet-history-learn.out "$OUT/learn-1.txt"
for run in 2 3; do
  "$BIN" history learn -c /etc/tlspolicyd/tlspolicyd.yaml "$JOURNAL" "$MAILLOG" > "$OUT/learn-$run.txt" 2>&1 ||
    problems+=("history learn (run $run) exited $?: $(cat "$OUT/learn-$run.txt")")
done
learned() { sed -n 's/^learned \([0-9]*\) transaction.*/\1/p' "$OUT/learn-$1.txt"; }
[ "$(learned 1)" -gt 0 ] && [ "$(learned 2)" -gt 0 ] ||
  problems+=("a learn learned nothing: $(cat "$OUT/learn-1.txt" "$OUT/learn-2.txt")")
grep -q "^not learned: [1-9][0-9]* recipient(s) inside their key's stored time span" "$OUT/learn-2.txt" ||
  problems+=("the second learn did not skip round 1: $(cat "$OUT/learn-2.txt")")
grep -q "^learned 0 transaction(s) of 0 key(s)" "$OUT/learn-3.txt" ||
  problems+=("the third learn counted again: $(cat "$OUT/learn-3.txt")")
learned=$(( $(learned 1) + $(learned 2) ))
"$BIN" report -c /etc/tlspolicyd/tlspolicyd.yaml --json > "$OUT/report.json" 2>&1
reported=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["transactions"])' "$OUT/report.json")
[ "$reported" = "$learned" ] || problems+=("report counts $reported transactions, learn $learned")
"$BIN" history show -c /etc/tlspolicyd/tlspolicyd.yaml 'partner-bank.example|localhost' > "$OUT/partner.txt" 2>&1
grep -q "^TLS:          4$" "$OUT/partner.txt" || problems+=("the partner's record: $(cat "$OUT/partner.txt")")
[ "$(stat -c %U /var/lib/tlspolicyd/history/data.mdb)" = tlspolicyd ] || problems+=("the store is not tlspolicyd's")
verdict learn
start_daemon 2
start_postfix "$MAILLOG"
send downgrade 25 downgrade@partner-bank.example rcpt@example.test
replied downgrade "4.7.0 <rcpt@example.test>: Recipient address rejected: Possible TLS downgrade: localhost[127.0.0.1]"
not_queued downgrade
daemon_logged "downgrade=detected" "key=partner-bank.example|localhost"
verdict learn-downgrade
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
stop_postfix
summary
