#!/bin/bash
# e2e.sh: tlspolicyd inside a real Postfix configured as Debian 12 ships it,
# driven by swaks.
#
# Usage: tests/e2e/e2e.sh PATH/TO/tlspolicyd
#
# Everything happens in a throwaway copy of this machine (tests/sandbox/sandbox.sh:
# nothing on the machine changes, every process started dies with the test):
# Postfix is reconfigured as debconf's "Internet Site" makes it (Debian's
# main.cf with the snakeoil certificate; Debian's master.cf, smtpd chrooted in
# /var/spool/postfix) and started as postfix@-.service does; the README's
# snippets ("Deploying with Postfix") are applied to it as written, with
# postconf -e, paths and ports unchanged; the freshly built daemon runs as the
# service unit runs it (user and group tlspolicyd, the shipped configuration's
# socket /var/spool/postfix/tlspolicyd/policy.sock, logging to syslog), with the
# scenarios' rules. The lab adds only what the scenarios need: relay domains
# delivered to a sink directory, Cyrus SASL with a sasldb, and three smtpd
# listeners on 127.0.0.1 (AUTH without TLS; the policy over TCP; the policy
# without default_action).
#
# Each scenario checks the SMTP reply the client saw, whether the message
# reached the sink (or, for a hold answer, the hold queue; for a redirect, the
# quarantine address), and the log lines of the daemon or of Postfix (from the
# machine's syslog, as journalctl would show them); a failing one prints the
# transcript and the log. The scenarios run with smtpd chrooted (Debian's
# default), then again with chroot n; Postfix must never log a policy
# connection warning until the daemon is stopped on purpose. E2E_KEEP=1 keeps
# the transcripts and logs in a directory it names.
# Needs root. Exit 0 all passed, 1 a scenario failed, 77 skipped (not root).
set -uo pipefail

if [ "${1:-}" != --inside ]; then
  BIN=$(readlink -f "${1:?usage: e2e.sh PATH/TO/tlspolicyd}")
  SRC=$(cd "$(dirname "$0")/../.." && pwd)
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e: skipped: needs root to run Postfix in a sandbox" >&2
    exit 77
  fi
  . "$SRC/scripts/deps.sh"
  install_missing "${TLSPOLICYD_E2E_DEPS[@]}"
  OUT=$(mktemp -d /tmp/tlspolicyd-e2e.XXXXXX)
  "$SRC/tests/sandbox/sandbox.sh" --bind "$(dirname "$BIN")" "$OUT" "$SRC/tests/e2e/e2e.sh" --inside "$BIN" "$SRC"
  rc=$?
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "e2e: kept $OUT"; else rm -rf "$OUT"; fi
  exit $rc
fi

# ------------------------------------------------------------------ inside
BIN=$2
SRC=$3
OUT=/sandbox-out
E2E_NAME=e2e
. "$SRC/tests/e2e/lib.sh"
SINK=/var/lib/lab-sink
PORT_AUTH=2525     # AUTH offered without TLS (the policy's auth-needs-tls is the only guard)
PORT_INET=2526     # the policy over loopback TCP
PORT_CLOSED=2527   # the policy without default_action: fail closed
PORT_SLOW=2528     # the policy with a 1 s timeout, for a daemon that hangs
PORT_SPAWN=2529    # the policy as a spawn(8) service (README "Without a daemon")

start_syslog "$OUT/journal.log"   # also as journalctl shows it: the log filters read it
debian_internet_site

daemon_user

# ------------------------------------------------------------ the lab's part
mkdir -p "$SINK" && chmod 1777 "$SINK"
lab_sasl

postconf -e 'relay_domains = example.test, legal.example.test, quarantine.example.test, hold.example.test' \
  'relay_transport = sink' \
  'default_transport = error' 'smtpd_tls_loglevel = 1' 'smtpd_policy_service_retry_delay = 1s' \
  "lab_policy_inet = $(snippet policy-inet)" \
  'lab_policy_closed = check_policy_service { unix:tlspolicyd/policy.sock, timeout=5s }' \
  'lab_policy_slow = check_policy_service { unix:tlspolicyd/policy.sock, timeout=1s, default_action=DUNNO }' \
  "lab_policy_spawn = $(snippet policy-spawn)"
cat >> /etc/postfix/master.cf <<EOF
# --- the lab's listeners and sink
127.0.0.1:$PORT_AUTH inet n - y - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
127.0.0.1:$PORT_INET inet n - y - - smtpd
  -o smtpd_recipient_restrictions=\$lab_policy_inet
127.0.0.1:$PORT_CLOSED inet n - y - - smtpd
  -o smtpd_recipient_restrictions=\$lab_policy_closed
127.0.0.1:$PORT_SLOW inet n - y - - smtpd
  -o smtpd_recipient_restrictions=\$lab_policy_slow
127.0.0.1:$PORT_SPAWN inet n - y - - smtpd
  -o smtpd_recipient_restrictions=\$lab_policy_spawn
sink unix - n n - - pipe
  flags= user=nobody argv=/bin/dd of=$SINK/\${queue_id} status=none
EOF

# ------------------------------------------------- the README, as written
run_snippet postconf-tls
run_snippet postconf-submission
snippet spawn | sed "s|/usr/sbin/tlspolicyd|$BIN|" > /tmp/spawn.sh
bash -e /tmp/spawn.sh > "$OUT/spawn.log" 2>&1 || { log "README snippet spawn failed:"; cat "$OUT/spawn.log"; exit 1; }
echo "# --- README snippet master-cf-submission" >> /etc/postfix/master.cf
snippet master-cf-submission >> /etc/postfix/master.cf
postfix check > "$OUT/postfix-check.log" 2>&1 || { log "postfix check:"; cat "$OUT/postfix-check.log"; exit 1; }
start_postfix
# With Postfix running, as an administrator would add it (it ends with postfix reload).
run_snippet postconf-policy

# The daemon: the README's socket settings, the scenarios' rules.
write_config() {  # $1: the mode of partner-senders
  cat > /etc/tlspolicyd/tlspolicyd.yaml <<EOF
$(snippet tlspolicyd-socket | sed "/^  - unix:/a\\  - inet:127.0.0.1:10040")
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
  - name: quarantine-plaintext
    match: { recipient_domain: quarantine.example.test }
    require: { tls: true }
    action: "redirect quarantine@example.test"
  - name: hold-plaintext
    match: { recipient_domain: hold.example.test }
    require: { tls: true }
    action: "hold plaintext to \${recipient_domain} held for review"
  - name: idn-a-label-entry
    match: { sender_domain: [xn--bcher-kva.example] }
    require: { tls: true }
    action: "reject 5.7.1 Mail from this IDN domain requires TLS"
  - name: idn-u-label-entry
    match: { sender_domain: [Müller.example] }
    require: { tls: true }
    action: "reject 5.7.1 Mail from this other IDN domain requires TLS"
EOF
}
mkdir -p /etc/tlspolicyd
write_config enforce
"$BIN" check -c /etc/tlspolicyd/tlspolicyd.yaml >/dev/null || exit 1
start_daemon 1
sock=/var/spool/postfix/tlspolicyd/policy.sock
[ "$(stat -c '%U:%G %a' "$sock")" = "tlspolicyd:tlspolicyd 660" ] || { log "socket: $(stat -c '%U:%G %a' "$sock")"; exit 1; }
log "Postfix $(postconf -h mail_version) (Debian's configuration, smtpd chrooted) and tlspolicyd are up"

# ---------------------------------------------------------------- scenarios
partner=partner-bank.example
reject_text="Recipient address rejected: Mail from $partner requires TLS 1.2+ with a strong cipher"

# partner_scenarios SUFFIX: the partner rule over plaintext, TLS 1.3 and TLS 1.2 on port 25.
partner_scenarios() {
  local s=$1
  send plain-partner$s 25 plain-partner$s@$partner rcpt@example.test
  replied plain-partner$s "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
  not_queued plain-partner$s
  daemon_logged "from=<plain-partner$s@$partner>" 'action=reject rule=partner-senders mode=enforce reason="no TLS"'
  verdict plain-partner$s

  send tls13-partner$s 25 tls13-partner$s@$partner rcpt@example.test --tls --tls-protocol tlsv1_3
  replied tls13-partner$s "250 2.1.5 Ok"
  queued tls13-partner$s
  delivered tls13-partner$s
  daemon_logged "from=<tls13-partner$s@$partner>" "action=dunno rule=default mode=- reason=-"
  daemon_logged "from=<tls13-partner$s@$partner>" "protocol=TLSv1.3"
  verdict tls13-partner$s

  send tls12-partner$s 25 tls12-partner$s@$partner rcpt@example.test --tls --tls-protocol tlsv1_2 \
    --tls-cipher ECDHE-RSA-AES256-GCM-SHA384
  queued tls12-partner$s
  delivered tls12-partner$s
  daemon_logged "from=<tls12-partner$s@$partner>" "protocol=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384"
  verdict tls12-partner$s
}
partner_scenarios ""
# Those were answered by smtpd processes that really run chrooted.
chrooted=0
for pid in $(pgrep -x smtpd); do
  [ "$(readlink "/proc/$pid/root")" = /var/spool/postfix ] && chrooted=$((chrooted + 1))
done
[ $chrooted -gt 0 ] || problems+=("no smtpd process runs chrooted in /var/spool/postfix")
verdict smtpd-chrooted

send tls10-partner 25 tls10-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0'
replied tls10-partner "554 5.7.1 <rcpt@example.test>: $reject_text (protocol TLSv1 < TLSv1.2)"
not_queued tls10-partner
daemon_logged "from=<tls10-partner@$partner>" 'rule=partner-senders mode=enforce reason="protocol TLSv1 < TLSv1.2"'
verdict tls10-partner

send tls11-partner 25 tls11-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0'
replied tls11-partner "554 5.7.1 <rcpt@example.test>: $reject_text (protocol TLSv1.1 < TLSv1.2)"
not_queued tls11-partner
verdict tls11-partner

send cbc-partner 25 cbc-partner@$partner rcpt@example.test --tls --tls-protocol tlsv1_2 --tls-cipher AES128-SHA
replied cbc-partner "554 5.7.1 <rcpt@example.test>: $reject_text (cipher AES128-SHA without forward secrecy)"
not_queued cbc-partner
daemon_logged "from=<cbc-partner@$partner>" 'reason="cipher AES128-SHA without forward secrecy"'
verdict cbc-partner

send auth-plain $PORT_AUTH auth-plain@example.org rcpt@example.test \
  --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
replied auth-plain "235 2.7.0 Authentication successful"
replied auth-plain "530 5.7.0 <rcpt@example.test>: Recipient address rejected: Authentication requires a TLS connection"
not_queued auth-plain
daemon_logged "from=<auth-plain@example.org>" 'action=530 rule=auth-needs-tls mode=enforce reason="no TLS"'
# The refusal names the account, and one grep finds both sides of the story
# (Postfix's NOQUEUE line and tlspolicyd's answer line).
daemon_logged "from=<auth-plain@example.org>" "sasl_method=PLAIN sasl_username=testuser@mx.sandbox.example port=$PORT_AUTH"
[ "$(grep -F 'from=<auth-plain@example.org> to=<rcpt@example.test>' "$SYSLOG" | grep -c -e 'postfix/smtpd\[' -e 'tlspolicyd\[')" -ge 2 ] &&
  grep -F 'from=<auth-plain@example.org> to=<rcpt@example.test>' "$SYSLOG" | grep -qF 'NOQUEUE: reject: RCPT' ||
  problems+=("grep 'from=<auth-plain@example.org> to=<rcpt@example.test>' does not find Postfix's and tlspolicyd's lines")
verdict auth-plain

send auth-tls $PORT_AUTH auth-tls@example.org rcpt@example.test --tls \
  --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
queued auth-tls
delivered auth-tls
verdict auth-tls

send implicit-tls 465 implicit-tls@example.org rcpt@example.test --tls-on-connect \
  --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
queued implicit-tls
delivered implicit-tls
daemon_logged "from=<implicit-tls@example.org>" "protocol=TLSv1.3"
verdict implicit-tls

send submission-old 587 submission-old@example.org rcpt@example.test --tls --tls-protocol tlsv1_1 \
  --tls-cipher 'DEFAULT:@SECLEVEL=0' --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
replied submission-old "554 5.7.1 <rcpt@example.test>: Recipient address rejected: Mail submission requires TLS 1.2 or newer"
not_queued submission-old
daemon_logged "from=<submission-old@example.org>" 'rule=submission-floor mode=enforce reason="protocol TLSv1.1 < TLSv1.2"'
verdict submission-old

send submission-new 587 submission-new@example.org rcpt@example.test --tls \
  --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
queued submission-new
delivered submission-new
verdict submission-new

send legal-plain 25 legal-plain@example.org counsel@legal.example.test
replied legal-plain "550 5.7.1 <counsel@legal.example.test>: Recipient address rejected: legal.example.test accepts mail only over TLS"
not_queued legal-plain
daemon_logged "from=<legal-plain@example.org>" "rule=legal-recipients mode=enforce"
verdict legal-plain

send legal-tls 25 legal-tls@example.org counsel@legal.example.test --tls
queued legal-tls
delivered legal-tls
verdict legal-tls

# International domains: Postfix passes a UTF-8 sender as sent with SMTPUTF8
# (swaks cannot say SMTPUTF8: Python's smtplib does); it matches its A-label
# entry, and an A-label sender matches a U-label entry.
mkdir -p "$OUT/t"
python3 - > "$OUT/t/idn-utf8" 2>&1 <<'PY'
import smtplib
s = smtplib.SMTP("127.0.0.1", 25, local_hostname="client.example.org", timeout=30)
s.ehlo()
print("<- SMTPUTF8 offered" if s.has_extn("smtputf8") else "<- no SMTPUTF8")
for reply in (s.mail("idn-utf8@bücher.example", ["SMTPUTF8"]), s.rcpt("rcpt@example.test")):
    print("<- %d %s" % (reply[0], reply[1].decode("utf-8", "replace")))
s.quit()
PY
replied idn-utf8 "SMTPUTF8 offered"
replied idn-utf8 "554 5.7.1 <rcpt@example.test>: Recipient address rejected: Mail from this IDN domain requires TLS"
daemon_logged 'from="<idn-utf8@b\xc3\xbccher.example>"' "action=reject rule=idn-a-label-entry mode=enforce"
verdict idn-utf8

send idn-a-label 25 idn-a-label@xn--mller-kva.example rcpt@example.test
replied idn-a-label "554 5.7.1 <rcpt@example.test>: Recipient address rejected: Mail from this other IDN domain requires TLS"
not_queued idn-a-label
daemon_logged "from=<idn-a-label@xn--mller-kva.example>" "action=reject rule=idn-u-label-entry mode=enforce"
verdict idn-a-label

send warned 25 warned@warn.example rcpt@example.test
queued warned
delivered warned
postfix_logged 'warn: RCPT from localhost[127.0.0.1]: tlspolicyd rule "warned-senders" would answer: REJECT 5.7.1 TLS 1.2 is required from warn.example'
daemon_logged "from=<warned@warn.example>" 'action=warn rule=warned-senders mode=warn would=reject reason="no TLS"'
verdict warned

# A redirect and a hold, as a compliance team might answer plaintext: Postfix
# does what they say (the message goes to the quarantine mailbox; it waits in
# the hold queue).
send redirected 25 redirected@example.org counsel@quarantine.example.test
queued redirected
delivered redirected
postfix_logged "redirect: RCPT from localhost[127.0.0.1]: <counsel@quarantine.example.test>"
logged "$SYSLOG" "to=<quarantine@example.test>" "status=sent"
daemon_logged "from=<redirected@example.org>" "action=redirect rule=quarantine-plaintext"
verdict redirected

send held 25 held@example.org counsel@hold.example.test
queued held
postfix_logged "hold: RCPT from localhost[127.0.0.1]: <counsel@hold.example.test>"
for _ in $(seq 100); do postqueue -j | grep -q '"queue_name": *"hold".*"sender": *"held@example.org"' && break; sleep 0.1; done
postqueue -j | grep -q '"queue_name": *"hold".*"sender": *"held@example.org"' ||
  problems+=("the message is not in the hold queue: $(postqueue -j)")
daemon_logged "from=<held@example.org>" "action=hold rule=hold-plaintext"
verdict held

send inet-partner $PORT_INET inet-partner@$partner rcpt@example.test
replied inet-partner "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
not_queued inet-partner
daemon_logged "from=<inet-partner@$partner>" "rule=partner-senders"
verdict inet-partner

# The same rules through Postfix's spawn(8): one tlspolicyd --stdio per connection.
send spawn-partner $PORT_SPAWN spawn-partner@$partner rcpt@example.test
replied spawn-partner "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
not_queued spawn-partner
send spawn-tls $PORT_SPAWN spawn-tls@$partner rcpt@example.test --tls
queued spawn-tls
delivered spawn-tls
daemon_logged "from=<spawn-tls@$partner>" "protocol=TLSv1.3"
if grep "tlspolicyd\[" "$SYSLOG" | grep -v "tlspolicyd\[$DAEMON_PID\]" | grep -q "ready:\|error\|cannot"; then
  problems+=("a spawned tlspolicyd logged a start-up line or an error")
fi
verdict spawn

# A deliberately wrong rule must make the checks fail: partner-senders observes
# instead of enforcing, so plaintext partner mail is accepted.
write_config observe
kill -HUP "$DAEMON_PID"
wait_for "$SYSLOG" "configuration generation 2 loaded" || problems+=("the reload was not logged")
send wrong-rule 25 wrong-rule@$partner rcpt@example.test
replied wrong-rule "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
if [ ${#problems[@]} -gt 0 ] && grep -q 'queued as' "$OUT/t/wrong-rule"; then
  problems=()
  PASSED=$((PASSED + 1)); log "ok   wrong-rule (a wrong rule is caught: the check failed as it must)"
else
  problems+=("a rule in observe mode still rejected, or the check did not notice")
  verdict wrong-rule
fi
write_config enforce
kill -HUP "$DAEMON_PID"
wait_for "$SYSLOG" "configuration generation 3 loaded"

# The same with smtpd not chrooted: the relative socket path is the same file.
for svc in smtp/inet 127.0.0.1:$PORT_AUTH/inet 127.0.0.1:$PORT_INET/inet 127.0.0.1:$PORT_CLOSED/inet \
           127.0.0.1:$PORT_SLOW/inet submission/inet submissions/inet; do
  postconf -F "$svc/chroot=n"
done
reload_postfix
partner_scenarios -nochroot
answered=0
for pid in $(pgrep -x smtpd); do  # the processes that answered: new ones, not chrooted
  grep -q "smtpd\[$pid\]: .*plain-partner-nochroot" "$SYSLOG" || continue
  answered=$((answered + 1))
  [ "$(readlink "/proc/$pid/root")" = / ] || problems+=("smtpd $pid still runs chrooted")
done
[ $answered -gt 0 ] || problems+=("no running smtpd answered plain-partner-nochroot")
verdict smtpd-not-chrooted
send submission-nochroot 587 submission-nochroot@example.org rcpt@example.test --tls \
  --auth PLAIN --auth-user testuser@mx.sandbox.example --auth-password lab-secret-pw
queued submission-nochroot
delivered submission-nochroot
verdict submission-nochroot

no_policy_warnings
verdict no-policy-warnings

# doctor_says ID TEXT: tlspolicyd doctor (the lab's own findings aside) names the case.
doctor_says() {
  "$BIN" doctor -c /etc/tlspolicyd/tlspolicyd.yaml > "$OUT/doctor-$1.txt" 2>&1
  grep -qF -- "$2" "$OUT/doctor-$1.txt" || problems+=("doctor did not say: $2 ($(tr '\n' ' ' < "$OUT/doctor-$1.txt"))")
}

# What README's "Troubleshooting" quotes, from the real Postfix. The postfix user
# out of group tlspolicyd: Permission denied, mail flows (DUNNO), doctor says why.
gpasswd -d postfix tlspolicyd >/dev/null
reload_postfix
send denied 25 denied@$partner rcpt@example.test
queued denied
postfix_logged "warning: connect to tlspolicyd/policy.sock: Permission denied"
postfix_logged "warning: problem talking to server tlspolicyd/policy.sock: Permission denied"
doctor_says denied "fix: adduser postfix tlspolicyd, then postfix reload"
verdict denied
adduser postfix tlspolicyd >/dev/null
reload_postfix

# A daemon that hangs: the timeout, then the default action.
kill -STOP "$DAEMON_PID"
send hung $PORT_SLOW hung@$partner rcpt@example.test
queued hung
postfix_logged "warning: problem talking to server tlspolicyd/policy.sock: Connection timed out"
doctor_says hung "but did not answer a test request within 3 s"
kill -CONT "$DAEMON_PID"
verdict hung

# A daemon that died: its socket file is left, Postfix gets Connection refused;
# started again, the daemon replaces the dead socket and answers.
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
send died 25 died@$partner rcpt@example.test
queued died
postfix_logged "warning: connect to tlspolicyd/policy.sock: Connection refused"
doctor_says died "error: nothing accepts connections on unix:/var/spool/postfix/tlspolicyd/policy.sock"
start_daemon 2
send restarted 25 restarted@$partner rcpt@example.test
replied restarted "554 5.7.1 <rcpt@example.test>: $reject_text (no TLS)"
verdict died-and-restarted

# The daemon goes away: default_action=DUNNO lets mail flow, without it 451 4.3.5.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
[ $rc -eq 0 ] || problems+=("tlspolicyd exited with $rc on SIGTERM")
# A sanitizer build (./scripts/test.sh, second pass) reports what it finds on stderr.
if grep -q "Sanitizer\|runtime error:" "$OUT/tlspolicyd.stderr"; then
  problems+=("a sanitizer report from the daemon"); cat "$OUT/tlspolicyd.stderr"
fi
send stopped-open 25 stopped-open@$partner rcpt@example.test
queued stopped-open
delivered stopped-open
postfix_logged "warning: connect to tlspolicyd/policy.sock: No such file or directory"
postfix_logged "warning: problem talking to server tlspolicyd/policy.sock"
doctor_says stopped "error: nothing listens on unix:/var/spool/postfix/tlspolicyd/policy.sock"
verdict stopped-open

send stopped-closed $PORT_CLOSED stopped-closed@example.org rcpt@example.test
replied stopped-closed "451 4.3.5 <rcpt@example.test>: Recipient address rejected: Server configuration problem"
not_queued stopped-closed
postfix_logged "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 451 4.3.5 <rcpt@example.test>: Recipient address rejected: Server configuration problem"
verdict stopped-closed

# The example fail2ban filter and logcheck rule (conf/examples/) on this run's
# real lines: they match exactly the enforce refusals.
python3 "$SRC/tests/logs/check-filters.py" "$OUT/journal.log" 10 > "$OUT/check-filters.txt" 2>&1 ||
  problems+=("$(cat "$OUT/check-filters.txt")")
verdict log-filters

stop_postfix
summary
