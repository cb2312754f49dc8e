# shellcheck shell=bash
# lib.sh: what the end-to-end tests share (sourced inside tests/sandbox/sandbox.sh,
# as root, with SRC the source tree and OUT the directory kept for a look).
#
# A Debian 12 mail server as debconf makes it: Postfix reconfigured as
# "Internet Site" (Debian's main.cf with the snakeoil certificate and
# smtpd_tls_security_level = may, Debian's master.cf with smtpd chrooted in
# /var/spool/postfix), started as Debian's postfix@-.service does
# (configure-instance.sh, then postmulti), logging to /dev/log, where a stand-in
# for journald (syslog-sink.py) writes every line to $SYSLOG. On top of it the
# scenarios' checks: an SMTP transaction with swaks, and what the client saw,
# whether the message arrived, and what Postfix and tlspolicyd logged.

README="$SRC/README.md"
SYSLOG=/var/log/sandbox-syslog   # every syslog line of the machine, as `journalctl` would show them
FAILED=()
PASSED=0
problems=()

log() { echo "${E2E_NAME:-e2e}: $*"; }

# The fenced code block after "<!-- snippet: NAME -->" in README.md.
snippet() {
  local text
  text=$(awk -v name="$1" '
    $0 == "<!-- snippet: " name " -->" { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' "$README")
  [ -n "$text" ] || { log "README.md has no snippet \"$1\""; exit 1; }
  printf '%s\n' "$text"
}

# Runs README snippet NAME as a shell script, as a postmaster would paste it;
# waits for the reload when it reloads Postfix.
run_snippet() {
  local n
  n=$(reloads)
  snippet "$1" > "/tmp/snippet-$1.sh"
  bash -e "/tmp/snippet-$1.sh" > "/tmp/snippet-$1.out" 2>&1 || {
    log "README snippet \"$1\" failed:"; cat "/tmp/snippet-$1.out"; exit 1
  }
  if grep -q "postfix reload" "/tmp/snippet-$1.sh"; then wait_reloads $((n + 1)); fi
}

wait_for() {  # FILE TEXT [SECONDS]: wait until FILE contains TEXT (a guard, not a timing)
  local deadline=$((SECONDS + ${3:-30}))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

# The machine's system log (journald's stand-in) on /dev/log. [JOURNAL]: a file
# where it also writes each line as `journalctl -o short-iso-precise` shows it.
start_syslog() {
  python3 "$SRC/tests/e2e/syslog-sink.py" ${1:+--journal "$1"} "$SYSLOG" /dev/log &
  for _ in $(seq 100); do [ -S /dev/log ] && return; sleep 0.05; done
  log "the syslog stand-in did not start"; exit 1
}

# The daemon's user, group and socket directory, as the package makes them.
daemon_user() {
  adduser --system --group --no-create-home --home /nonexistent tlspolicyd >/dev/null
  adduser postfix tlspolicyd >/dev/null
  install -d -o root -g tlspolicyd -m 1770 /var/spool/postfix/tlspolicyd
}

# start_daemon N: as tlspolicyd.service starts it (User=tlspolicyd,
# Group=tlspolicyd and that user's groups, syslog), the Nth time; stderr is
# kept for sanitizer reports.
start_daemon() {
  setpriv --reuid=tlspolicyd --regid=tlspolicyd --init-groups -- \
    "$BIN" serve -c /etc/tlspolicyd/tlspolicyd.yaml 2>> "$OUT/tlspolicyd.stderr" &
  DAEMON_PID=$!
  for _ in $(seq 300); do
    [ "$(grep -c "tlspolicyd\[.*ready: configuration generation 1 " "$SYSLOG")" -ge "$1" ] && return
    sleep 0.1
  done
  log "tlspolicyd did not start"; cat "$OUT/tlspolicyd.stderr"; tail "$SYSLOG"; exit 1
}

# Postfix as the "Internet Site" answer of debconf configures it.
debian_internet_site() {
  echo "127.0.1.1 mx.sandbox.example mx" >> /etc/hosts
  echo mx.sandbox.example > /etc/hostname
  echo mx.sandbox.example > /etc/mailname
  if [ ! -f /etc/ssl/private/ssl-cert-snakeoil.key ]; then  # ssl-cert's postinst does this on a real install
    DEBIAN_FRONTEND=noninteractive make-ssl-cert generate-default-snakeoil --force-overwrite >/dev/null 2>&1
  fi
  debconf-set-selections <<EOF
postfix postfix/main_mailer_type select Internet Site
postfix postfix/mailname string mx.sandbox.example
EOF
  rm -f /etc/postfix/main.cf
  DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive postfix > "$OUT/dpkg-reconfigure.log" 2>&1 ||
    { log "dpkg-reconfigure postfix failed"; cat "$OUT/dpkg-reconfigure.log"; exit 1; }
  [ "$(postconf -h smtpd_tls_security_level)" = may ] || { log "Debian's main.cf has no TLS"; exit 1; }
  postconf -F smtp/inet/chroot | grep -q '= y$' || { log "Debian's master.cf does not chroot smtpd"; exit 1; }
}

# Cyrus SASL as Debian's smtpd reads it: the configuration before the chroot,
# the sasldb inside it (/etc/sasldb2 from the chroot's point of view); one user,
# testuser@mx.sandbox.example with password lab-secret-pw.
lab_sasl() {
  mkdir -p /etc/postfix/sasl /var/spool/postfix/etc
  cat > /etc/postfix/sasl/smtpd.conf <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: /etc/sasldb2
mech_list: PLAIN LOGIN
EOF
  echo "lab-secret-pw" | saslpasswd2 -p -c -f /etc/sasldb2 -u mx.sandbox.example testuser
  chown root:postfix /etc/sasldb2 && chmod 0640 /etc/sasldb2 && cp -p /etc/sasldb2 /var/spool/postfix/etc/sasldb2
  postconf -e 'smtpd_sasl_type = cyrus' 'smtpd_sasl_path = smtpd' 'cyrus_sasl_config_path = /etc/postfix/sasl'
}

# As postfix@-.service: ExecStartPre, then ExecStart. [LOG]: where Postfix logs
# (its maillog_file), if not to syslog.
start_postfix() {
  /usr/lib/postfix/configure-instance.sh - > "$OUT/postfix-start.log" 2>&1 &&
    postmulti -i - -p start >> "$OUT/postfix-start.log" 2>&1 ||
    { log "Postfix would not start:"; cat "$OUT/postfix-start.log"; tail -20 "$SYSLOG"; exit 1; }
  wait_for "${1:-$SYSLOG}" "daemon started" || { log "Postfix's master did not start"; exit 1; }
  wait_port 25
}
# Postfix's master logs each reload; new smtpd processes have the new settings.
reloads() { grep -c "postfix/master.*reload -- version" "$SYSLOG"; }
wait_reloads() {  # N: until the master has logged N reloads
  for _ in $(seq 300); do [ "$(reloads)" -ge "$1" ] && return; sleep 0.1; done
  log "Postfix did not reload"; exit 1
}
reload_postfix() {
  local n
  n=$(reloads)
  /usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1
  postmulti -i - -p reload >/dev/null 2>&1
  wait_reloads $((n + 1))
}
stop_postfix() { postmulti -i - -p stop >/dev/null 2>&1 || true; }

wait_port() {
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done
  log "nothing listens on port $1"; exit 1
}

# send ID PORT FROM TO [swaks options]: one message; the transcript goes to $OUT/t/ID.
send() {
  local id=$1 port=$2 from=$3 to=$4
  shift 4
  mkdir -p "$OUT/t"
  swaks --server 127.0.0.1 --port "$port" --ehlo client.example.org --from "$from" --to "$to" \
    --add-header "X-E2E-Id: $id" --body "e2e $id" --timeout 30 "$@" > "$OUT/t/$id" 2>&1
  echo $? > "$OUT/t/$id.rc"
}

# Checks; each records a reason on failure.
# replied ID TEXT: the server sent a reply line with TEXT (swaks marks replies
# "<-", "<~" over TLS, "<**" or "<~*" for errors).
replied()    { grep '^<' "$OUT/t/$1" | grep -qF -- "$2" || problems+=("the client did not get the reply: $2"); }
queued()     { grep -q ' 250 2.0.0 Ok: queued as' "$OUT/t/$1" || problems+=("the message was not queued"); }
not_queued() { ! grep -q 'queued as' "$OUT/t/$1" || problems+=("the message was queued"); }
delivered() {  # the queue manager delivers asynchronously: wait (30 s at most)
  for _ in $(seq 300); do grep -qs "X-E2E-Id: $1" "$SINK"/* && return; sleep 0.1; done
  problems+=("the message did not reach the sink")
}
# logged FILE TEXT1 TEXT2: a line of FILE with both texts (30 s at most)
logged() {
  for _ in $(seq 300); do grep -F -- "$2" "$1" | grep -qF -- "$3" && return; sleep 0.1; done
  problems+=("no line in $(basename "$1") with: $2 ... $3")
}
daemon_logged() {  # a line of tlspolicyd's with both texts (30 s at most)
  for _ in $(seq 300); do grep -F "tlspolicyd[" "$SYSLOG" | grep -F -- "$1" | grep -qF -- "$2" && return; sleep 0.1; done
  problems+=("no tlspolicyd log line with: $1 ... $2")
}
postfix_logged() { wait_for "$SYSLOG" "$1" 30 || problems+=("no Postfix log line with: $1"); }
# no_policy_warnings: Postfix never failed to reach the policy server.
no_policy_warnings() {
  if grep -E "postfix/.*warning: .*(connect to .*tlspolicyd|problem talking to server|policy)" "$SYSLOG"; then
    problems+=("Postfix logged policy warnings (above)")
  fi
}

# verdict ID: reports the scenario, with the evidence when it failed.
verdict() {
  local id=$1
  if [ ${#problems[@]} -eq 0 ]; then
    PASSED=$((PASSED + 1)); log "ok   $id"; return 0
  fi
  FAILED+=("$id")
  log "FAIL $id"
  printf '  - %s\n' "${problems[@]}"
  if [ -f "$OUT/t/$id" ]; then
    echo "  --- SMTP transcript (swaks exit $(cat "$OUT/t/$id.rc"))"; sed 's/^/  | /' "$OUT/t/$id"
  fi
  echo "  --- system log (last lines)"; tail -n 25 "$SYSLOG" | sed 's/^/  | /'
  problems=()
  return 1
}

summary() {
  log "$PASSED passed, ${#FAILED[@]} failed${FAILED[*]:+: ${FAILED[*]}}"
  cp "$SYSLOG" "$OUT/syslog" 2>/dev/null
  [ ${#FAILED[@]} -eq 0 ]
}
