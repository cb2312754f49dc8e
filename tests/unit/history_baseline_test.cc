// SPDX-License-Identifier: MIT
// TLS history baselines (issue 18 items 4 and 5): the record's baseline fields,
// their binary forms (2, and 1 still read), how they combine across writers, the
// tracker's rebaseline_after and reload, and the stores' change log.
#include <doctest/doctest.h>

#include "history/lmdb_store.h"
#include "history/memory_store.h"
#include "history/tracker.h"
#include "fixtures.h"

using namespace tlspolicyd;
using history::Record;
using protocol::Attr;
using tls::TlsVersion;

namespace {

constexpr std::int64_t Day = 86400;
const std::string Key = "partner.example";

struct Req {
  std::string protocol = "TLSv1.3";
  std::string instance = "1";
  protocol::Request build() const {
    protocol::Request r;
    r.set(Attr::Sender, "a@partner.example");
    r.set(Attr::ClientName, "mx.partner.example");
    r.set(Attr::ClientAddress, "192.0.2.10");
    r.set(Attr::EncryptionProtocol, protocol);
    r.set(Attr::Instance, instance);
    r.finalize();
    return r;
  }
};

// A tracker keyed by sender domain whose key's stored record is `stored`.
history::Tracker tracker(const Record& stored, std::int64_t rebaseline_after = 3 * Day) {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100, rebaseline_after});
  Req q;
  q.instance = "lookup";
  (void)t.lookup(q.build());
  (void)t.take_loads();
  t.loaded(Key, stored);
  return t;
}

Record tls13(int n, std::int64_t t = 1000) {
  Record r;
  for (int i = 0; i < n; ++i) r.add(TlsVersion::TLSv1_3, t + i);
  r.mark_at_best(t + n - 1);
  return r;
}

// Observes one transaction; whether it was a downgrade.
bool downgrade(history::Tracker& t, const std::string& protocol, std::int64_t now) {
  Req q;
  q.protocol = protocol;
  q.instance = "i." + std::to_string(now);  // every call here has its own time
  return t.observe(q.build(), now).has_value();
}

}  // namespace

TEST_CASE("record: format 2 keeps the baseline fields; format 1 is still read, without a baseline") {
  Record r = tls13(3);
  r.add(TlsVersion::Plaintext, 2000);
  r.downgrades = 1;
  r.mark_below(2000);
  r.start_baseline(1500, 7);
  r.baseline_tls = 2;
  r.at_best_last = 1600;
  r.below_since = 1700;
  const std::string bytes = history::encode(r);
  CHECK(bytes.size() == 123);
  CHECK(bytes[0] == 2);
  CHECK(history::decode(bytes) == r);
  // Format 1: the first 91 bytes of the same layout.
  std::string v1 = bytes.substr(0, 91);
  v1[0] = 1;
  auto old = history::decode(v1);
  REQUIRE(old.has_value());
  CHECK(old->counts == r.counts);
  CHECK(old->best == 7);
  CHECK(old->downgrades == 1);
  CHECK(old->baseline == 0);
  CHECK(old->tls_since_baseline() == 3);  // no baseline: every TLS transaction counts
  CHECK_FALSE(history::decode(bytes.substr(0, 91)));  // format 2 must be whole
  v1.push_back('x');
  CHECK_FALSE(history::decode(v1));
}

TEST_CASE("record: the newer baseline wins its fields whole; within one they add up") {
  Record base = tls13(5);
  base.add(TlsVersion::TLSv1_2, 2000);
  base.mark_below(2000);
  CHECK(base.below_since == 2000);
  CHECK(base.tls_since_baseline() == 6);

  Record next = base;
  next.rebaseline(3000);
  CHECK(next.baseline == 3000);
  CHECK(next.best == history::slot_of(TlsVersion::TLSv1_2));  // the last protocol seen
  CHECK(next.tls_since_baseline() == 0);
  CHECK(next.below_since == 0);
  Record rebaseline;  // what the command writes: the new baseline alone
  rebaseline.start_baseline(next.baseline, next.best);
  Record r = history::combine(base, rebaseline);
  CHECK(r.total() == base.total());  // lifetime counts stay
  CHECK(r.best == history::slot_of(TlsVersion::TLSv1_2));
  CHECK(r.tls_since_baseline() == 0);
  CHECK(r.below_since == 0);
  CHECK(r.last == base.last);

  // A host that had not heard of it yet: its counts add, its baseline fields do not.
  Record stale;
  stale.add(TlsVersion::TLSv1_3, 3100);
  stale.mark_at_best(3100);
  Record after = history::combine(r, stale);
  CHECK(after.tls() == base.tls() + 1);
  CHECK(after.best == history::slot_of(TlsVersion::TLSv1_2));
  CHECK(after.tls_since_baseline() == 0);
  CHECK(after.at_best_last == 0);
  // ... in either order.
  CHECK(history::combine(stale, r).best == history::slot_of(TlsVersion::TLSv1_2));
  // A host in the new baseline adds up.
  Record current;
  current.start_baseline(3000, 0);
  current.add(TlsVersion::TLSv1_2, 3200);
  current.add(TlsVersion::TLSv1_2, 3201);
  CHECK(history::combine(after, current).tls_since_baseline() == 2);
}

TEST_CASE("record: the downgrade clock is the earliest downgrade after the last transaction at best") {
  Record a, b;
  a.mark_at_best(100);
  a.mark_below(200);
  a.mark_below(300);  // a running streak keeps its start
  CHECK(a.below_since == 200);
  b.mark_at_best(150);
  b.mark_below(250);
  CHECK(history::combine(a, b).below_since == 200);
  CHECK(history::combine(b, a).below_since == 200);
  b.mark_at_best(260);  // b saw the best after a's streak began: the streak is over
  CHECK(b.below_since == 0);
  Record r = history::combine(a, b);
  CHECK(r.at_best_last == 260);
  CHECK(r.below_since == 0);  // a's downgrades after 260 are lost: the clock restarts later, never earlier
  Record c;
  c.mark_below(400);
  CHECK(history::combine(r, c).below_since == 400);
}

TEST_CASE("tracker: rebaseline_after lifts a lockout; the clock starts at the first downgrade") {
  history::Tracker t = tracker(tls13(5));
  CHECK(downgrade(t, "", 10 * Day));            // the first downgrade, long after the last TLS: protected
  CHECK(downgrade(t, "", 11 * Day));
  CHECK(downgrade(t, "", 13 * Day - 1));        // not yet 3d since the first
  CHECK(t.take_rebaselined().empty());
  CHECK_FALSE(downgrade(t, "", 13 * Day));      // 3d of downgrades only: rebaselined
  auto done = t.take_rebaselined();
  REQUIRE(done.size() == 1);
  CHECK(done[0].key == Key);
  CHECK(done[0].best == TlsVersion::TLSv1_3);
  CHECK(done[0].below_since == 10 * Day);
  CHECK_FALSE(done[0].new_best.has_value());    // the last was plaintext
  CHECK(t.find(Key)->baseline == 13 * Day);
  CHECK(t.find(Key)->total() == 9);             // nothing of the lifetime counts is lost
  CHECK_FALSE(downgrade(t, "", 13 * Day + 1));  // plaintext is fine until 3 new TLS transactions
  for (int i = 0; i < 3; ++i) CHECK_FALSE(downgrade(t, "TLSv1.2", 14 * Day + i));
  CHECK(downgrade(t, "", 15 * Day));
  CHECK(downgrade(t, "TLSv1", 15 * Day + 1));
  // The delta carries the new baseline to the store.
  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.baseline == 13 * Day);
  CHECK(dirty[0].second.tls_since_baseline() == 4);
}

TEST_CASE("tracker: a transaction at the best level stops the clock; 0 never rebaselines") {
  history::Tracker t = tracker(tls13(5));
  CHECK(downgrade(t, "TLSv1.2", 10 * Day));
  CHECK_FALSE(downgrade(t, "TLSv1.3", 12 * Day));  // at its best again
  CHECK(t.find(Key)->below_since == 0);
  CHECK(downgrade(t, "TLSv1.2", 13 * Day));        // a new streak
  CHECK(downgrade(t, "TLSv1.2", 15 * Day + 100));  // 2d into it
  CHECK(t.take_rebaselined().empty());
  CHECK_FALSE(downgrade(t, "TLSv1.2", 16 * Day));  // 3d: TLSv1.2 becomes the best
  CHECK(t.find(Key)->best == history::slot_of(TlsVersion::TLSv1_2));

  history::Tracker never = tracker(tls13(5), 0);
  CHECK(downgrade(never, "", 10 * Day));
  CHECK(downgrade(never, "", 400 * Day));
  CHECK(never.take_rebaselined().empty());
}

TEST_CASE("tracker: reload fetches a changed record again and keeps what was not written") {
  history::Tracker t = tracker(tls13(5));
  CHECK(downgrade(t, "", 10 * Day));
  (void)t.take_dirty();                    // written
  CHECK_FALSE(downgrade(t, "TLSv1.3", 10 * Day + 1));  // not written yet
  t.reload(Key);
  CHECK(t.take_loads() == std::vector<std::string>{Key});
  CHECK(t.take_dirty().empty());           // waits for the record, as at the first fetch
  t.loaded(Key, std::nullopt);             // forgotten
  REQUIRE(t.find(Key) != nullptr);
  CHECK(t.find(Key)->total() == 1);        // only what was counted here since
  CHECK_FALSE(downgrade(t, "", 10 * Day + 2));  // no history of 5 TLS transactions any more
  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.total() == 2);     // the unwritten TLS one and the plaintext one
  t.reload("not.cached");
  CHECK(t.take_loads().empty());
}

TEST_CASE("tracker: a record fetched again keeps detecting with the view until it arrives (review 10)") {
  // A trimmed change log reloads every cached key: the partner's plaintext meanwhile
  // was answered as a stranger's (73 requests in 1.3 s in the review's run).
  history::Tracker t = tracker(tls13(5));
  t.reload_all();
  CHECK(t.take_loads() == std::vector<std::string>{Key});
  Req q;
  q.protocol = "";
  q.instance = "during";
  CHECK_FALSE(t.lookup(q.build()).wait);
  CHECK(t.observe(q.build(), 10 * Day).has_value());  // still a downgrade
  t.loaded(Key, tls13(5));                            // the store's record, as it was
  REQUIRE(t.find(Key) != nullptr);
  CHECK(t.find(Key)->tls() == 5);
  CHECK(t.find(Key)->plaintext() == 1);  // the one counted meanwhile, added once
  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.plaintext() == 1);
  t.reload_all();
  t.reload_all();
  CHECK(t.take_loads().size() == 1);  // once, however often asked
}

TEST_CASE("stores: the change log, in order, trimmed, and not a record") {
  const test::TempDir temp;
  const std::string& dir = temp.path;
  {
    history::MemoryStore memory;
    history::LmdbStore lmdb(dir + "/h", false);
    for (history::Store* store : {static_cast<history::Store*>(&memory), static_cast<history::Store*>(&lmdb)}) {
      CHECK(store->changes_since(std::nullopt).last == 0);
      store->add(history::Batch{"", {{"a|b", tls13(1)}}});
      store->log_changes({"a|b", "c"});
      auto all = store->changes_since(0);
      CHECK(all.last == 2);
      CHECK(all.complete);
      CHECK(all.keys == std::vector<std::string>{"a|b", "c"});
      CHECK(store->changes_since(1).keys == std::vector<std::string>{"c"});
      CHECK(store->changes_since(2).keys.empty());
      CHECK_FALSE(store->changes_since(7).complete);  // a log that started again
      std::vector<std::string> many(history::Store::ChangesKept, "k");
      store->log_changes(many);
      auto behind = store->changes_since(1);
      CHECK_FALSE(behind.complete);  // trimmed past it
      CHECK(behind.last == 2 + history::Store::ChangesKept);
      CHECK(store->changes_since(2).keys.size() == history::Store::ChangesKept);
      std::size_t records = 0;
      store->scan([&](const std::string&, const Record&) {
        ++records;
        return true;
      });
      CHECK(records == 1);
      CHECK(store->remove({"a|b", "x"}) == 1);
      CHECK_FALSE(store->get({"a|b"})[0].has_value());
    }
  }
  history::LmdbStore again(dir + "/h", true);  // read-only: the log is there
  CHECK(again.changes_since(std::nullopt).last == 2 + history::Store::ChangesKept);
}
