#!/bin/bash
# deb.sh: builds the Debian package from a copy of the source tree with
# `dpkg-buildpackage -us -uc -b` (the unit and golden tests run in the build),
# in a sandbox without network and with Postfix's and Redis' programs hidden,
# checks that every file the compiler read comes from Build-Depends, requires
# lintian to report no error and no warning, unpacks the .deb and
# checks its files, control fields, conffiles, maintainer scripts, manual pages
# and that the packaged binary checks the packaged configuration. Then, each in
# a throwaway copy of this machine (tests/sandbox/sandbox.sh), it installs the
# package with apt and purges it (tests/packaging/deb-install.sh): a fresh
# install, one over an administrator's own tlspolicyd user, and an upgrade from
# a 0.1.0 package built from the tree at commit ad21913.
#
# Usage: tests/packaging/deb.sh [OUTDIR]   (the .deb is left in OUTDIR if given)
# TLSPOLICYD_KEEP=1 keeps the scratch directory (build log, lintian's output).
# TLSPOLICYD_OLD_DEB=FILE uses that 0.1.0 .deb instead of building one (when
# the source is no git checkout with ad21913, the upgrade is tested by running
# the new postinst with "configure 0.1.0" on a sandbox prepared as 0.1.0 left it).
# Needs root (build dependencies, the sandbox); exit 77 (skipped) otherwise.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "deb: skipped: needs root" >&2; exit 77; }
. "$SRC/scripts/deps.sh"
install_missing debhelper dpkg-dev lintian doctest-dev "${TLSPOLICYD_BUILD_DEPS[@]}"

TMP=$(mktemp -d /tmp/tlspolicyd-deb.XXXXXX)
trap '[ -n "${TLSPOLICYD_KEEP:-}" ] && echo "deb: kept $TMP" >&2 || rm -rf "$TMP"' EXIT
fail() { echo "deb: FAIL: $*" >&2; exit 1; }
START=$SECONDS
OLD_COMMIT=ad21913   # the last tree with 0.1.0's layout

VERSION=$(sed -n 's/^project(tlspolicyd VERSION \([0-9.]*\) .*/\1/p' "$SRC/CMakeLists.txt")
DEBVERSION=$(dpkg-parsechangelog -l "$SRC/packaging/debian/changelog" -S Version)
[ "${DEBVERSION%-*}" = "$VERSION" ] || fail "debian/changelog ($DEBVERSION) and CMakeLists.txt ($VERSION) disagree"
SPECVERSION=$(sed -n 's/^Version: *//p' "$SRC/packaging/rpm/tlspolicyd.spec")
[ "$SPECVERSION" = "$VERSION" ] || fail "the RPM spec ($SPECVERSION) and CMakeLists.txt ($VERSION) disagree"

# A clean copy: what git tracks (or the tree without build directories).
BUILD=$TMP/build
TREE=$BUILD/tlspolicyd-$VERSION
mkdir -p "$TREE"
if git -C "$SRC" rev-parse >/dev/null 2>&1; then
  git -C "$SRC" ls-files -z --cached --others --exclude-standard | (cd "$SRC" && xargs -0 cp --parents -t "$TREE")
else
  (cd "$SRC" && tar --exclude='./build*' -cf - .) | (cd "$TREE" && tar -xf -)
fi
cp -r "$TREE/packaging/debian" "$TREE/debian"

# debian/rules: nocheck (option or profile) configures without the tests and
# runs none; doctest-dev is needed only without the nocheck profile.
rules() {  # [VAR=VALUE...] TARGET: what debian/rules TARGET would run
  local target=${!#} vars=("${@:1:$#-1}")
  (cd "$TREE" && env "${vars[@]}" make -s -f debian/rules -n "$target" 2>&1)
}
[[ $(rules override_dh_auto_configure) == *-DTLSPOLICYD_TESTS=ON* ]] || fail "debian/rules does not configure the tests"
[[ $(rules override_dh_auto_test) == *"tlspolicyd_integration --no-colors=true --test-case='golden*'"* ]] ||
  fail "debian/rules does not run the golden tests"
for opt in DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck; do
  [[ $(rules "$opt" override_dh_auto_configure) == *-DTLSPOLICYD_TESTS=OFF* ]] || fail "$opt still configures the tests"
  [[ $(rules "$opt" override_dh_auto_test) != *tlspolicyd_* ]] || fail "$opt still runs tests"
done
grep -q 'doctest-dev <!nocheck>' "$TREE/debian/control" || fail "doctest-dev is not a <!nocheck> build dependency"
echo "deb: ok   debian/rules runs the unit and golden tests, and none with nocheck"

# The build runs in a sandbox: no network, and Postfix's and Redis' programs
# hidden, so neither the build nor its tests can use them.
echo "deb: building (dpkg-buildpackage -us -uc -b -J2, in a sandbox without network, Postfix or Redis)"
"$SRC/tests/sandbox/sandbox.sh" "$BUILD" /bin/bash -c '
  for f in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/sendmail /usr/bin/redis-server /usr/bin/redis-cli; do
    if [ -e "$f" ]; then mv "$f" "$f.hidden"; fi
  done
  cd "/sandbox-out/$1" && dpkg-buildpackage -us -uc -b -J2' _ "$(basename "$TREE")" > "$TMP/build.log" 2>&1 ||
  { tail -60 "$TMP/build.log"; fail "dpkg-buildpackage"; }
DEB=$BUILD/tlspolicyd_${DEBVERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || fail "no $(basename "$DEB") was built"
[ "$(grep -c '^\[doctest\] Status: SUCCESS!' "$TMP/build.log")" -eq 2 ] || fail "the build did not run both test suites"
grep -q "tlspolicyd_integration .*--test-case=.golden" "$TMP/build.log" || fail "the build did not run the golden tests"
echo "deb: ok   built $(basename "$DEB") in $((SECONDS - START)) s; the unit and golden tests passed in the build"

# Every file the compiler read (CMake's dependency files) belongs to a package
# that Build-Depends or build-essential brings in, directly or through its
# dependencies: nothing the build or its tests compile against is missing.
builddeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$TREE/debian/control" | sed '1s/^Build-Depends://; $d' |
            tr ',|' '\n\n' | sed 's/[(<].*//; s/[[:space:]]//g' | grep -v '^$')
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances build-essential $builddeps 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)
used=$(find "$TREE"/obj-* -name '*.d' -exec cat {} + | tr ' \\' '\n\n' | grep '^/' | grep -v "^$TREE\|^/sandbox-out" |
       sort -u | xargs -r realpath -e | sort -u | xargs -r dpkg -S 2>/dev/null | sed 's/: .*//; s/:[a-z0-9]*\(,\|$\)/\1/g' |
       tr ',' '\n' | tr -d ' ' | sort -u)
[ -n "$used" ] || fail "no dependency files found in the build directory"
missing=$(comm -23 <(echo "$used") <(echo "$closure"))
[ -z "$missing" ] || fail "the build compiles against packages that Build-Depends does not bring in: $missing"
echo "deb: ok   every file the build compiled against comes from Build-Depends ($(echo "$used" | wc -l) packages)"

# Lintian (errors and warnings both fail) in the background while the 0.1.0
# package builds; no overrides are shipped.
[ -z "$(find "$TREE/debian" -name '*lintian-overrides*')" ] || fail "lintian overrides are shipped"
lintian --fail-on error,warning --no-tag-display-limit "$DEB" > "$TMP/lintian.txt" 2>&1 &
LINTIAN=$!

# The 0.1.0 package, for the upgrade test: built from the tree at $OLD_COMMIT
# without optimisation or tests (only its maintainer scripts, units and
# configuration matter here).
OLD_DEB=${TLSPOLICYD_OLD_DEB:-}
if [ -z "$OLD_DEB" ] && git -C "$SRC" cat-file -e "$OLD_COMMIT^{commit}" 2>/dev/null; then
  T0=$SECONDS
  mkdir -p "$TMP/old/tlspolicyd-0.1.0"
  git -C "$SRC" archive "$OLD_COMMIT" | tar -x -C "$TMP/old/tlspolicyd-0.1.0"
  cp -r "$TMP/old/tlspolicyd-0.1.0/packaging/debian" "$TMP/old/tlspolicyd-0.1.0/debian"
  (cd "$TMP/old/tlspolicyd-0.1.0" &&
     DEB_BUILD_OPTIONS="noopt nostrip noddebs nocheck" dpkg-buildpackage -us -uc -b -J2) > "$TMP/old-build.log" 2>&1 ||
    { tail -30 "$TMP/old-build.log"; fail "building the 0.1.0 package from $OLD_COMMIT"; }
  OLD_DEB=$(ls "$TMP"/old/tlspolicyd_0.1.0_*.deb)
  echo "deb: ok   built $(basename "$OLD_DEB") from $OLD_COMMIT in $((SECONDS - T0)) s"
fi

wait $LINTIAN || { cat "$TMP/lintian.txt"; fail "lintian reports errors or warnings"; }
grep -q '^[EW]:' "$TMP/lintian.txt" && { cat "$TMP/lintian.txt"; fail "lintian reports errors or warnings"; }
echo "deb: ok   lintian: no errors, no warnings ($(grep -c '^[IPX]:' "$TMP/lintian.txt") info/pedantic/experimental tag(s))"

ROOT=$TMP/root
dpkg -x "$DEB" "$ROOT"
DOC=usr/share/doc/tlspolicyd
for f in usr/sbin/tlspolicyd etc/tlspolicyd/tlspolicyd.yaml lib/systemd/system/tlspolicyd.service \
         lib/systemd/system/tlspolicyd.socket usr/lib/tmpfiles.d/tlspolicyd.conf \
         usr/share/man/man8/tlspolicyd.8.gz usr/share/man/man5/tlspolicyd.yaml.5.gz \
         $DOC/copyright $DOC/NEWS.Debian.gz $DOC/changelog.Debian.gz $DOC/README.md.gz \
         $DOC/examples/partners.yaml usr/share/tlspolicyd/monitoring/tlspolicyd-dashboard.json \
         usr/share/tlspolicyd/monitoring/tlspolicyd-alerts.yml; do
  [ -e "$ROOT/$f" ] || fail "missing /$f"
done
[ ! -e "$ROOT/var/spool/postfix" ] || fail "the package ships files under /var/spool/postfix (the directory is tmpfiles.d's)"
grep -qx 'd /var/spool/postfix/tlspolicyd 1770 root tlspolicyd -' "$ROOT/usr/lib/tmpfiles.d/tlspolicyd.conf" ||
  fail "tmpfiles.d does not make /var/spool/postfix/tlspolicyd root:tlspolicyd 1770"
zcat "$ROOT/$DOC/NEWS.Debian.gz" | head -1 | grep -q "^tlspolicyd ($DEBVERSION)" || fail "NEWS.Debian has no entry for $DEBVERSION"
zcat "$ROOT/$DOC/NEWS.Debian.gz" | grep -q 'unix:tlspolicyd/policy.sock' || fail "NEWS.Debian does not give the new socket"
# LICENSE and debian/copyright: the same MIT text and holder.
diff <(sed -n '/^Permission/,$p' "$SRC/LICENSE" | grep -v '^$') \
     <(sed -n '/^ Permission/,$p' "$ROOT/$DOC/copyright" | sed 's/^ //' | grep -v '^\.$') >/dev/null ||
  fail "LICENSE and debian/copyright have different license texts"
holder=$(sed -n 's/^Copyright (c) //p' "$SRC/LICENSE")
grep -qx "Copyright: $holder" "$ROOT/$DOC/copyright" || fail "LICENSE and debian/copyright name different holders"
echo "deb: ok   files (tmpfiles.d entry, NEWS.Debian, copyright = LICENSE)"

CTRL=$TMP/control
dpkg -e "$DEB" "$CTRL"
grep -qx /etc/tlspolicyd/tlspolicyd.yaml "$CTRL/conffiles" || fail "the configuration is not a conffile"
depends=$(dpkg-deb -f "$DEB" Depends) recommends=$(dpkg-deb -f "$DEB" Recommends)
! grep -qw postfix <<< "$depends" || fail "the package depends on postfix (it should recommend it): $depends"
grep -qw postfix <<< "$recommends" || fail "the package does not recommend postfix"
grep -qw adduser <<< "$depends" || fail "the package does not depend on adduser"
grep -q "adduser --system --quiet --group" "$CTRL/postinst" || fail "postinst does not create the user with its own group"
grep -q "adduser --quiet postfix tlspolicyd" "$CTRL/postinst" || fail "postinst does not add postfix to group tlspolicyd"
! grep -q "adduser [-a-z ]*tlspolicyd postfix" "$CTRL/postinst" || fail "postinst still puts tlspolicyd in group postfix"
grep -q "deluser --quiet tlspolicyd postfix" "$CTRL/postinst" || fail "postinst does not take tlspolicyd out of group postfix on upgrade"
grep -q "systemd-tmpfiles .*--create tlspolicyd.conf" "$CTRL/postinst" || fail "postinst does not create the socket directory"
grep -q "deb-systemd-helper" "$CTRL/postinst" || fail "postinst does not enable the units"
grep -q "rm -rf /var/lib/tlspolicyd /var/spool/postfix/tlspolicyd" "$CTRL/postrm" || fail "postrm does not purge the history and the socket directory"
for s in preinst postinst prerm postrm; do [ -f "$CTRL/$s" ] && { sh -n "$CTRL/$s" || fail "$s is not valid sh"; }; done
echo "deb: ok   control fields, conffiles and maintainer scripts"

# The units and the configuration: the new layout.
unit=$ROOT/lib/systemd/system
grep -qx 'ListenStream=/var/spool/postfix/tlspolicyd/policy.sock' "$unit/tlspolicyd.socket" || fail "the socket unit listens elsewhere"
grep -qx 'SocketGroup=tlspolicyd' "$unit/tlspolicyd.socket" || fail "the socket unit's group is not tlspolicyd"
grep -q '^ReadWritePaths=-\?/var/spool/postfix/tlspolicyd$' "$unit/tlspolicyd.service" || fail "the service cannot write its socket directory"
! grep -q '^SupplementaryGroups=.*postfix' "$unit/tlspolicyd.service" || fail "the service still runs in group postfix"
grep -q '^ *- unix:/var/spool/postfix/tlspolicyd/policy.sock' "$ROOT/etc/tlspolicyd/tlspolicyd.yaml" ||
  fail "the configuration listens elsewhere"
! grep -q '^[^#]*group: *"\?postfix' "$ROOT/etc/tlspolicyd/tlspolicyd.yaml" || fail "the configuration gives the socket to group postfix"
echo "deb: ok   units and configuration: /var/spool/postfix/tlspolicyd/policy.sock, group tlspolicyd"

# Manual pages: lintian's own troff check, the sections, the version.
for page in man8/tlspolicyd.8.gz man5/tlspolicyd.yaml.5.gz; do
  f=$ROOT/usr/share/man/$page
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "$page: troff warnings: $warnings"
  # Read whole: with pipefail, grep -q quitting early would fail zcat (SIGPIPE) once a page outgrows the pipe.
  zcat "$f" | grep "^\.TH .*\"tlspolicyd $VERSION\"" >/dev/null || fail "$page does not carry version $VERSION"
done
sections() { zcat "$ROOT/usr/share/man/$1" | awk 'prev == ".SH" { print } { prev = $0 }' | tr '\n' ' '; }
want8="NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS SIGNALS FILES EXIT STATUS EXAMPLES SEE ALSO "
[ "$(sections man8/tlspolicyd.8.gz)" = "$want8" ] || fail "tlspolicyd(8) sections: $(sections man8/tlspolicyd.8.gz)"
s5=$(sections man5/tlspolicyd.yaml.5.gz)
[[ $s5 == "NAME SYNOPSIS DESCRIPTION TOP LEVEL RULES MATCH KEYS "*" FILES SEE ALSO " ]] || fail "tlspolicyd.yaml(5) sections: $s5"
for k in REQUIREMENTS ACTIONS "TLS HISTORY"; do [[ $s5 == *"$k"* ]] || fail "tlspolicyd.yaml(5) has no $k section"; done
for p in /etc/tlspolicyd/tlspolicyd.yaml /var/spool/postfix/tlspolicyd/policy.sock /var/lib/tlspolicyd \
         /usr/share/doc/tlspolicyd/examples /usr/share/tlspolicyd/monitoring tlspolicyd.service tlspolicyd.socket; do
  MANWIDTH=200 man -l "$ROOT/usr/share/man/man8/tlspolicyd.8.gz" 2>/dev/null | sed -n '/^FILES/,/^EXIT/p' | grep -qF "$p" ||
    fail "tlspolicyd(8) FILES does not name $p"
done
# Markdown must not have eaten underscores as emphasis. (No grep -q after a long producer: with pipefail its
# early exit fails the producer, and "! pipeline" would then pass whatever was found.)
! man -l "$ROOT"/usr/share/man/man*/*.gz 2>/dev/null | grep 'checkpolicyservice\|multiinstance\|runasroot' >/dev/null ||
  fail "a manual page lost the underscores of a Postfix or tlspolicyd name"
! MANWIDTH=200 man -l "$ROOT/usr/share/man/man8/tlspolicyd.8.gz" 2>/dev/null | sed -n '/^FILES/,/^EXIT/p' | grep /run/tlspolicyd >/dev/null ||
  fail "tlspolicyd(8) FILES still names /run/tlspolicyd"
! zcat "$ROOT/usr/share/man/man5/tlspolicyd.yaml.5.gz" | grep /run/tlspolicyd >/dev/null || fail "tlspolicyd.yaml(5) still names /run/tlspolicyd"
echo "deb: ok   manual pages: no troff warnings, version $VERSION, their sections, the installed paths"

"$ROOT/usr/sbin/tlspolicyd" --version | grep -qx "tlspolicyd $VERSION" || fail "the packaged binary does not run"
"$ROOT/usr/sbin/tlspolicyd" check -c "$ROOT/etc/tlspolicyd/tlspolicyd.yaml" | grep -qx "configuration OK" ||
  fail "the packaged configuration does not check"
echo "deb: ok   the packaged binary checks the packaged configuration"

# Install, use and purge, each in its own throwaway copy of this machine.
OUT=$TMP/sandbox
mkdir -p "$OUT"
cp "$DEB" "$OUT/new.deb"
[ -n "$OLD_DEB" ] && cp "$OLD_DEB" "$OUT/old.deb"
scenarios=(fresh admin-user)
if [ -n "$OLD_DEB" ]; then scenarios+=(upgrade); else scenarios+=(upgrade-postinst); fi
for s in "${scenarios[@]}"; do
  "$SRC/tests/sandbox/sandbox.sh" "$OUT" /bin/bash "$SRC/tests/packaging/deb-install.sh" "$s" > "$OUT/$s.log" 2>&1 ||
    { cat "$OUT/$s.log"; fail "install test \"$s\""; }
  sed 's/^/    /' "$OUT/$s.log" | grep '^    deb-install: ok' || true
done
echo "deb: ok   apt install, use and purge in a sandbox: ${scenarios[*]} ($((SECONDS - START)) s in all)"
[ $# -ge 1 ] && cp "$DEB" "$1/"
exit 0
