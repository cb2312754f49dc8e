#!/bin/bash
# run.sh: install what is missing, build, and run tlspolicyd in the foreground on
# the shipped conf/tlspolicyd.yaml, logging to the terminal. Stop it with Ctrl-C.
# Extra arguments go to `tlspolicyd serve` (e.g. --listen inet:127.0.0.1:10040).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_missing "${TLSPOLICYD_BUILD_DEPS[@]}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target tlspolicyd
# The shipped configuration drops root for this system user and listens in
# Postfix's queue directory: create both as the package does (the user and its
# group; the postfix user, if there is one, in that group; the socket directory
# root:tlspolicyd 1770).
if ! id tlspolicyd >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tlspolicyd
fi
if id postfix >/dev/null 2>&1 && ! id -nG postfix | grep -qw tlspolicyd; then usermod -a -G tlspolicyd postfix; fi
install -d -o root -g tlspolicyd -m 1770 /var/spool/postfix/tlspolicyd
exec build/daemon/tlspolicyd serve -c conf/tlspolicyd.yaml --log-stderr "$@"
