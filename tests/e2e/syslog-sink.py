#!/usr/bin/python3
# syslog-sink.py: the system log of a test machine, as journald is on a Debian 12
# install without rsyslog: receives syslog datagrams on the given sockets
# (/dev/log) and appends each to FILE as one line, its <PRI> turned into the
# facility.severity name ("mail.info postfix/smtpd[123]: ..."), so that a test can
# grep Postfix's and tlspolicyd's own lines.
#
# Usage: syslog-sink.py FILE SOCKET...   (runs until killed)
import os
import select
import socket
import sys

FACILITIES = {0: "kern", 1: "user", 2: "mail", 3: "daemon", 4: "auth", 10: "authpriv",
              16: "local0", 17: "local1", 18: "local2", 19: "local3", 20: "local4",
              21: "local5", 22: "local6", 23: "local7"}
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]


def main():
    out = open(sys.argv[1], "a", buffering=1, encoding="utf-8", errors="replace")
    socks = []
    for path in sys.argv[2:]:
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


if __name__ == "__main__":
    main()
