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
# The shipped configuration drops root for this system user, as the packages do.
if ! id tlspolicyd >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tlspolicyd
fi
exec build/daemon/tlspolicyd serve -c conf/tlspolicyd.yaml --log-stderr "$@"
