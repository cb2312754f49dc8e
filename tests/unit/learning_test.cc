// SPDX-License-Identifier: MIT
// learning: a mail log's transactions counted into a TLS history store as the
// daemon would have counted them, once however often the log is learned.
#include <doctest/doctest.h>

#include <sstream>

#include "config/config_loader.h"
#include "fixtures.h"
#include "history/memory_store.h"
#include "history/tracker.h"
#include "maillog/learning.h"
#include "maillog/log_line.h"
#include "protocol/request.h"

using namespace tlspolicyd;
using maillog::Learning;
using maillog::Outcome;
using maillog::Rcpt;

namespace {

constexpr std::string_view Key = "partner.example|mx.partner.example";
// The learning's clock: the default retention (90 days) back from it covers every time here.
constexpr std::int64_t Now = 1000000;
// The recorded logs' day, 2026-12-03.
constexpr std::int64_t Recorded = 1796331600;

// A delivered RCPT from the partner at `time`, in transaction `queue_id`.
Rcpt rcpt(std::int64_t time, std::string protocol, std::string queue_id, std::string recipient = "a@example.org") {
  Rcpt r;
  r.time = time;
  r.host = "mx";
  r.service = "postfix/smtpd";
  r.session = static_cast<std::uint64_t>(time);
  r.client_name = "mx.partner.example";
  r.client_address = "192.0.2.1";
  r.sender = "s@partner.example";
  r.recipient = std::move(recipient);
  r.tls_known = true;
  r.tls_lines = true;
  r.protocol = std::move(protocol);
  r.queue_id = std::move(queue_id);
  r.outcome = Outcome::Delivered;
  return r;
}

config::DowngradeSettings settings(std::uint32_t min_observations = 3) {
  config::DowngradeSettings s;
  s.min_observations = min_observations;
  return s;
}

Learning::Totals learn(history::Store& store, const std::vector<Rcpt>& rcpts,
                       const config::DowngradeSettings& s = settings(), maillog::ServiceMap services = {},
                       std::int64_t now = Now) {
  Learning learning(s, std::move(services), store, now);
  for (const auto& r : rcpts) learning.add(r);
  learning.finish();
  return learning.totals();
}

history::Record stored(history::Store& store, std::string_view key) {
  auto got = store.get({std::string(key)});
  REQUIRE(got[0].has_value());
  return *got[0];
}

// The RCPTs a recorded log gives out.
std::vector<Rcpt> replay(const std::string& text) {
  std::vector<Rcpt> got;
  maillog::Transactions tx([&](const Rcpt& r) { got.push_back(r); });
  maillog::LineParser parser(Recorded);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (auto parsed = parser.parse(line)) tx.add(*parsed);
  }
  tx.finish();
  return got;
}

}  // namespace

TEST_CASE("learning: each transaction counted once per key, and the same lines learned again count nothing") {
  history::MemoryStore store;
  Rcpt refused = rcpt(1500, "", "");
  refused.outcome = Outcome::Rejected;
  Rcpt unknown_tls = rcpt(1600, "", "Q9");
  unknown_tls.tls_known = false;  // its session began before the log
  const std::vector<Rcpt> log = {rcpt(1000, "TLSv1.3", "Q1"), rcpt(1000, "TLSv1.3", "Q1", "b@example.org"),
                                 refused, unknown_tls, rcpt(2000, "TLSv1.3", "Q2"), rcpt(3000, "TLSv1.3", "Q3")};
  const auto first = learn(store, log);
  CHECK(first.rcpts == 6);
  CHECK(first.learned_rcpts == 4);
  CHECK(first.transactions == 3);  // Q1's two recipients are one transaction
  CHECK(first.keys == 1);
  CHECK(first.refused == 1);
  CHECK(first.tls_unknown == 1);
  CHECK(first.downgrades == 0);
  history::Record r = stored(store, Key);
  CHECK(r.tls() == 3);
  CHECK(r.plaintext() == 0);
  CHECK(r.best_version() == tls::TlsVersion::TLSv1_3);
  CHECK(r.first_seen == 1000);
  CHECK(r.last_seen == 3000);

  const auto again = learn(store, log);
  CHECK(again.transactions == 0);
  CHECK(again.learned_rcpts == 0);
  CHECK(again.known == 4);
  CHECK(stored(store, Key) == r);

  // The daemon on that store: the learned peer's plaintext is a downgrade.
  history::Tracker daemon({});
  protocol::Request plain;
  plain.set(protocol::Attr::Instance, "live");
  plain.set(protocol::Attr::Sender, "s@partner.example");
  plain.set(protocol::Attr::ClientName, "mx.partner.example");
  plain.set(protocol::Attr::ClientAddress, "192.0.2.1");
  plain.finalize();
  const auto lookup = daemon.lookup(plain);
  CHECK(lookup.key == Key);
  daemon.loaded(lookup.key, store.get({lookup.key})[0]);
  const auto finding = daemon.observe(plain, 4000);
  REQUIRE(finding.has_value());
  CHECK(finding->reason.unmet == policy::Unmet::PlaintextAfterTls);
}

TEST_CASE("learning: a downgrade in the log is found as the daemon would have found it") {
  history::MemoryStore store;
  const config::DowngradeSettings s = settings();
  Learning learning(s, {}, store, Now);
  for (const Rcpt& r : {rcpt(1000, "TLSv1.3", "Q1"), rcpt(2000, "TLSv1.3", "Q2"), rcpt(3000, "TLSv1.3", "Q3"),
                        rcpt(4000, "", "Q4"), rcpt(4000, "", "Q4", "b@example.org"), rcpt(5000, "TLSv1.2", "Q5")}) {
    learning.add(r);
  }
  learning.finish();
  CHECK(learning.totals().downgrades == 2);  // the plaintext transaction once, then TLS 1.2 below its best
  CHECK(learning.downgrade_keys() == std::map<std::string, std::uint64_t>{{std::string(Key), 2}});
  CHECK(stored(store, Key).downgrades == 2);
}

TEST_CASE("learning: a log older than the store's record is added to it; inside it, taken as counted") {
  history::MemoryStore store;
  // A daemon counted two TLS 1.3 transactions at 5000 and 6000.
  learn(store, {rcpt(5000, "TLSv1.3", "D1"), rcpt(6000, "TLSv1.3", "D2")});
  const auto t = learn(store, {rcpt(1000, "TLSv1.2", "L1"), rcpt(5500, "TLSv1.3", "L2"), rcpt(7000, "", "L3")});
  CHECK(t.older == 1);
  CHECK(t.known == 1);
  CHECK(t.transactions == 2);
  const history::Record r = stored(store, Key);
  CHECK(r.total() == 4);
  CHECK(r.plaintext() == 1);
  CHECK(r.first_seen == 1000);
  CHECK(r.last_seen == 7000);
  CHECK(r.best_version() == tls::TlsVersion::TLSv1_3);
  CHECK(t.downgrades == 0);  // 2 TLS transactions before the plaintext: below min_observations 3
  // Learned in either order, both logs once: nothing more.
  const auto again = learn(store, {rcpt(1000, "TLSv1.2", "L1"), rcpt(5500, "TLSv1.3", "L2"), rcpt(7000, "", "L3")});
  CHECK(again.transactions == 0);
  CHECK(again.known == 3);
}

TEST_CASE("learning: what the log does not carry, or the daemon does not track, is not counted") {
  history::MemoryStore store;
  Rcpt bounce = rcpt(1000, "TLSv1.3", "Q1");
  bounce.sender = "";  // the null sender: key [sender_domain] is empty, not tracked
  Rcpt other = rcpt(1000, "TLSv1.3", "Q2");
  other.service = "postfix-out/smtpd";
  maillog::ServiceMap services;
  services.services["postfix-out/smtpd"].asks = false;
  config::DowngradeSettings by_domain = settings();
  by_domain.key = {history::KeyPart::SenderDomain};
  auto t = learn(store, {bounce, other}, by_domain, services);
  CHECK(t.untracked == 1);
  CHECK(t.not_asked == 1);
  CHECK(t.transactions == 0);

  // A key with helo_name: only reject lines carry it, and those are not counted.
  config::DowngradeSettings by_helo = settings();
  by_helo.key = {history::KeyPart::HeloName, history::KeyPart::Client};
  t = learn(store, {rcpt(1000, "TLSv1.3", "Q3")}, by_helo);
  CHECK(t.key_unknown == 1);
  CHECK(t.transactions == 0);
}

TEST_CASE("learning: more keys than a window and a small cache lose nothing") {
  history::MemoryStore store;
  config::DowngradeSettings s = settings();
  s.cache_entries = 10;
  std::vector<Rcpt> log;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 45000; ++i) {  // more than the cache holds (4 x 10 windows)
      Rcpt r = rcpt(1000 + round * 100000 + i, "TLSv1.3", "Q" + std::to_string(round) + "-" + std::to_string(i));
      r.sender = "s@d" + std::to_string(i) + ".example";
      log.push_back(std::move(r));
    }
  }
  const auto t = learn(store, log, s);
  CHECK(t.transactions == 90000);
  CHECK(t.keys == 45000);
  CHECK(t.dropped == 0);  // the second round's keys were evicted, and fetched again
  CHECK(stored(store, "d44999.example|mx.partner.example").tls() == 2);
  CHECK(learn(store, log, s).transactions == 0);
}

TEST_CASE("learning: Postfix's recorded log, learned twice, counts each accepted transaction once") {
  history::MemoryStore store;
  const auto rcpts = replay(test::fixture("maillog/maillog_file.log"));
  const auto first = learn(store, rcpts, settings(), {}, Recorded);
  CHECK(first.transactions > 0);
  CHECK(first.refused > 0);
  // The partner bank over TLS 1.3 and TLS 1.2 (ECDHE), delivered; its plaintext and static-RSA RCPTs were refused.
  const history::Record partner = stored(store, "partner-bank.example|localhost");
  CHECK(partner.tls() == 2);
  CHECK(partner.plaintext() == 0);
  CHECK(partner.best_version() == tls::TlsVersion::TLSv1_3);
  std::uint64_t total = 0;
  store.scan([&](const std::string&, const history::Record& r) {
    total += r.total();
    return true;
  });
  CHECK(total == first.transactions);
  const auto again = learn(store, rcpts, settings(), {}, Recorded);
  CHECK(again.transactions == 0);
  CHECK(again.known == first.learned_rcpts);
  // 90 days later, past the retention, nothing of it is learned.
  history::MemoryStore later;
  const auto past = learn(later, rcpts, settings(), {}, Recorded + 91 * 86400);
  CHECK(past.transactions == 0);
  CHECK(past.expired == past.rcpts);
}

TEST_CASE("learning: a transaction given out again an hour later is placed as it was the first time") {
  // Found by the maillog fuzz target: the second run placed the later copy
  // after the learned span and counted it, where the first run's tracker had
  // taken it for the transaction it had counted.
  history::MemoryStore store;
  Rcpt first = rcpt(1000, "TLSv1.3", "Q1");
  Rcpt again = rcpt(4600, "TLSv1.3", "Q1");
  again.session = first.session;
  const std::vector<Rcpt> log = {first, again};
  CHECK(learn(store, log).transactions == 1);
  const auto second = learn(store, log);
  CHECK(second.transactions == 0);
  CHECK(second.known == 2);
  CHECK(stored(store, Key).total() == 1);
}

TEST_CASE("learning: the same log twice in one run (plain and gzipped, journal and mail.log) counts once (review 14)") {
  history::MemoryStore store;
  std::vector<Rcpt> log = {rcpt(1000, "TLSv1.3", "Q1"), rcpt(1000, "TLSv1.3", "Q1", "b@example.org"),
                           rcpt(2000, "TLSv1.3", "Q2")};
  for (std::size_t i = 0; i < 3; ++i) {
    Rcpt copy = log[i];
    copy.session += 1000000;  // read again: the session numbers go on
    log.push_back(copy);
  }
  const auto t = learn(store, log);
  CHECK(t.transactions == 2);
  CHECK(t.duplicates == 3);
  CHECK(stored(store, Key).tls() == 2);
}

TEST_CASE("learning: logs read newest first count what the daemon counted, and find no downgrade it would not have "
          "(review 14)") {
  history::MemoryStore store;
  // mail.log (TLS 1.3 on three days), then mail.log.1 (plaintext ten days before).
  const auto t = learn(store, {rcpt(100000, "TLSv1.3", "Q1"), rcpt(186400, "TLSv1.3", "Q2"),
                               rcpt(272800, "TLSv1.3", "Q3"), rcpt(10000, "", "Q0")});
  CHECK(t.transactions == 4);
  CHECK(t.downgrades == 0);
  CHECK(t.unjudged == 1);
  const history::Record r = stored(store, Key);
  CHECK(r.downgrades == 0);
  CHECK(r.last_version() == tls::TlsVersion::TLSv1_3);  // the latest transaction's, not the last read
  CHECK(r.first_seen == 10000);
}

TEST_CASE("learning: lines of the last seconds, or dated later, are left to the daemon; a span's edges are "
          "taken as counted (review 14)") {
  history::MemoryStore store;
  learn(store, {rcpt(5000, "TLSv1.3", "D1"), rcpt(6000, "TLSv1.3", "D2")});
  // The daemon stamped its count a second after the log's client= line: still the same transactions.
  auto t = learn(store, {rcpt(4999, "TLSv1.3", "L1"), rcpt(6001, "TLSv1.3", "L2")});
  CHECK(t.known == 2);
  CHECK(t.transactions == 0);
  t = learn(store, {rcpt(Now - 5, "TLSv1.3", "N1"), rcpt(Now + 365 * 86400, "TLSv1.3", "N2")});
  CHECK(t.too_new == 2);
  CHECK(t.transactions == 0);
  CHECK(stored(store, Key).last_seen == 6000);
}

TEST_CASE("learning: an exemption on what the log does not carry counts without judging (review 14)") {
  history::MemoryStore store;
  auto loaded = config::load_config_text("downgrade: { store: memory, exempt: { server_port: [25] } }\nrules: []\n",
                                         "t.yaml");
  REQUIRE(loaded.config);
  const auto t = learn(store, {rcpt(1000, "TLSv1.3", "Q1"), rcpt(2000, "TLSv1.3", "Q2"), rcpt(3000, "TLSv1.3", "Q3"),
                               rcpt(4000, "", "Q4")},
                       *loaded.config->downgrade);
  CHECK(t.transactions == 4);
  CHECK(t.downgrades == 0);  // the daemon knew the port; the log does not say it
  CHECK(t.unjudged == 4);
  CHECK(stored(store, Key).below_since == 0);
}
