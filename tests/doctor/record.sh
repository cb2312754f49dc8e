#!/bin/sh
# record.sh [NAME...]: records the Debian-based doctor setups with the real
# postconf (Postfix 3.7 on Debian 12), into tests/doctor/setups/NAME/ (main.cf =
# postconf -n, master.cf = postconf -M). Each starts from what Debian's "Internet
# Site" configuration writes (the postfix package's postinst: main.cf.debian +
# main.cf.tls, its postconf -e settings, master.cf.dist) in a directory under
# /tmp, plants one setting, and records it. /etc/postfix is never touched and no
# Postfix is started. Then, in the recorded text: the temporary directory is
# removed from paths (a config_directory line that is only the default
# /etc/postfix is dropped, as postconf -n without -c would not print it),
# /var/spool/postfix becomes @QUEUE@ and port 10040 @PORT@. The `expect` files
# are written by hand.
set -eu
POSTCONF=${POSTCONF:-/usr/sbin/postconf}
SETUPS=$(cd "$(dirname "$0")" && pwd)/setups
REC=$(mktemp -d /tmp/tlspolicyd-record.XXXXXX)
trap 'rm -rf "$REC"' EXIT
POLICY='timeout=10s, default_action=DUNNO'

# internet_site DIR: DIR/main.cf and DIR/master.cf as Debian's postinst writes
# them for "Internet Site" (debconf answers: mail.example.org, example.org).
internet_site() {
  mkdir -p "$1"
  cp /usr/share/postfix/main.cf.debian "$1/main.cf"
  cat /usr/share/postfix/main.cf.tls >> "$1/main.cf"
  cp /usr/share/postfix/master.cf.dist "$1/master.cf"
  "$POSTCONF" -c "$1" -e \
    "smtpd_relay_restrictions=permit_mynetworks permit_sasl_authenticated defer_unauth_destination" \
    "myhostname=mail.example.org" \
    "alias_maps=hash:/etc/aliases" \
    "alias_database=hash:/etc/aliases" \
    "myorigin=/etc/mailname" \
    "mydestination=\$myhostname, example.org, mail.example.org, localhost.example.org, localhost" \
    "relayhost=" \
    "mynetworks=127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128" \
    "mailbox_size_limit=0" \
    "recipient_delimiter=+" \
    "inet_interfaces=all" \
    "inet_protocols=all"
}

# postmulti_create PRIMARY DIR NAME: what "postmulti -e init" does to PRIMARY
# and "postmulti -I NAME -e create" + "postmulti -i NAME -e enable" write for a
# new instance in DIR (postmulti-script, with Debian's main.cf.proto and
# master.cf.proto, i.e. main.cf.dist and master.cf.dist).
postmulti_create() {
  "$POSTCONF" -c "$1" -e 'multi_instance_wrapper = ${command_directory}/postmulti -p --' 'multi_instance_enable = yes' \
    "multi_instance_directories = /etc/$3"
  mkdir -p "$2"
  cp /usr/share/postfix/main.cf.dist "$2/main.cf"
  cp /usr/share/postfix/master.cf.dist "$2/master.cf"
  # the shared parameters the primary does not set are commented out; it sets readme_directory
  "$POSTCONF" -c "$2" -# command_directory daemon_directory meta_directory mail_owner setgid_group sendmail_path \
    mailq_path newaliases_path html_directory manpage_directory sample_directory shlib_directory
  "$POSTCONF" -c "$2" -e "queue_directory = /var/spool/$3" "data_directory = /var/lib/$3" \
    "authorized_submit_users =" "master_service_disable = inet" "readme_directory = no"
  "$POSTCONF" -c "$2" -e "multi_instance_name = $3" "multi_instance_enable = yes"
}

# filter: the recorded text with the temporary directory, the queue directory
# and the policy port replaced.
filter() {
  sed -e "\|^config_directory = $REC/[^/]*/etc/postfix\$|d" -e "s|$REC/[^/]*||g" \
      -e 's|/var/spool/postfix|@QUEUE@|g' -e 's|:10040|:@PORT@|g'
}

# save NAME DIR [SUBDIR]: records DIR as setups/NAME[/SUBDIR].
save() {
  out=$SETUPS/$1${3:+/$3}
  mkdir -p "$out"
  "$POSTCONF" -c "$2" -n | filter > "$out/main.cf"
  "$POSTCONF" -c "$2" -M | filter > "$out/master.cf"
}

# case_dir NAME: a fresh Internet Site in $D, to plant a setting in.
case_dir() { D=$REC/$1/etc/postfix; internet_site "$D"; }

record() {
  name=$1
  case $name in
    chroot-absolute)  # Debian's chroot y, and the absolute path of the socket
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:/var/spool/postfix/tlspolicyd/policy.sock, $POLICY }" ;;
    chroot-relative)  # the shipped form: right with chroot y and n
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" ;;
    nochroot-absolute)  # chroot n: the absolute path works
      case_dir "$name"
      "$POSTCONF" -c "$D" -F -e 'smtp/inet/chroot=n'
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:/var/spool/postfix/tlspolicyd/policy.sock, $POLICY }" ;;
    chroot-default)  # chroot "-": n with compatibility_level 3.6
      case_dir "$name"
      "$POSTCONF" -c "$D" -F -e 'smtp/inet/chroot=-'
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:/var/spool/postfix/tlspolicyd/policy.sock, $POLICY }" ;;
    nodelay-client)  # asked at CONNECT
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_delay_reject = no" "smtpd_client_restrictions = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" ;;
    nodelay-helo)  # asked at HELO/EHLO, the first one before STARTTLS
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_delay_reject = no" "smtpd_helo_restrictions = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" ;;
    client-only)  # default smtpd_delay_reject = yes: asked at RCPT
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_client_restrictions = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" ;;
    data-only)  # asked at DATA only
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_data_restrictions = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" ;;
    class-direct)  # a restriction class named in the list
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_restriction_classes = tls_protected" \
        "tls_protected = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" \
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, tls_protected" ;;
    class-table)  # a restriction class only a lookup table can return
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_restriction_classes = tls_protected" \
        "tls_protected = check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }" \
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_recipient_access hash:/etc/postfix/protected" ;;
    inet-localhost)  # Postfix says localhost, tlspolicyd listens on 127.0.0.1
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { inet:localhost:10040, $POLICY }" ;;
    old-layout)  # tlspolicyd 0.1.0's socket, with the chroot n that 0.1.0 needed
      case_dir "$name"
      "$POSTCONF" -c "$D" -F -e 'smtp/inet/chroot=n'
      "$POSTCONF" -c "$D" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:/run/tlspolicyd/policy.sock, $POLICY }" ;;
    multi-instance|multi-instance-relative)  # postmulti: a second MX instance on 192.0.2.25
      case_dir "$name"
      "$POSTCONF" -c "$D" -e "inet_interfaces = 192.0.2.1" "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }"
      I=$REC/$name/etc/postfix-mx2
      postmulti_create "$D" "$I" postfix-mx2
      "$POSTCONF" -c "$I" -e "master_service_disable =" "inet_interfaces = 192.0.2.25"
      if [ "$name" = multi-instance-relative ]; then  # the same main.cf line, from its own queue directory
        "$POSTCONF" -c "$I" -e "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_policy_service { unix:tlspolicyd/policy.sock, $POLICY }"
      fi
      save "$name" "$I" postfix-mx2 ;;
    *) echo "record.sh: unknown setup $name" >&2; exit 64 ;;
  esac
  save "$name" "$D"
  echo "recorded $name"
}

ALL="chroot-absolute chroot-relative nochroot-absolute chroot-default nodelay-client nodelay-helo client-only data-only
     class-direct class-table inet-localhost old-layout multi-instance multi-instance-relative"
for name in ${*:-$ALL}; do record "$name"; done
