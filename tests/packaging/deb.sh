#!/bin/bash
# deb.sh: builds the Debian package from a copy of the source tree with
# `dpkg-buildpackage -us -uc -b`, runs lintian (no errors allowed), unpacks the
# .deb into a scratch root and checks its files, conffiles, maintainer scripts
# and that the packaged binary checks the packaged configuration.
#
# Usage: tests/packaging/deb.sh [OUTDIR]   (the .deb is left in OUTDIR if given)
# Needs root to install the build dependencies; exit 77 (skipped) otherwise.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "deb: skipped: needs root" >&2; exit 77; }
. "$SRC/scripts/deps.sh"
install_missing debhelper dpkg-dev lintian "${TLSPOLICYD_BUILD_DEPS[@]}"

TMP=$(mktemp -d /tmp/tlspolicyd-deb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "deb: FAIL: $*" >&2; exit 1; }

# A clean copy: what git tracks (or the tree without build directories).
TREE=$TMP/tlspolicyd-0.1.0
mkdir -p "$TREE"
if git -C "$SRC" rev-parse >/dev/null 2>&1; then
  git -C "$SRC" ls-files -z --cached --others --exclude-standard | (cd "$SRC" && xargs -0 cp --parents -t "$TREE")
else
  (cd "$SRC" && tar --exclude='./build*' -cf - .) | (cd "$TREE" && tar -xf -)
fi
cp -r "$TREE/packaging/debian" "$TREE/debian"

echo "deb: building (dpkg-buildpackage -us -uc -b)"
(cd "$TREE" && dpkg-buildpackage -us -uc -b) > "$TMP/build.log" 2>&1 || { tail -40 "$TMP/build.log"; fail "dpkg-buildpackage"; }
DEB=$(ls "$TMP"/tlspolicyd_*.deb 2>/dev/null | grep -v dbgsym | head -1)
[ -n "$DEB" ] || fail "no .deb was built"
echo "deb: ok   built $(basename "$DEB")"

lintian --fail-on error --no-tag-display-limit "$DEB" > "$TMP/lintian.txt" 2>&1 || { cat "$TMP/lintian.txt"; fail "lintian reports errors"; }
echo "deb: ok   lintian: no errors ($(grep -c '^W:' "$TMP/lintian.txt") warning(s))"

ROOT=$TMP/root
dpkg -x "$DEB" "$ROOT"
for f in usr/sbin/tlspolicyd etc/tlspolicyd/tlspolicyd.yaml lib/systemd/system/tlspolicyd.service \
         lib/systemd/system/tlspolicyd.socket usr/share/man/man8/tlspolicyd.8.gz \
         usr/share/man/man5/tlspolicyd.yaml.5.gz usr/share/doc/tlspolicyd/copyright \
         usr/share/doc/tlspolicyd/examples/partners.yaml; do
  [ -e "$ROOT/$f" ] || fail "missing /$f"
done
echo "deb: ok   files"

CTRL=$TMP/control
dpkg -e "$DEB" "$CTRL"
grep -qx /etc/tlspolicyd/tlspolicyd.yaml "$CTRL/conffiles" || fail "the configuration is not a conffile"
grep -q "adduser --system --group" "$CTRL/postinst" || fail "postinst does not create the system user"
grep -q "adduser tlspolicyd postfix" "$CTRL/postinst" || fail "postinst does not put the user in group postfix"
grep -q "deb-systemd-helper" "$CTRL/postinst" || fail "postinst does not enable the units"
grep -q "rm -rf /var/lib/tlspolicyd" "$CTRL/postrm" || fail "postrm does not purge the history"
for s in postinst postrm prerm; do [ -f "$CTRL/$s" ] && { sh -n "$CTRL/$s" || fail "$s is not valid sh"; }; done
dpkg-deb -f "$DEB" Depends | grep -q postfix || fail "the package does not depend on postfix"
echo "deb: ok   conffiles and maintainer scripts"

"$ROOT/usr/sbin/tlspolicyd" --version | grep -q "^tlspolicyd 0.1.0$" || fail "the packaged binary does not run"
"$ROOT/usr/sbin/tlspolicyd" check -c "$ROOT/etc/tlspolicyd/tlspolicyd.yaml" | grep -qx "configuration OK" ||
  fail "the packaged configuration does not check"
echo "deb: ok   the packaged binary checks the packaged configuration"
[ $# -ge 1 ] && cp "$DEB" "$1/"
exit 0
