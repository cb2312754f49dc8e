#!/usr/bin/python3
# maillog-gen.py: a Postfix 3.7 mail log of N SMTP sessions for the simulate
# benchmark, its lines shaped as the recorded ones (tests/fixtures/maillog/):
# postscreen in front of smtpd, TLS 1.3 / 1.2 / plaintext, one to three
# recipients, refusals at RCPT, submission with SASL, deliveries, a bounce now and
# then, and one session in a hundred whose TLS handshake fails. Deterministic
# (seeded), one session after the other, in the traditional syslog format.
#
# Usage: maillog-gen.py N OUT
import random
import sys

CIPHERS13 = "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
CIPHERS12 = ["ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)", "ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)",
             "AES256-SHA (256/256 bits)"]


def main():
    n = int(sys.argv[1])
    rnd = random.Random(20261203)
    out = open(sys.argv[2], "w", buffering=1 << 20)
    w = out.write
    qid = 0x10000000
    pid = 1000
    for i in range(n):
        ms = i * 7  # from Dec 3 00:00, a session every 7 ms
        stamp = "Dec %2d %02d:%02d:%02d" % (3 + ms // 86400000, ms // 3600000 % 24, ms // 60000 % 60, ms // 1000 % 60)
        pid = 1000 + i % 30000
        a, b = rnd.randrange(1, 255), rnd.randrange(1, 255)
        peer = "mx%d.sender%d.example[198.51.%d.%d]" % (b, a, a, b)
        r = rnd.random()
        submission = r < 0.05
        prog = "postfix/submission/smtpd" if submission else "postfix/smtpd"
        if not submission:
            port = rnd.randrange(30000, 60000)
            w("%s mx postfix/postscreen[99]: CONNECT from [198.51.%d.%d]:%d to [192.0.2.25]:25\n" % (stamp, a, b, port))
            w("%s mx postfix/postscreen[99]: PASS OLD [198.51.%d.%d]:%d\n" % (stamp, a, b, port))
        w("%s mx %s[%d]: connect from %s\n" % (stamp, prog, pid, peer))
        if r > 0.99:
            w("%s mx %s[%d]: SSL_accept error from %s: -1\n" % (stamp, prog, pid, peer))
            w("%s mx %s[%d]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:"
              "../ssl/statem/statem_srvr.c:2226:\n" % (stamp, prog, pid))
            w("%s mx %s[%d]: lost connection after STARTTLS from %s\n" % (stamp, prog, pid, peer))
            w("%s mx %s[%d]: disconnect from %s ehlo=1 starttls=0/1 commands=1/2\n" % (stamp, prog, pid, peer))
            continue
        tls = r < 0.85 or submission
        if tls:
            version = "TLSv1.3" if rnd.random() < 0.75 else "TLSv1.2"
            cipher = CIPHERS13 if version == "TLSv1.3" else rnd.choice(CIPHERS12)
            w("%s mx %s[%d]: Anonymous TLS connection established from %s: %s with cipher %s\n"
              % (stamp, prog, pid, peer, version, cipher))
        sender = "user%d@sender%d.example" % (rnd.randrange(1000), a)
        rcpts = ["rcpt%d@example.org" % rnd.randrange(5000) for _ in range(rnd.choice((1, 1, 1, 2, 3)))]
        if not tls and rnd.random() < 0.5:
            for rc in rcpts:
                w("%s mx %s[%d]: NOQUEUE: reject: RCPT from %s: 554 5.7.1 <%s>: Recipient address rejected: "
                  "Mail from sender%d.example requires TLS 1.2 or newer (no TLS); from=<%s> to=<%s> proto=ESMTP "
                  "helo=<mx%d.sender%d.example>\n" % (stamp, prog, pid, peer, rc, a, sender, rc, b, a))
            w("%s mx %s[%d]: disconnect from %s ehlo=1 mail=1 rcpt=0/%d quit=1 commands=3/%d\n"
              % (stamp, prog, pid, peer, len(rcpts), 3 + len(rcpts)))
            continue
        qid += 1
        q = "%X" % qid
        sasl = ", sasl_method=PLAIN, sasl_username=user%d" % rnd.randrange(500) if submission else ""
        w("%s mx %s[%d]: %s: client=%s%s\n" % (stamp, prog, pid, q, peer, sasl))
        w("%s mx postfix/cleanup[%d]: %s: message-id=<%d.%s@sender%d.example>\n" % (stamp, pid + 1, q, i, q, a))
        w("%s mx postfix/qmgr[98]: %s: from=<%s>, size=%d, nrcpt=%d (queue active)\n"
          % (stamp, q, sender, rnd.randrange(2000, 200000), len(rcpts)))
        w("%s mx %s[%d]: disconnect from %s ehlo=%d%s%s mail=1 rcpt=%d data=1 quit=1 commands=%d\n"
          % (stamp, prog, pid, peer, 2 if tls and not submission else 1, " starttls=1" if tls and not submission else "",
             " auth=1" if submission else "", len(rcpts), 6 + len(rcpts)))
        for rc in rcpts:
            if rnd.random() < 0.01:
                w("%s mx postfix/local[%d]: %s: to=<%s>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=5.1.1, "
                  "status=bounced (unknown user: \"%s\")\n" % (stamp, pid + 2, q, rc, rc.split("@")[0]))
            else:
                w("%s mx postfix/local[%d]: %s: to=<%s>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, "
                  "status=sent (delivered to mailbox)\n" % (stamp, pid + 2, q, rc))
        w("%s mx postfix/qmgr[98]: %s: removed\n" % (stamp, q))
    out.close()


if __name__ == "__main__":
    main()
