#!/usr/bin/env python3
"""missing-names.py PAGE FILE...: prints each metric name (tlspolicyd_*, process_*)
that a dashboard or rules FILE uses but the metrics PAGE (a scrape of the daemon)
neither has a sample of nor declares with # TYPE (a counter with labels has
samples only once something was counted). Exit 1 when one is missing."""
import re
import sys

NAME = re.compile(r"\b(?:tlspolicyd|process)_[a-z0-9_]+\b")

page = open(sys.argv[1]).read().splitlines()
have = {line.split("{")[0].split(" ")[0] for line in page if line and not line.startswith("#")}
have |= {line.split()[2] for line in page if line.startswith("# TYPE ")}
used = set()
for path in sys.argv[2:]:
    used |= set(NAME.findall(open(path).read()))
missing = sorted(used - have)
for name in missing:
    print(name)
if not used:
    sys.exit("missing-names: no metric name in " + " ".join(sys.argv[2:]))
sys.exit(1 if missing else 0)
