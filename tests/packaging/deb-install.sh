#!/bin/bash
# deb-install.sh: run by tests/packaging/deb.sh INSIDE tests/sandbox/sandbox.sh
# (a throwaway copy of the machine: everything done here is lost at the end).
# Installs /sandbox-out/new.deb with apt as a postmaster would, checks what it
# created, serves a request to the postfix user through the socket, purges the
# package and checks that nothing of it is left. Scenarios:
#   fresh             nothing of tlspolicyd on the machine before
#   admin-user        an administrator made a tlspolicyd user and group first
#                     (with the package's own GECOS): purge must leave them
#   upgrade           /sandbox-out/old.deb (0.1.0) installed and Postfix wired
#                     to its socket first, then the upgrade
#   upgrade-postinst  without a 0.1.0 package: the state 0.1.0 left is made by
#                     hand and the new postinst is run with "configure 0.1.0"
set -uo pipefail
SCENARIO=${1:?usage: deb-install.sh fresh|admin-user|upgrade|upgrade-postinst}
IN=/sandbox-out
NEW=$IN/new.deb OLD=$IN/old.deb
SPOOL=/var/spool/postfix/tlspolicyd
STATE=/var/lib/tlspolicyd-package
GECOS="tlspolicyd Postfix TLS policy server"
export DEBIAN_FRONTEND=noninteractive
fail() { echo "deb-install: FAIL ($SCENARIO): $*" >&2; exit 1; }
ok() { echo "deb-install: ok   ($SCENARIO) $*"; }
member() { getent group "$1" | cut -d: -f4 | tr ',' '\n' | grep -qx "$2"; }

[ -f /usr/sbin/policy-rc.d ] && [ "$(hostname)" = mx.sandbox.example ] || fail "not inside tests/sandbox/sandbox.sh"
! dpkg -s tlspolicyd >/dev/null 2>&1 || fail "tlspolicyd is already installed on this machine"
getent passwd postfix >/dev/null || fail "no postfix user (install postfix on the machine)"

# Everything of ours is named tlspolicyd: these, before and after, must agree.
snapshot() {
  mkdir -p "/tmp/$1"
  cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "/tmp/$1/"
  { find / -xdev \( -path /proc -o -path /sys -o -path /work -o -path /sandbox-out -o -path /root/.pyenv \) -prune \
         -o -name '*tlspolicyd*' -print; find /run /tmp -name '*tlspolicyd*' ! -path '/tmp/before*' ! -path '/tmp/after*'; } |
    sort > "/tmp/$1/files"
}
compare() {
  for f in passwd group shadow gshadow files; do
    diff -u "/tmp/$1/$f" "/tmp/$2/$f" >&2 || fail "after purge, $f differs from before the package"
  done
}
apt_install() {  # apt, as a postmaster would; nothing is downloaded (no network)
  apt-get install -y -q -o Dpkg::Options::=--force-confold "$@"
}

# What every installed 0.2 package must have made.
check_installed() {
  getent passwd tlspolicyd >/dev/null || fail "no user tlspolicyd"
  getent group tlspolicyd >/dev/null || fail "no group tlspolicyd"
  [ "$(id -gn tlspolicyd)" = tlspolicyd ] || fail "tlspolicyd's primary group is $(id -gn tlspolicyd)"
  [ "$(id -u tlspolicyd)" -lt 1000 ] || fail "tlspolicyd is not a system user"
  [ "$(id -nG tlspolicyd)" = tlspolicyd ] || fail "tlspolicyd is in other groups: $(id -nG tlspolicyd)"
  ! member postfix tlspolicyd || fail "tlspolicyd is a member of group postfix"
  member tlspolicyd postfix || fail "postfix is not a member of group tlspolicyd"
  [ "$(stat -c '%U:%G %a' "$SPOOL")" = "root:tlspolicyd 1770" ] ||
    fail "$SPOOL is $(stat -c '%U:%G %a' "$SPOOL"), not root:tlspolicyd 1770"
  ok "user and group tlspolicyd (uid $(id -u tlspolicyd), groups: $(id -nG tlspolicyd)); postfix in group tlspolicyd; $SPOOL root:tlspolicyd 1770"
}

# The daemon as the units run it, the socket as a chrooted smtpd sees it.
check_serving() {
  # As tlspolicyd.service starts it: User= and Group=tlspolicyd, with the
  # user's groups (initgroups), nothing else.
  setpriv --reuid=tlspolicyd --regid=tlspolicyd --init-groups /usr/sbin/tlspolicyd serve --log-stderr 2> /tmp/daemon.log &
  local pid=$!
  for _ in $(seq 100); do [ -S "$SPOOL/policy.sock" ] && grep -q 'ready' /tmp/daemon.log && break; sleep 0.1; done
  [ -S "$SPOOL/policy.sock" ] || { cat /tmp/daemon.log >&2; fail "the daemon made no socket in $SPOOL"; }
  [ "$(stat -c '%U:%G %a' "$SPOOL/policy.sock")" = "tlspolicyd:tlspolicyd 660" ] ||
    fail "the socket is $(stat -c '%U:%G %a' "$SPOOL/policy.sock"), not tlspolicyd:tlspolicyd 660"
  local gid groups
  gid=$(getent group tlspolicyd | cut -d: -f3)
  groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status" | xargs)
  [ -z "$groups" ] || [ "$groups" = "$gid" ] || fail "the daemon runs with the supplementary groups $groups"
  awk '/^Uid:/ { exit !($2 == '"$(id -u tlspolicyd)"') }' "/proc/$pid/status" || fail "the daemon does not run as tlspolicyd"
  # As smtpd does: user postfix with its groups, in the queue directory, the
  # socket named relative to it.
  local ask='chdir "/var/spool/postfix" or die; my $s = IO::Socket::UNIX->new(Peer => "tlspolicyd/policy.sock") or die "connect: $!\n";
             print $s "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a\@example.org\nrecipient=b\@example.net\nclient_address=192.0.2.1\n\n";
             my $a = <$s>; print $a;'
  local answer
  answer=$(setpriv --reuid=postfix --regid=postfix --init-groups perl -MIO::Socket::UNIX -e "$ask" 2>&1)
  [ "$answer" = "action=DUNNO" ] || { cat /tmp/daemon.log >&2; fail "the postfix user got \"$answer\", not action=DUNNO"; }
  answer=$(setpriv --reuid=nobody --regid=nogroup --clear-groups perl -MIO::Socket::UNIX -e "$ask" 2>&1)
  [ "$answer" != "action=DUNNO" ] || fail "user nobody can use the policy socket"
  # The daemon's user cannot read a Postfix map with a password (root:postfix 0640).
  install -o root -g postfix -m 0640 /dev/null /etc/postfix/sandbox-mysql-secret.cf
  ! setpriv --reuid=tlspolicyd --regid=tlspolicyd --init-groups cat /etc/postfix/sandbox-mysql-secret.cf 2>/dev/null ||
    fail "user tlspolicyd can read a root:postfix 0640 map"
  rm -f /etc/postfix/sandbox-mysql-secret.cf
  kill -TERM "$pid"; wait "$pid"
  [ ! -e "$SPOOL/policy.sock" ] || fail "the daemon left its socket behind"
  ok "the daemon runs as tlspolicyd in no other group; postfix gets action=DUNNO on unix:tlspolicyd/policy.sock, nobody cannot connect, tlspolicyd cannot read a root:postfix 0640 map"
}

check_tmpfiles() {
  rm -rf "$SPOOL"
  systemd-tmpfiles --create tlspolicyd.conf
  [ "$(stat -c '%U:%G %a' "$SPOOL")" = "root:tlspolicyd 1770" ] || fail "systemd-tmpfiles does not remake $SPOOL"
  chown root:root "$SPOOL"; chmod 0755 "$SPOOL"
  systemd-tmpfiles --create tlspolicyd.conf
  [ "$(stat -c '%U:%G %a' "$SPOOL")" = "root:tlspolicyd 1770" ] || fail "systemd-tmpfiles does not repair $SPOOL"
  ok "systemd-tmpfiles (as at boot) remakes and repairs $SPOOL"
}

purge() {
  dpkg --purge tlspolicyd > /tmp/purge.log 2>&1 || { cat /tmp/purge.log >&2; fail "dpkg --purge"; }
  ! dpkg -s tlspolicyd >/dev/null 2>&1 || fail "still installed after purge"
  [ -d /var/spool/postfix/pid ] || fail "purge damaged Postfix's queue directory"
}

# Postfix wired to 0.1.x's socket, in main.cf and in a master.cf -o override.
wire_old_postfix() {
  cp /etc/postfix/main.cf.proto /etc/postfix/main.cf 2>/dev/null || : > /etc/postfix/main.cf
  postconf -e 'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:/run/tlspolicyd/policy.sock, timeout=10s, default_action=DUNNO }'
  printf '%s\n' 'submission inet n - y - - smtpd' \
    '  -o syslog_name=postfix/submission' \
    '  -o { smtpd_recipient_restrictions = check_policy_service { unix:/run/tlspolicyd/policy.sock, timeout=10s }, permit_sasl_authenticated, reject }' \
    >> /etc/postfix/master.cf
  postconf -n | grep -q /run/tlspolicyd/policy.sock && postconf -P | grep -q /run/tlspolicyd/policy.sock ||
    fail "could not wire Postfix to the old socket"
}

# The upgrade's message names each old setting with a postconf command that
# fixes it: run them, as the postmaster would, and Postfix is rewired.
check_upgrade_message() {
  local log=$1
  grep -q "Postfix still asks unix:/run/tlspolicyd/policy.sock" "$log" || { cat "$log" >&2; fail "the upgrade does not say that Postfix names the old socket"; }
  grep -q "mail is NOT checked" "$log" || fail "the upgrade message does not say that mail is not checked"
  local main master
  main=$(grep -c "^    postconf -e 'smtpd_recipient_restrictions = .*unix:tlspolicyd/policy.sock" "$log")
  master=$(grep -c "^    postconf -M -e 'submission/inet = submission .*unix:tlspolicyd/policy.sock" "$log")
  [ "$main" = 1 ] && [ "$master" = 1 ] || { cat "$log" >&2; fail "the upgrade message does not give the postconf lines"; }
  grep -q "^    postfix reload" "$log" || fail "the upgrade message does not say postfix reload"
  grep "^    postconf " "$log" > /tmp/fix.sh
  sh -e /tmp/fix.sh || fail "the postconf lines of the message do not run"
  ! { postconf -n; postconf -M; } | grep -q /run/tlspolicyd || fail "Postfix still names the old socket after the printed commands"
  postconf -n | grep -qF 'check_policy_service { unix:tlspolicyd/policy.sock, timeout=10s, default_action=DUNNO }' ||
    fail "main.cf does not name unix:tlspolicyd/policy.sock after the printed commands"
  postconf -P | grep -qx 'submission/inet/smtpd_recipient_restrictions = check_policy_service { unix:tlspolicyd/policy.sock, timeout=10s }, permit_sasl_authenticated, reject' ||
    fail "master.cf does not name unix:tlspolicyd/policy.sock after the printed commands"
  ok "the upgrade says Postfix names the old socket, with the postconf -e and postconf -M -e lines (a -o value with spaces too); run, they rewire Postfix"
}

case $SCENARIO in
fresh)
  snapshot before
  apt_install "$NEW" > /tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "apt install ./new.deb"; }
  ok "apt install ./$(dpkg-deb -f "$NEW" Package)_$(dpkg-deb -f "$NEW" Version).deb"
  check_installed
  [ -f "$STATE/created-user" ] && [ -f "$STATE/created-group" ] && [ -f "$STATE/added-postfix" ] ||
    fail "postinst did not record what it created: $(ls "$STATE" 2>&1)"
  [ "$(getent passwd tlspolicyd | cut -d: -f5 | cut -d, -f1)" = "$GECOS" ] || fail "unexpected GECOS: $(getent passwd tlspolicyd)"
  check_serving
  check_tmpfiles
  # Reinstalling (configure again) changes nothing.
  cp /etc/group /tmp/group.1
  apt-get install -y -q --reinstall "$NEW" > /tmp/reinstall.log 2>&1 || { cat /tmp/reinstall.log >&2; fail "reinstall"; }
  diff -u /tmp/group.1 /etc/group >&2 || fail "a reinstall changed /etc/group"
  # Remove keeps the user, the configuration and the records; purge takes all.
  apt-get remove -y -q tlspolicyd > /tmp/remove.log 2>&1 || { cat /tmp/remove.log >&2; fail "apt remove"; }
  getent passwd tlspolicyd >/dev/null && [ -f /etc/tlspolicyd/tlspolicyd.yaml ] && [ -f "$STATE/created-user" ] ||
    fail "remove (not purge) took the user, the configuration or the records"
  purge
  snapshot after
  compare before after
  ok "remove keeps user and configuration; purge leaves nothing: no user, group or membership, no file named tlspolicyd"
  ;;
admin-user)
  adduser --system --quiet --group --no-create-home --home /nonexistent --gecos "$GECOS" tlspolicyd
  snapshot before
  apt_install "$NEW" > /tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "apt install ./new.deb"; }
  check_installed
  [ ! -e "$STATE/created-user" ] && [ ! -e "$STATE/created-group" ] ||
    fail "postinst recorded creating the administrator's user or group"
  check_serving
  purge
  getent passwd tlspolicyd >/dev/null || fail "purge deleted the administrator's user tlspolicyd"
  getent group tlspolicyd >/dev/null || fail "purge deleted the administrator's group tlspolicyd"
  ! member tlspolicyd postfix || fail "purge left postfix in group tlspolicyd (the package added it)"
  snapshot after
  compare before after
  ok "purge leaves the administrator's user and group tlspolicyd as they were, takes out the membership it added"
  ;;
upgrade)
  snapshot before
  apt_install "$OLD" > /tmp/install-old.log 2>&1 || { cat /tmp/install-old.log >&2; fail "apt install ./old.deb"; }
  [ "$(dpkg-query -W -f '${Version}' tlspolicyd)" = 0.1.0 ] || fail "old.deb is not 0.1.0"
  member postfix tlspolicyd || fail "0.1.0 did not put tlspolicyd in group postfix (is old.deb 0.1.0?)"
  wire_old_postfix
  echo "# a local change: the conffile prompt keeps this file" >> /etc/tlspolicyd/tlspolicyd.yaml
  ok "0.1.0 installed (tlspolicyd in group postfix), Postfix wired to unix:/run/tlspolicyd/policy.sock, configuration changed"
  apt_install "$NEW" > /tmp/upgrade.log 2>&1 || { cat /tmp/upgrade.log >&2; fail "apt install ./new.deb over 0.1.0"; }
  [ "$(dpkg-query -W -f '${Version}' tlspolicyd)" = "$(dpkg-deb -f "$NEW" Version)" ] || fail "not upgraded"
  check_installed
  [ -f "$STATE/created-user" ] && [ -f "$STATE/created-group" ] ||
    fail "the upgrade did not take over 0.1.0's user and group: $(ls "$STATE" 2>&1)"
  check_upgrade_message /tmp/upgrade.log
  grep -A1 "tlspolicyd.yaml still names" /tmp/upgrade.log | grep -q "/run/tlspolicyd/policy.sock or group postfix" ||
    fail "the upgrade does not say that the kept configuration names the old socket"
  [ -f /etc/tlspolicyd/tlspolicyd.yaml.dpkg-dist ] || fail "no tlspolicyd.yaml.dpkg-dist next to the kept configuration"
  cp /etc/tlspolicyd/tlspolicyd.yaml.dpkg-dist /etc/tlspolicyd/tlspolicyd.yaml
  check_serving
  purge
  snapshot after
  compare before after
  ok "0.1.0 -> $(dpkg-deb -f "$NEW" Version) -> purge leaves nothing (0.1.0's user and group taken over and deleted)"
  ;;
upgrade-postinst)
  snapshot before
  apt_install "$NEW" > /tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "apt install ./new.deb"; }
  # What 0.1.0 left: tlspolicyd in group postfix, postfix not in tlspolicyd,
  # no records, Postfix wired to the old socket.
  deluser --quiet postfix tlspolicyd
  adduser --quiet tlspolicyd postfix
  rm -rf "$STATE"
  wire_old_postfix
  DPKG_MAINTSCRIPT_PACKAGE=tlspolicyd DPKG_MAINTSCRIPT_NAME=postinst \
    /var/lib/dpkg/info/tlspolicyd.postinst configure 0.1.0 > /tmp/upgrade.log 2>&1 || { cat /tmp/upgrade.log >&2; fail "postinst configure 0.1.0"; }
  check_installed
  [ -f "$STATE/created-user" ] && [ -f "$STATE/created-group" ] || fail "postinst did not take over 0.1.0's user and group"
  check_upgrade_message /tmp/upgrade.log
  purge
  snapshot after
  compare before after
  ok "postinst configure 0.1.0 undoes 0.1.0's layout; purge leaves nothing"
  ;;
*) fail "unknown scenario" ;;
esac
exit 0
