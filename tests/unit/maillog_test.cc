// SPDX-License-Identifier: MIT
// maillog: syslog lines in both formats, Postfix's messages, and the RCPTs the
// transactions rebuild. The lines are Postfix 3.7's own, from the recorded logs
// under tests/fixtures/maillog (tests/e2e/maillog.sh writes them).
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>

#include "maillog/log_line.h"
#include "maillog/postfix_event.h"
#include "maillog/transactions.h"
#include "fixtures.h"

using namespace tlspolicyd;
using maillog::EventKind;
using maillog::Outcome;
using maillog::SaslState;

namespace {

// 2026-12-03 21:00 UTC: the recorded logs' day.
constexpr std::time_t Now = 1796331600;

std::vector<maillog::Rcpt> replay(const std::string& text, maillog::Transactions** out = nullptr) {
  static std::vector<maillog::Rcpt> got;
  got.clear();
  static std::unique_ptr<maillog::Transactions> tx;
  tx = std::make_unique<maillog::Transactions>([](const maillog::Rcpt& r) { got.push_back(r); });
  maillog::LineParser parser(Now);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (auto parsed = parser.parse(line)) {
      tx->add(*parsed);
    } else {
      tx->count_unparsed();
    }
  }
  tx->finish();
  if (out != nullptr) *out = tx.get();
  return got;
}

const maillog::Rcpt* find(const std::vector<maillog::Rcpt>& rcpts, std::string_view sender, std::string_view recipient) {
  for (const auto& r : rcpts) {
    if (r.sender == sender && r.recipient == recipient) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("maillog: a traditional syslog line (rsyslog, Postfix's maillog_file) and an RFC 3339 one") {
  setenv("TZ", "UTC", 1);
  tzset();
  maillog::LineParser p(Now);
  auto a = p.parse("Dec 03 20:33:09 mx postfix/smtpd[1120]: connect from localhost[127.0.0.1]");
  REQUIRE(a);
  CHECK(a->time == 1796329989);
  CHECK(a->host == "mx");
  CHECK(a->program == "postfix/smtpd");
  CHECK(a->pid == 1120);
  CHECK(a->message == "connect from localhost[127.0.0.1]");
  auto b = p.parse("Dec  3 20:33:09.250000 mx postfix/submission/smtpd[7]: x");
  REQUIRE(b);
  CHECK(b->time == 1796329989);
  CHECK(b->micros == 250000);
  CHECK(b->program == "postfix/submission/smtpd");
  auto c = p.parse("2026-12-03T20:33:09.688215+0000 mx.sandbox.example postfix/qmgr[1]: A1B2C3D4E5: removed");
  REQUIRE(c);
  CHECK(c->time == 1796329989);
  CHECK(c->micros == 688215);
  CHECK(c->host == "mx.sandbox.example");
  auto d = p.parse("2026-12-03T21:33:09+01:00 mx postfix/qmgr[1]: x");
  REQUIRE(d);
  CHECK(d->time == 1796329989);
  CHECK(p.parse("2026-12-03T20:33:09Z mx postfix/qmgr[1]: x")->time == 1796329989);
  for (const char* bad : {"", "hello world", "Dec 03 20:33:09 mx no-pid-here: x", "Dec 03 25:00:00 mx a[1]: x",
                          "Foo 03 20:33:09 mx a[1]: x", "2026-13-03T20:33:09Z mx a[1]: x",
                          "2026-12-03T20:33:09 mx a[1]: x", "Dec 03 20:33:09 mx a[x]: y"}) {
    CHECK_MESSAGE(!p.parse(bad), bad);
  }
}

TEST_CASE("maillog: a traditional stamp's year: now's, last year's for a later month, the next after December") {
  setenv("TZ", "UTC", 1);
  tzset();
  maillog::LineParser p(Now);  // December 2026
  CHECK(p.parse("Dec 31 23:59:59 mx a[1]: x")->time == 1798761599);
  CHECK(p.parse("Jan  1 00:00:01 mx a[1]: x")->time == 1798761601);  // 2027
  CHECK(p.parse("Dec 31 23:59:58 mx a[1]: x")->time == 1830297598);  // a few lines out of order: still 2027
  maillog::LineParser june(1780000000);  // 2026-05-28
  CHECK(june.parse("Dec 30 10:00:00 mx a[1]: x")->time == 1767088800);  // December 2025
}

TEST_CASE("maillog: Postfix 3.7's messages") {
  using maillog::parse_event;
  auto tls = parse_event("postfix/smtpd",
                         "Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.3 with cipher "
                         "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) "
                         "server-digest SHA256");
  CHECK(tls.kind == EventKind::Tls);
  CHECK(tls.client_name == "localhost");
  CHECK(tls.client_address == "127.0.0.1");
  CHECK(tls.protocol == "TLSv1.3");
  CHECK(tls.cipher == "TLS_AES_256_GCM_SHA384");
  CHECK(tls.keysize == 256);
  CHECK_FALSE(tls.client_cert);
  CHECK(parse_event("postfix/smtpd", "Trusted TLS connection established from a[192.0.2.1]: TLSv1.2 with cipher "
                                     "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)")
            .client_cert);

  auto client = parse_event("postfix/submission/smtpd",
                            "DCA8B38E: client=localhost[127.0.0.1], sasl_method=PLAIN, "
                            "sasl_username=testuser@mx.sandbox.example");
  CHECK(client.kind == EventKind::Client);
  CHECK(client.queue_id == "DCA8B38E");
  CHECK(client.sasl_method == "PLAIN");
  CHECK(client.sasl_username == "testuser@mx.sandbox.example");

  auto reject = parse_event(
      "postfix/smtpd",
      "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <rcpt@example.test>: Recipient address rejected: "
      "Mail from partner-bank.example requires TLS 1.2+ (no TLS); from=<plain-partner-2@partner-bank.example> "
      "to=<rcpt@example.test> proto=ESMTP helo=<client.example.org>");
  CHECK(reject.kind == EventKind::RcptAction);
  CHECK(reject.queue_id.empty());
  CHECK(reject.verb == "reject");
  CHECK(reject.sender == "plain-partner-2@partner-bank.example");
  CHECK(reject.recipient == "rcpt@example.test");
  CHECK(reject.helo == "client.example.org");
  CHECK(reject.reply.starts_with("554 5.7.1 <rcpt@example.test>: Recipient address rejected: Mail from"));
  CHECK(reject.reply.ends_with("(no TLS)"));
  // A sender that writes the separators into its address cannot move the fields.
  auto forged = parse_event("postfix/smtpd",
                            "NOQUEUE: reject: RCPT from a[192.0.2.1]: 550 5.1.1 <x@y>: no; from=<a; from=<b@c> "
                            "to=<d@e> proto=ESMTP helo=<h>; from=<s@t> to=<x@y> proto=ESMTP helo=<h2>");
  CHECK(forged.kind == EventKind::RcptAction);
  CHECK(forged.recipient == "x@y");
  CHECK(forged.helo == "h2");

  auto delivered = parse_event("postfix/pipe",
                               "EDA7F384: to=<a@example.test>, relay=sink, delay=0.03, delays=0.02/0/0/0.01, "
                               "dsn=2.0.0, status=sent (delivered via sink service)");
  CHECK(delivered.kind == EventKind::Delivery);
  CHECK(delivered.recipient == "a@example.test");
  CHECK(delivered.status == maillog::DeliveryStatus::Sent);
  auto aliased = parse_event("postfix/local", "AB12CD34EF: to=<u@mx.example>, orig_to=<postmaster@example.org>, "
                                              "relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)");
  CHECK(aliased.recipient == "postmaster@example.org");
  CHECK(parse_event("postfix/qmgr", "83CCF380: from=<tls13-partner-2@partner-bank.example>, size=503, nrcpt=1 "
                                    "(queue active)")
            .sender == "tls13-partner-2@partner-bank.example");
  CHECK(parse_event("postfix/qmgr", "83CCF380: removed").kind == EventKind::Removed);
  auto bye = parse_event("postfix/smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 auth=1 mail=1 rcpt=0/1 quit=1 "
                                          "commands=4/5");
  CHECK(bye.kind == EventKind::Disconnect);
  CHECK(bye.auth_successes == 1);
  CHECK(parse_event("postfix/smtpd", "disconnect from a[192.0.2.1] ehlo=1 auth=0/1 commands=1/2").auth_successes == 0);
  CHECK(parse_event("postfix/smtpd", "SSL_accept error from localhost[127.0.0.1]: -1").kind == EventKind::TlsFailed);
  CHECK(parse_event("postfix/postscreen", "CONNECT from [127.0.0.1]:56266 to [127.0.0.1]:25").kind == EventKind::None);
  CHECK(parse_event("postfix/cleanup", "83CCF380: message-id=<x@y>").kind == EventKind::None);
  CHECK(parse_event("postfix/cleanup", "83CCF380: milter-reject: END-OF-MESSAGE from a[192.0.2.1]: 5.7.1 no; "
                                       "from=<s@t> to=<x@y> proto=ESMTP helo=<h>")
            .kind == EventKind::Rejected);
}

TEST_CASE("maillog: the RCPTs of Postfix's own log file, as the live daemon was asked them") {
  maillog::Transactions* tx = nullptr;
  const auto rcpts = replay(test::fixture("maillog/maillog_file.log"), &tx);
  // Refused by the policy on port 25: no TLS; the session's TLS is known.
  const auto* plain = find(rcpts, "plain-partner-2@partner-bank.example", "rcpt@example.test");
  REQUIRE(plain != nullptr);
  CHECK(plain->outcome == Outcome::Rejected);
  CHECK(plain->tls_known);
  CHECK(plain->protocol.empty());
  CHECK(plain->helo == "client.example.org");
  CHECK(plain->sasl == SaslState::None);
  CHECK(plain->service == "postfix/smtpd");
  CHECK(plain->reply.starts_with("554 5.7.1 <rcpt@example.test>"));
  // Accepted over TLS 1.3 and delivered.
  const auto* tls13 = find(rcpts, "tls13-partner-2@partner-bank.example", "rcpt@example.test");
  REQUIRE(tls13 != nullptr);
  CHECK(tls13->outcome == Outcome::Delivered);
  CHECK(tls13->protocol == "TLSv1.3");
  CHECK(tls13->cipher == "TLS_AES_256_GCM_SHA384");
  CHECK(tls13->keysize == 256);
  CHECK_FALSE(tls13->helo_known);
  // Three recipients, the one in the middle refused: all three, each once.
  CHECK(find(rcpts, "multi-2@example.org", "a@example.test")->outcome == Outcome::Delivered);
  CHECK(find(rcpts, "multi-2@example.org", "counsel@legal.example.test")->outcome == Outcome::Rejected);
  CHECK(find(rcpts, "multi-2@example.org", "b@example.test")->outcome == Outcome::Delivered);
  CHECK(find(rcpts, "multi-first-2@example.org", "counsel@legal.example.test")->outcome == Outcome::Rejected);
  CHECK(find(rcpts, "multi-first-2@example.org", "c@example.test")->outcome == Outcome::Delivered);
  // AUTH without TLS, refused before any queue file: authenticated (auth=1), user not logged.
  const auto* auth_plain = find(rcpts, "auth-plain-2@example.org", "g@example.test");
  REQUIRE(auth_plain != nullptr);
  CHECK(auth_plain->sasl == SaslState::UnknownUser);
  // AUTH over TLS on the submission port: the user is on the client= line.
  const auto* submission = find(rcpts, "submission-2@example.org", "i@example.test");
  REQUIRE(submission != nullptr);
  CHECK(submission->sasl == SaslState::User);
  CHECK(submission->sasl_username == "testuser@mx.sandbox.example");
  CHECK(submission->service == "postfix/submission/smtpd");
  CHECK(find(rcpts, "submission-old-2@example.org", "j@example.test")->protocol == "TLSv1.1");
  CHECK(find(rcpts, "submissions-2@example.org", "k@example.test")->service == "postfix/submissions/smtpd");
  // The null sender; a bounce, a deferral (still queued at the end), a WARN (delivered).
  CHECK(find(rcpts, "", "f-2@example.test") != nullptr);
  CHECK(find(rcpts, "bounced-2@example.org", "x@bounce.example.test")->outcome == Outcome::Bounced);
  CHECK(find(rcpts, "deferred-2@example.org", "y@defer.example.test")->outcome == Outcome::Deferred);
  CHECK(find(rcpts, "warned-2@warn.example", "l@example.test")->outcome == Outcome::Delivered);
  // Two messages in one session, the second refused; IPv6.
  CHECK(find(rcpts, "first-2@example.org", "o@example.test")->outcome == Outcome::Delivered);
  CHECK(find(rcpts, "second-2@partner-bank.example", "p@example.test")->outcome == Outcome::Rejected);
  CHECK(find(rcpts, "ipv6-2@example.org", "n@example.test")->client_address == "::1");
  // The bounce notice Postfix made itself (from=<>, to the sender) is not an RCPT.
  CHECK(find(rcpts, "", "bounced-2@example.org") == nullptr);
  // The failed handshake.
  REQUIRE(tx->tls_failures().size() == 1);
  CHECK(tx->tls_failures().begin()->second.count == 1);
  CHECK(rcpts.size() == 24);
  std::set<std::pair<std::string, std::string>> distinct;
  for (const auto& r : rcpts) distinct.emplace(r.sender, r.recipient);
  CHECK(distinct.size() == rcpts.size());  // each RCPT once
}

TEST_CASE("maillog: a line forged under smtpd's name and pid for another client is not the session's (review 12)") {
  // Any local user can log as postfix/smtpd[PID] (logger, postlog): one TLS line
  // made the plaintext partner's session TLSv1.3, and the report said its rule
  // would refuse nothing.
  std::string log = test::fixture("maillog/maillog_file.log");
  const std::string connect = "Dec 03 20:33:09 mx postfix/smtpd[1124]: connect from localhost[127.0.0.1]\n";
  const auto at = log.find(connect, log.find(connect) + 1);  // the plaintext partner's session
  REQUIRE(at != std::string::npos);
  log.insert(at + connect.size(), "Dec 03 20:33:09 mx postfix/smtpd[1124]: Anonymous TLS connection established from "
                                  "x[0.0.0.0]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n");
  maillog::Transactions* tx = nullptr;
  const auto rcpts = replay(log, &tx);
  const auto* plain = find(rcpts, "plain-partner-2@partner-bank.example", "rcpt@example.test");
  REQUIRE(plain != nullptr);
  CHECK(plain->protocol.empty());
  CHECK(tx->totals().foreign_lines == 1);
}

TEST_CASE("maillog: failed handshakes from ever new addresses cost a bounded map (review 12)") {
  std::string log;
  for (int i = 0; i < 12000; ++i) {
    log += "Dec 03 20:33:09 mx postfix/smtpd[7]: SSL_accept error from unknown[2001:db8::" + std::to_string(i) +
           "]: -1\n";
  }
  maillog::Transactions* tx = nullptr;
  (void)replay(log, &tx);
  CHECK(tx->tls_failures().size() == maillog::Transactions::MaxTlsFailurePeers);
  CHECK(tx->totals().other_tls_failures == 2000);
}

TEST_CASE("maillog: sessions that never end cost a bounded map; a second connect is counted (review 13)") {
  std::string log;
  for (std::uint32_t pid = 1; pid <= maillog::Transactions::MaxSessions + 500; ++pid) {
    log += "Dec 03 20:33:09 mx postfix/smtpd[" + std::to_string(pid) +
           "]: Anonymous TLS connection established from a[192.0.2.1]: TLSv1.3 with cipher X (256/256 bits)\n";
  }
  log += "Dec 03 20:33:09 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n";
  maillog::Transactions* tx = nullptr;
  (void)replay(log, &tx);
  CHECK(tx->totals().sessions_over_limit == 500);
  CHECK(tx->totals().reconnected == 1);
}

TEST_CASE("maillog: queue files never removed cost a bounded map (review 14)") {
  std::string log = "Dec 03 20:33:09 mx postfix/smtpd[7]: connect from a[192.0.2.1]\n";
  for (std::uint32_t i = 0; i < maillog::Transactions::MaxQueued + 300; ++i) {
    char qid[16];
    std::snprintf(qid, sizeof qid, "%010X", i + 1);  // a queue id as Postfix writes one
    log += "Dec 03 20:33:09 mx postfix/smtpd[7]: " + std::string(qid) + ": client=a[192.0.2.1]\n";
    log += "Dec 03 20:33:09 mx postfix/qmgr[8]: " + std::string(qid) +
           ": from=<s@x.example>, size=1, nrcpt=1 (queue active)\n";
  }
  maillog::Transactions* tx = nullptr;
  (void)replay(log, &tx);
  CHECK(tx->totals().queued_over_limit == 300);
  CHECK(tx->totals().transactions == maillog::Transactions::MaxQueued);
}
