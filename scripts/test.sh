#!/bin/bash
# test.sh: install what is missing, build with warnings as errors, and run every
# test (unit, integration, golden and end-to-end with a real Postfix). This is
# what CI runs (.ci/run). Arguments go to ctest (e.g. -L unit, -LE e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_missing "${TLSPOLICYD_BUILD_DEPS[@]}" "${TLSPOLICYD_TEST_DEPS[@]}" "${TLSPOLICYD_E2E_DEPS[@]}"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSPOLICYD_TESTS=ON -DTLSPOLICYD_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
build-test/daemon/tlspolicyd check -c conf/tlspolicyd.yaml
ctest --test-dir build-test --output-on-failure "$@"
