#!/usr/bin/python3
"""check-filters.py LOG [MIN_REFUSALS]: the example fail2ban filter and logcheck
rule (conf/examples/) on a log as `journalctl -o short-iso-precise` shows it.

Which lines they must match is worked out here on its own, by parsing each
tlspolicyd line's key=value pairs (values quoted and escaped as log::KvLine
writes them): the answer lines (first word action=) whose action refuses
(reject, defer, defer_if_permit, a 4xx/5xx code) in mode enforce. `grep -E -f`
with the logcheck rule must find exactly those lines; fail2ban-regex exactly
those whose reason is not a match error and whose client is NAME[ADDRESS] with
a plain name, with that address. And `grep -c '^[^]]*]: action=reject '` (the
README's count) counts exactly the answer lines with action=reject. The log must hold at
least MIN_REFUSALS (1) such lines and other tlspolicyd lines too, so that the
check can fail. And where Postfix's own lines are in the log too, each RCPT
Postfix refused, warned about, redirected or held on tlspolicyd's answer (a
NOQUEUE line; not Postfix's own 451 4.3.5 for an unreachable policy server) has
exactly one tlspolicyd line with action= and the same from=<> to=<>: counting
action= words counts each refused RCPT once. Exit 0 when all holds."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILTER = os.path.join(SRC, "conf/examples/fail2ban/filter.d/tlspolicyd.conf")
LOGCHECK = os.path.join(SRC, "conf/examples/logcheck/violations.d/tlspolicyd")
REFUSING = re.compile(r"^(reject|defer|defer_if_permit|[45]\d\d)$")
TAG = re.compile(r" tlspolicyd\[\d+\]: ")
PLAIN_CLIENT = re.compile(r'^[^\s\["]*\[([0-9A-Fa-f:.]+)\]$')
NOQUEUE = re.compile(r" postfix/[a-z/]*smtpd\[\d+\]: NOQUEUE: \w+: RCPT from .*; from=<([^>]*)> to=<([^>]*)> ")


def pairs(message):
    """The key=value pairs of a line, values unquoted; a bare first word
    ("observe:") is returned under the key ''."""
    out, i, n = {}, 0, len(message)
    while i < n:
        j = i
        while j < n and message[j] not in "= ":
            j += 1
        if j >= n or message[j] == " ":
            out.setdefault("", message[i:j])
            i = j + 1
            continue
        key, i = message[i:j], j + 1
        if i < n and message[i] == '"':
            i += 1
            value = bytearray()
            while message[i] != '"':
                if message[i] == "\\" and message[i + 1] == "x":  # \xNN: a byte
                    value.append(int(message[i + 2:i + 4], 16))
                    i += 4
                    continue
                if message[i] == "\\":
                    i += 1
                value += message[i].encode()
                i += 1
            i += 1
            out[key] = value.decode("utf-8", "replace")
        else:
            j = message.find(" ", i)
            j = n if j < 0 else j
            out[key] = message[i:j]
            i = j
        i += 1  # the space
    return out


def main():
    log = sys.argv[1]
    minimum = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    expected, refusals, rejects, others = {}, [], 0, 0
    answers, postfix = {}, []
    for line in open(log, encoding="utf-8", errors="replace"):
        noqueue = NOQUEUE.search(line)
        if noqueue and "Server configuration problem" not in line:
            postfix.append(noqueue.groups())
        tag = TAG.search(line)
        if not tag:
            continue
        message = line.rstrip("\n")[tag.end():]
        kv = pairs(message)
        if message.startswith("action="):
            key = (kv["from"][1:-1], kv["to"][1:-1])
            answers[key] = answers.get(key, 0) + 1
        rejects += message.startswith("action=") and kv["action"] == "reject"
        if message.startswith("action=") and REFUSING.match(kv["action"]) and kv["mode"] == "enforce":
            refusals.append(line.rstrip("\n"))
            client = PLAIN_CLIENT.match(kv["client"])
            if client and not kv["reason"].startswith("match error: "):
                expected[line.rstrip("\n")] = client.group(1)
        else:
            others += 1
    problems = []
    if len(expected) < minimum or others == 0:
        problems.append("the log has %d refusal(s) (want %d or more) and %d other tlspolicyd line(s)"
                        % (len(expected), minimum, others))
    run = subprocess.run(["grep", "-c", "^[^]]*]: action=reject ", log], capture_output=True, text=True)
    if int(run.stdout or 0) != rejects:
        problems.append("grep -c '^[^]]*]: action=reject ' counts %s, the log has %d action=reject answer(s)"
                        % (run.stdout.strip(), rejects))

    for key in postfix:
        if answers.get(key, 0) != 1:
            problems.append("Postfix acted on from=<%s> to=<%s>; tlspolicyd has %d action= line(s) for it"
                            % (key[0], key[1], answers.get(key, 0)))

    # Installed as the filter's comment says: next to fail2ban's own common.conf.
    with tempfile.TemporaryDirectory() as etc:
        shutil.copy("/etc/fail2ban/filter.d/common.conf", etc)
        shutil.copy(FILTER, etc)
        run = subprocess.run(["fail2ban-regex", "--out", "row", log, os.path.join(etc, "tlspolicyd.conf")],
                             capture_output=True, text=True)
    if run.returncode != 0:
        problems.append("fail2ban-regex failed: " + run.stderr.strip())
    # Each row: ['ID', 'TIME', ['LINE'], {...}]; its ip is in the dict.
    found = {}
    for row in run.stdout.splitlines():
        ip = re.search(r"'ip4?6?': '([^']+)'", row)
        if ip:
            found.setdefault(ip.group(1), 0)
            found[ip.group(1)] += 1
    want = {}
    for ip in expected.values():
        want[ip] = want.get(ip, 0) + 1
    if found != want:
        problems.append("fail2ban found %s, the refusals are %s" % (found, want))

    run = subprocess.run(["grep", "-E", "-f", LOGCHECK, log], capture_output=True, text=True)
    matched = run.stdout.splitlines()
    if sorted(matched) != sorted(refusals):
        problems.append("the logcheck rule matched %d line(s), the refusals are %d:\n  %s"
                        % (len(matched), len(refusals), "\n  ".join(sorted(set(matched) ^ set(refusals)))))
    for p in problems:
        print("check-filters: FAIL: " + p)
    print("check-filters: %d refusal(s) from %d client(s) among %d tlspolicyd line(s); %d NOQUEUE line(s) of "
          "Postfix: %s" % (len(expected), len(want), len(expected) + others, len(postfix),
                           "FAILED" if problems else "fail2ban and logcheck match exactly the refusals, "
                           "one action= line each"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
