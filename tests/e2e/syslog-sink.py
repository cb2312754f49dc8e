#!/usr/bin/python3
# syslog-sink.py: the system log of a test machine, as journald is on a Debian 12
# install without rsyslog: receives syslog datagrams on the given sockets
# (/dev/log) and appends each to FILE as one line, its <PRI> turned into the
# facility.severity name ("mail.info postfix/smtpd[123]: ..."), so that a test can
# grep Postfix's and tlspolicyd's own lines. With --journal JFILE it also
# appends each line to JFILE as `journalctl -o short-iso-precise` shows it:
# "2026-12-03T20:55:01.123456+0000 HOST postfix/smtpd[123]: ...", the time being
# when the line arrived (journald's realtime stamp), HOST this machine's name.
#
# Usage: syslog-sink.py [--journal JFILE] FILE SOCKET...   (runs until killed)
import os
import select
import re
import socket
import sys
import time

FACILITIES = {0: "kern", 1: "user", 2: "mail", 3: "daemon", 4: "auth", 10: "authpriv",
              16: "local0", 17: "local1", 18: "local2", 19: "local3", 20: "local4",
              21: "local5", 22: "local6", 23: "local7"}
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]


# glibc's syslog(3) datagram after <PRI>: "Mmm dd hh:mm:ss TAG[PID]: MESSAGE".
BSD_STAMP = re.compile(r"^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d ")


def journal_line(data):
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))
    stamp += ".%06d" % int((now % 1) * 1e6) + time.strftime("%z", time.localtime(now))
    return "%s %s %s\n" % (stamp, socket.gethostname(), BSD_STAMP.sub("", data, count=1))


def main():
    args = sys.argv[1:]
    journal = None
    if args[0] == "--journal":
        journal = open(args[1], "a", buffering=1, encoding="utf-8", errors="replace")
        args = args[2:]
    out = open(args[0], "a", buffering=1, encoding="utf-8", errors="replace")
    socks = []
    for path in args[1:]:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        os.chmod(path, 0o666)
        socks.append(s)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data = s.recv(65536).decode("utf-8", "replace").rstrip("\n")
            prefix = ""
            if data.startswith("<") and ">" in data[:5]:
                pri = int(data[1:data.index(">")])
                prefix = "%s.%s " % (FACILITIES.get(pri >> 3, str(pri >> 3)), SEVERITIES[pri & 7])
                data = data[data.index(">") + 1:]
            out.write(prefix + data + "\n")
            if journal:
                journal.write(journal_line(data))


if __name__ == "__main__":
    main()
