#!/bin/bash
# deps.sh: installs the Debian 12 packages that are missing for building
# (and, with "test", for testing) tlspolicyd. Sourced by run.sh and test.sh.
# Needs root (or sudo) only when something is missing.

TLSPOLICYD_BUILD_DEPS=(
  cmake g++ make pkg-config
  libevent-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libssl-dev libcli11-dev libpcre2-dev zlib1g-dev
  nlohmann-json3-dev
  liblmdb-dev libhiredis-dev libsystemd-dev libidn2-dev lowdown
)
TLSPOLICYD_TEST_DEPS=(
  doctest-dev redis-server libbenchmark-dev pflogsumm
  prometheus  # promtool: the alert rules, the dashboard's expressions, the metrics page
)
# The second pass of test.sh: clang's AddressSanitizer, UBSan and libFuzzer.
TLSPOLICYD_SANITIZE_DEPS=(
  clang libclang-rt-14-dev
)
# The end-to-end tests: a real Postfix and SMTP client, in a throwaway copy of
# the machine (tests/sandbox/sandbox.sh: unshare, ip), logging to a stand-in for
# journald (tests/e2e/syslog-sink.py).
TLSPOLICYD_E2E_DEPS=(
  postfix swaks libnet-ssleay-perl sasl2-bin libsasl2-modules openssl python3 iproute2 util-linux
  fail2ban  # fail2ban-regex: the example filter on real log lines
)

install_missing() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  # Postfix must not configure (or start) itself: the tests run their own instance.
  echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections
  # Nor may the servers installed only for their tools (redis-server, prometheus,
  # fail2ban) start, now or at the next boot: during the install a policy-rc.d
  # forbids starting services (unless the machine has one of its own; it goes
  # however the install ends), and they are disabled after it.
  (
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
      trap 'exit 130' INT TERM
      printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d > /dev/null &&
        "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    fi
    "${sudo[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  ) || return
  local server
  for server in redis-server prometheus fail2ban; do
    if [[ " ${missing[*]} " == *" $server "* ]] && command -v systemctl > /dev/null; then
      "${sudo[@]}" systemctl disable --quiet "$server" 2> /dev/null || true
    fi
  done
}
