#!/bin/bash
# rpm.sh: the RPM spec parses (rpmspec -P) and its %files cover everything the
# build installs (cmake --install into a scratch root with Fedora's paths).
# Usage: tests/packaging/rpm.sh BUILD_DIR. Needs root to install rpm; 77 otherwise.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:?usage: rpm.sh BUILD_DIR}")
[ "$(id -u)" -eq 0 ] || { echo "rpm: skipped: needs root" >&2; exit 77; }
. "$SRC/scripts/deps.sh"
install_missing rpm
TMP=$(mktemp -d /tmp/tlspolicyd-rpm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "rpm: FAIL: $*" >&2; exit 1; }

SPEC=$SRC/packaging/rpm/tlspolicyd.spec
rpmspec -P "$SPEC" > "$TMP/parsed" 2> "$TMP/errors" || { cat "$TMP/errors"; fail "rpmspec -P"; }
echo "rpm: ok   the spec parses"

# Fedora's layout: prefix /usr, /etc, units in /usr/lib/systemd/system.
cmake -S "$SRC" -B "$TMP/build" -DTLSPOLICYD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr \
  -DTLSPOLICYD_SYSTEMD_UNITDIR=/usr/lib/systemd/system >/dev/null || fail "cmake"
cmake --build "$TMP/build" -j"$(nproc)" >/dev/null || fail "build"
DESTDIR=$TMP/root cmake --install "$TMP/build" >/dev/null || fail "install"
declare -A macro=([%{_sbindir}]=/usr/sbin [%{_sysconfdir}]=/etc [%{_unitdir}]=/usr/lib/systemd/system
                  [%{_mandir}]=/usr/share/man [%{_docdir}]=/usr/share/doc [%{_datadir}]=/usr/share
                  [%{name}]=tlspolicyd)
patterns=()
while read -r line; do
  path=${line##* }
  for m in "${!macro[@]}"; do path=${path//"$m"/${macro[$m]}}; done
  [[ $path == /* ]] && patterns+=("$path")
done < <(sed -n '/^%files/,/^%changelog/p' "$SPEC" | grep -v '^%files\|^%changelog\|^%license\|^$')
while read -r file; do
  f=${file#"$TMP/root"}
  covered=no
  for p in "${patterns[@]}"; do
    # shellcheck disable=SC2053
    [[ $f == $p || $f == $p/* ]] && covered=yes && break
  done
  [ $covered = yes ] || fail "$f is installed but not in the spec's %files"
done < <(find "$TMP/root" -type f)
echo "rpm: ok   %files covers every installed file"
