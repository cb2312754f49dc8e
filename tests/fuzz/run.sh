#!/bin/bash
# run.sh: runs one libFuzzer binary for a bounded time (ctest's fuzz-NAME tests).
#
# Usage: tests/fuzz/run.sh FUZZER SECONDS REGRESSIONS_DIR SEED...
# The inputs that once failed run first; then the fuzzer explores from the seeds
# (files or directories, read only) into a scratch corpus, for SECONDS. A crash,
# a failed check, a leak or a timeout fails the test and leaves the input in
# REGRESSIONS_DIR as crash-* etc.: rename it, commit it, fix the bug.
set -uo pipefail
FUZZER=$1 SECONDS_TO_RUN=$2 REGRESSIONS=$3
shift 3
WORK=$(mktemp -d /tmp/tlspolicyd-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# libFuzzer reads directories: every seed file goes into one.
mkdir -p "$WORK/corpus" "$WORK/seeds"
n=0
for s in "$@"; do
  while IFS= read -r -d '' f; do
    cp "$f" "$WORK/seeds/$((n++))"
  done < <(find "$s" -type f -size -64k -print0)
done
if compgen -G "$REGRESSIONS/*" > /dev/null; then
  "$FUZZER" -runs=0 "$REGRESSIONS"/* || exit 1
fi
exec "$FUZZER" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$REGRESSIONS/" -print_final_stats=1 "$WORK/corpus" "$WORK/seeds"
