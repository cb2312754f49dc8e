#!/usr/bin/python3
# simulate-check.py: compares `tlspolicyd simulate --json` on a Postfix log with
# what the live daemon answered (its decision lines in the syslog) and what
# Postfix replied, RCPT by RCPT.
#
# Usage: simulate-check.py SIMULATE_JSON SYSLOG SUFFIX
#   SIMULATE_JSON  simulate's output (JSON Lines; the last line is the summary)
#   SYSLOG         the machine's syslog, with tlspolicyd's `log.decisions: all` lines
#   SUFFIX         only senders (or recipients) whose local part ends in SUFFIX (one round)
# Prints each disagreement; exit 0 when there is none and every RCPT the daemon
# answered was simulated, 1 otherwise.
import json
import re
import sys

# The answer line: one per request (census lines start with their mode instead).
DECISION = re.compile(r"tlspolicyd\[\d+\]: action=(\S+) rule=(\S+) mode=(\S+) .* from=<([^>]*)> to=<([^>]*)> ")


def main():
    sim_path, syslog_path, suffix = sys.argv[1:4]
    objects = [json.loads(line) for line in open(sim_path, encoding="utf-8")]
    summary = objects.pop()
    assert "summary" in summary, "the last line is not the summary"
    simulated = {}
    for o in objects:
        simulated.setdefault((o["sender"], o["recipient"]), []).append(o)

    # The daemon's answer per RCPT, and the rule that decided it (none for the
    # default action or a rule's DUNNO).
    daemon = {}
    for line in open(syslog_path, encoding="utf-8", errors="replace"):
        m = DECISION.search(line)
        if not m:
            continue
        action, rule, mode, sender, recipient = m.groups()
        if not (sender.split("@")[0].endswith(suffix) or recipient.split("@")[0].endswith(suffix)):
            continue
        decided = (action == "warn" and mode == "warn") or (action not in ("dunno", "warn") and mode == "enforce")
        daemon[(sender, recipient)] = {"action": action, "rule": rule if decided else None}

    problems = []
    if not daemon:
        problems.append("no decision line of the daemon for senders ending in %s" % suffix)
    for key, d in sorted(daemon.items()):
        got = simulated.get(key, [])
        if len(got) != 1:
            problems.append("%s -> %s: %d simulated RCPT(s), the daemon answered one" % (key[0], key[1], len(got)))
            continue
        o = got[0]
        if o["action"] is None:
            problems.append("%s -> %s: not simulated (%s)" % (key[0], key[1], o["cannot_simulate"]))
            continue
        verb = o["action"].split(" ")[0].lower()
        if verb != d["action"] or o["rule"] != d["rule"]:
            problems.append("%s -> %s: simulated %s (rule %s), the daemon answered %s (rule %s)"
                            % (key[0], key[1], o["action"], o["rule"], d["action"], d["rule"]))
        if d["action"] not in ("dunno", "warn"):
            # Postfix's reply: "CODE DSN <rcpt>: Recipient address rejected: TEXT"
            words = o["action"].split(" ", 2)
            code = words[0] if words[0].isdigit() else "554"
            text = words[2] if len(words) > 2 else ""
            expected = "%s %s <%s>: Recipient address rejected: %s" % (code, words[1], key[1], text)
            if o["postfix"] != "rejected" or o["postfix_reply"] != expected:
                problems.append("%s -> %s: Postfix replied %r (%s), the simulation says %r"
                                % (key[0], key[1], o["postfix_reply"], o["postfix"], expected))
    for p in problems:
        print("simulate-check: " + p)
    print("simulate-check: %d RCPT(s) the daemon answered, %d simulated, %d disagreement(s)"
          % (len(daemon), len(objects), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
