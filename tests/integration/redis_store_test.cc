// SPDX-License-Identifier: MIT
// Integration: the Redis store's Lua script against a real redis-server: deltas
// add, and a batch id applied before is skipped (the retry after a lost reply).
#include <doctest/doctest.h>

#include "harness.h"
#include "history/redis_store.h"

using namespace tlspolicyd;
using history::Record;
using test::RedisServer;
using tls::TlsVersion;

namespace {

Record seen(TlsVersion v, int n, std::int64_t t) {
  Record r;
  for (int i = 0; i < n; ++i) r.add(v, t + i);
  return r;
}

}  // namespace

TEST_CASE("redis store: deltas add; the same batch id twice counts once, a half-applied batch is completed") {
  RedisServer redis;
  history::RedisStore store(history::StoreAddress::redis("127.0.0.1", static_cast<std::uint16_t>(redis.port()), 0),
                            std::chrono::hours(2));
  history::BatchIds ids;
  const history::Batch first{ids.next(), {{"p", seen(TlsVersion::TLSv1_3, 6, 1000)}, {"q", seen(TlsVersion::Plaintext, 1, 900)}}};
  store.add(first);
  store.add(first);  // a retry after a lost reply: skipped
  store.add({ids.next(), {{"p", seen(TlsVersion::TLSv1_2, 6, 500)}}});  // another host's delta
  auto got = store.get({"p", "q", "r"});
  REQUIRE(got[0].has_value());
  CHECK(got[0]->tls() == 12);
  CHECK(got[0]->counts[history::slot_of(TlsVersion::TLSv1_3)] == 6);
  CHECK(got[0]->best_version() == TlsVersion::TLSv1_3);  // a delta's lower best never lowers it
  CHECK(got[0]->last_version() == TlsVersion::TLSv1_3);  // from the newer
  CHECK(got[0]->first_seen == 500);
  CHECK(got[0]->last_seen == 1005);
  REQUIRE(got[1].has_value());
  CHECK(got[1]->plaintext() == 1);
  CHECK_FALSE(got[2].has_value());

  // A batch larger than one chunk whose first chunk went through before the
  // reply was lost: sent again, only the rest is added.
  history::Batch big{ids.next(), {}};
  for (std::size_t i = 0; i < history::RedisStore::ChunkKeys + 10; ++i) {
    big.deltas.emplace_back("k" + std::to_string(i), seen(TlsVersion::TLSv1_3, 1, 2000));
  }
  history::Batch head{big.id, {big.deltas.begin(), big.deltas.begin() + history::RedisStore::ChunkKeys}};
  store.add(head);
  store.add(big);
  for (const auto& key : {std::string("k0"), "k" + std::to_string(history::RedisStore::ChunkKeys + 9)}) {
    CAPTURE(key);
    auto r = store.get({key})[0];
    REQUIRE(r.has_value());
    CHECK(r->tls() == 1);
  }

  // Without an id a batch is not idempotent: each write adds.
  store.add({"", {{"q", seen(TlsVersion::Plaintext, 1, 950)}}});
  store.add({"", {{"q", seen(TlsVersion::Plaintext, 1, 950)}}});
  CHECK(store.get({"q"})[0]->plaintext() == 3);
}
