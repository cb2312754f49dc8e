#!/bin/bash
# field.sh: the README followed literally on a Debian 12 mail server, with the
# built package.
#
# Usage: tests/e2e/field.sh PATH/TO/tlspolicyd_VERSION_ARCH.deb (or its directory)
#
# In a throwaway copy of this machine (tests/sandbox/sandbox.sh): Postfix is
# reconfigured as debconf's "Internet Site" makes it (smtpd chrooted, the
# snakeoil certificate, smtpd_tls_security_level = may) and started as
# postfix@-.service does; then, as a postmaster who reads the README: the package
# is installed with apt, the service started as its unit says (User=, Group=,
# ExecStartPre=, ExecStart=; systemd itself does not run here), Postfix wired with
# the README's commands, the README's partner rule added in observe mode, the
# README's test mail sent (XCLIENT), the rule moved to warn then enforce, and
# `tlspolicyd doctor` run. A client outside mynetworks (an address of its own
# on this sandbox's loopback) then sends as the partner: plaintext is refused
# with 5.7.1, TLS 1.2 and 1.3 are accepted, and Postfix logs no policy
# connection warning. The same with smtpd not chrooted, with the README's
# metrics on: the page has what the installed dashboard and alert rules use, and
# Prometheus' own check takes the README's configuration. Last, the README's
# removal: the policy taken out of Postfix, the package purged, mail still flows
# and Postfix never warns.
# Needs root. Exit 0 all passed, 1 a scenario failed, 77 skipped (not root).
set -uo pipefail

if [ "${1:-}" != --inside ]; then
  DEB=$(readlink -f "${1:?usage: field.sh PATH/TO/tlspolicyd.deb or the directory holding it}")
  if [ -d "$DEB" ]; then DEB=$(ls "$DEB"/tlspolicyd_*.deb 2>/dev/null | grep -v dbgsym | sort -V | tail -1); fi
  SRC=$(cd "$(dirname "$0")/../.." && pwd)
  if [ "$(id -u)" -ne 0 ]; then
    echo "field: skipped: needs root to install the package in a sandbox" >&2
    exit 77
  fi
  [ -f "$DEB" ] || { echo "field: no package at $DEB (tests/packaging/deb.sh builds it)" >&2; exit 1; }
  . "$SRC/scripts/deps.sh"
  install_missing "${TLSPOLICYD_E2E_DEPS[@]}" prometheus
  OUT=$(mktemp -d /tmp/tlspolicyd-field.XXXXXX)
  cp "$DEB" "$OUT/"   # the sandbox has a /tmp of its own; OUT is its /sandbox-out
  "$SRC/tests/sandbox/sandbox.sh" "$OUT" "$SRC/tests/e2e/field.sh" --inside "/sandbox-out/$(basename "$DEB")" "$SRC"
  rc=$?
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "field: kept $OUT"; else rm -rf "$OUT"; fi
  exit $rc
fi

# ------------------------------------------------------------------ inside
DEB=$2
SRC=$3
OUT=/sandbox-out
E2E_NAME=field
. "$SRC/tests/e2e/lib.sh"
CONFIG=/etc/tlspolicyd/tlspolicyd.yaml
REMOTE=192.0.2.25      # the partner's MX: not loopback, not in mynetworks
partner=partner-bank.example

start_syslog
debian_internet_site
start_postfix   # a running mail server, before tlspolicyd

# tlspolicyd.service as systemd would run it, read from the installed unit.
unit() { sed -n "s/^$1=//p" /lib/systemd/system/tlspolicyd.service | head -1; }
DAEMON_PID=
unit_start() {
  local user group state
  user=$(unit User) group=$(unit Group) state=$(unit StateDirectory)
  # StateDirectory=: systemd makes /var/lib/NAME the service user's before it starts.
  [ -n "$state" ] && install -d -o "$user" -g "$group" -m "$(unit StateDirectoryMode)" "/var/lib/$state"
  setpriv --reuid="$user" --regid="$group" --init-groups -- $(unit ExecStartPre) > "$OUT/execstartpre.log" 2>&1 ||
    { log "ExecStartPre failed:"; cat "$OUT/execstartpre.log"; exit 1; }
  # shellcheck disable=SC2046
  setpriv --reuid="$user" --regid="$group" --init-groups -- $(unit ExecStart) 2>> "$OUT/tlspolicyd.stderr" &
  DAEMON_PID=$!
}
unit_reload() { kill -HUP "$DAEMON_PID"; }
unit_stop() { [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID"; DAEMON_PID=; }

# 1. Install, as "Installing" says (the .deb in the current directory).
mkdir -p /root/pkg && cp "$DEB" /root/pkg/
cmd=$(snippet install-deb | grep -o 'apt install .*') || { log "README's install-deb snippet has no apt install"; exit 1; }
(cd /root/pkg && DEBIAN_FRONTEND=noninteractive ${cmd/apt install/apt-get install -y}) > "$OUT/apt-install.log" 2>&1 ||
  { log "installing the package failed:"; cat "$OUT/apt-install.log"; exit 1; }
id -nG postfix | grep -qw tlspolicyd || problems+=("the package did not add postfix to group tlspolicyd")
id -nG tlspolicyd | grep -qw postfix && problems+=("the daemon's user is in group postfix")
[ "$(stat -c '%U:%G %a' /var/spool/postfix/tlspolicyd 2>&1)" = "root:tlspolicyd 1770" ] ||
  problems+=("socket directory: $(stat -c '%U:%G %a' /var/spool/postfix/tlspolicyd 2>&1)")
verdict package-installed
unit_start
wait_for "$SYSLOG" "tlspolicyd[" && wait_for "$SYSLOG" "ready: configuration generation 1" ||
  { log "tlspolicyd did not start"; cat "$OUT/tlspolicyd.stderr"; tail "$SYSLOG"; exit 1; }

# 2. Wire Postfix, as "Deploying with Postfix" says.
run_snippet postconf-tls
run_snippet postconf-policy

# 3. The README's first rule, in observe mode; the README's test mail.
snippet partner-rule >> "$CONFIG"
tlspolicyd check -c "$CONFIG" > "$OUT/check.log" 2>&1 || { log "tlspolicyd check:"; cat "$OUT/check.log"; exit 1; }
unit_reload
wait_for "$SYSLOG" "configuration generation 2 loaded" || { log "the reload was not logged"; exit 1; }

# verify_mail ID: the README's verification mail (XCLIENT), its transcript in t/ID.
# Its first line allows XCLIENT and reloads Postfix, the next ones send (a
# postmaster is slower than a script: wait for the reload in between), the last
# one takes XCLIENT away again.
verify_mail() {
  local n
  mkdir -p "$OUT/t"
  snippet verify-xclient > /tmp/verify.sh
  n=$(reloads)
  head -1 /tmp/verify.sh | bash > "$OUT/t/$1.setup" 2>&1
  wait_reloads $((n + 1))
  sed '1d;$d' /tmp/verify.sh | bash > "$OUT/t/$1" 2>&1
  echo $? > "$OUT/t/$1.rc"
  n=$(reloads)
  tail -1 /tmp/verify.sh | bash >> "$OUT/t/$1.setup" 2>&1
  wait_reloads $((n + 1))
}
verify_mail verify-observe
queued verify-observe
daemon_logged "from=<someone@$partner>" 'observe: rule=partner-bank would=reject reason="no TLS"'
verdict verify-observe

sed -i '/name: partner-bank$/,/action:/ s/^    mode: observe$/    mode: warn/' "$CONFIG"   # that rule's mode only
unit_reload
wait_for "$SYSLOG" "configuration generation 3 loaded" || problems+=("the reload was not logged")
verify_mail verify-warn
queued verify-warn
postfix_logged "tlspolicyd rule \"partner-bank\" would answer: REJECT 5.7.1 Mail from $partner requires TLS 1.2 or newer (no TLS)"
verdict verify-warn

sed -i '/name: partner-bank$/,/action:/ s/^    mode: warn$/    mode: enforce/' "$CONFIG"
unit_reload
wait_for "$SYSLOG" "configuration generation 4 loaded" || problems+=("the reload was not logged")
verify_mail verify-enforce
replied verify-enforce "554 5.7.1 <postmaster@mx.sandbox.example>: Recipient address rejected: Mail from $partner requires TLS 1.2 or newer (no TLS)"
not_queued verify-enforce
verdict verify-enforce

# 4. The partner's MX, from outside mynetworks.
ip addr add "$REMOTE/32" dev lo
remote_scenarios() {  # SUFFIX
  local s=$1
  send remote-plain$s 25 "plain$s@$partner" postmaster@mx.sandbox.example --local-interface "$REMOTE"
  replied remote-plain$s "554 5.7.1 <postmaster@mx.sandbox.example>: Recipient address rejected: Mail from $partner requires TLS 1.2 or newer (no TLS)"
  not_queued remote-plain$s
  postfix_logged "NOQUEUE: reject: RCPT from unknown[$REMOTE]: 554 5.7.1"
  verdict remote-plain$s

  send remote-tls12$s 25 "tls12$s@$partner" postmaster@mx.sandbox.example --local-interface "$REMOTE" \
    --tls --tls-protocol tlsv1_2
  queued remote-tls12$s   # the shipped log.decisions (violations) logs no line for it
  verdict remote-tls12$s

  send remote-tls13$s 25 "tls13$s@$partner" postmaster@mx.sandbox.example --local-interface "$REMOTE" \
    --tls --tls-protocol tlsv1_3
  queued remote-tls13$s
  verdict remote-tls13$s

  send remote-tls10$s 25 "tls10$s@$partner" postmaster@mx.sandbox.example --local-interface "$REMOTE" \
    --tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT:@SECLEVEL=0'
  replied remote-tls10$s "554 5.7.1 <postmaster@mx.sandbox.example>: Recipient address rejected: Mail from $partner requires TLS 1.2 or newer (protocol TLSv1 < TLSv1.2)"
  verdict remote-tls10$s

  no_policy_warnings
  tlspolicyd doctor > "$OUT/doctor$s.txt" 2>&1 || problems+=("tlspolicyd doctor exited $?: $(cat "$OUT/doctor$s.txt")")
  verdict doctor$s
}
remote_scenarios ""

# 4b. Metrics and monitoring, as "Metrics and protocol" says: metrics on (and the
# README's TLS history, whose series the dashboard shows), the service
# restarted, the README's Prometheus configuration checked with the installed
# alert rules. After the next scenarios' real traffic, the page has every name
# the installed dashboard and rules use, and counts the partner rule.
snippet metrics-config >> "$CONFIG"
snippet downgrade-config >> "$CONFIG"
tlspolicyd check -c "$CONFIG" > "$OUT/check-metrics.log" 2>&1 || problems+=("tlspolicyd check: $(cat "$OUT/check-metrics.log")")
unit_stop
unit_start
wait_for "$SYSLOG" "metrics on http://127.0.0.1:9187/metrics" || problems+=("metrics are not served")
snippet prometheus-config > /tmp/prometheus.yml
promtool check config /tmp/prometheus.yml > "$OUT/promtool.log" 2>&1 ||
  problems+=("promtool check config on the README's snippet: $(cat "$OUT/promtool.log")")
verdict monitoring-config

postconf -F smtp/inet/chroot=n
reload_postfix
remote_scenarios -nochroot

python3 -c "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:9187/metrics').read().decode())" \
  > "$OUT/metrics.txt" 2>&1 || problems+=("scraping the daemon failed: $(cat "$OUT/metrics.txt")")
missing=$("$SRC/tests/monitoring/missing-names.py" "$OUT/metrics.txt" /usr/share/tlspolicyd/monitoring/tlspolicyd-*) ||
  problems+=("used by the installed dashboard or rules, not on the page: $missing")
for result in held violated; do  # TLS 1.2 and 1.3; plaintext and TLS 1.0
  n=$(sed -n "s/^tlspolicyd_rule_matches_total{rule=\"partner-bank\",mode=\"enforce\",result=\"$result\"} //p" "$OUT/metrics.txt")
  [ "${n:-0}" -ge 2 ] || problems+=("partner-bank $result ${n:-0} times on the page, not 2")
done
verdict monitoring-page

# 5. Remove, as the README says: Postfix first, then the package.
unit_stop   # what apt's prerm does through systemd; no systemd runs here
snippet postconf-remove | sed -e "s/^apt purge /apt-get purge -y /" > /tmp/remove.sh
(cd /root && DEBIAN_FRONTEND=noninteractive bash -e /tmp/remove.sh) < /dev/null > "$OUT/remove.log" 2>&1 ||
  { problems+=("the README's removal failed: $(tail -5 "$OUT/remove.log")"); }
reload_postfix
postconf -h smtpd_recipient_restrictions | grep -q tlspolicyd && problems+=("the policy is still in smtpd_recipient_restrictions")
dpkg -s tlspolicyd >/dev/null 2>&1 && problems+=("the package is still installed")
send after-removal 25 after-removal@$partner postmaster@mx.sandbox.example --local-interface "$REMOTE"
queued after-removal
no_policy_warnings
verdict removed

stop_postfix
summary
