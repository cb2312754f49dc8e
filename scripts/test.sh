#!/bin/bash
# test.sh: install what is missing, build with warnings as errors, and run every
# test (unit, integration, golden, end-to-end with a real Postfix, systemd,
# packaging, benchmark smoke). Then a second pass: a clang build with
# AddressSanitizer and UndefinedBehaviorSanitizer runs the unit, integration and
# end-to-end tests (the daemon itself sanitized) and each fuzzer for FUZZ_SECONDS
# (30).
# This is what CI runs (.ci/run).
#
# Arguments go to the first pass's ctest (e.g. -L unit, -LE e2e); with arguments
# the second pass runs only if SANITIZE=1, without them unless SANITIZE=0.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
SANITIZE=${SANITIZE:-$([ $# -eq 0 ] && echo 1 || echo 0)}
install_missing "${TLSPOLICYD_BUILD_DEPS[@]}" "${TLSPOLICYD_TEST_DEPS[@]}" "${TLSPOLICYD_E2E_DEPS[@]}"
if [ "$SANITIZE" = 1 ]; then install_missing "${TLSPOLICYD_SANITIZE_DEPS[@]}"; fi
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=ON -DTLSPOLICYD_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
build-test/daemon/tlspolicyd check -c conf/tlspolicyd.yaml
ctest --test-dir build-test --output-on-failure "$@"

if [ "$SANITIZE" = 1 ]; then
  CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=ON \
    -DTLSPOLICYD_WERROR=ON -DTLSPOLICYD_SANITIZE=address,undefined -DTLSPOLICYD_FUZZ=ON \
    -DTLSPOLICYD_FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >/dev/null
  cmake --build build-sanitize -j"$(nproc)"
  ctest --test-dir build-sanitize --output-on-failure -L 'unit|integration|e2e|fuzz'
fi
