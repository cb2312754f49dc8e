// SPDX-License-Identifier: MIT
#include "history/store.h"

#include <algorithm>

#include "history/lmdb_store.h"
#include "history/memory_store.h"
#include "history/redis_store.h"

namespace tlspolicyd::history {

std::unique_ptr<Store> open_store(const StoreAddress& address, std::chrono::seconds retention, bool read_only) {
  using Kind = StoreAddress::Kind;
  switch (address.kind) {
    case Kind::Memory: return std::make_unique<MemoryStore>();
    case Kind::Lmdb: return std::make_unique<LmdbStore>(address.path, read_only);
    case Kind::Redis: return std::make_unique<RedisStore>(address, retention);
  }
  throw StoreError("unknown store");
}

std::vector<std::pair<std::string, Record>> most_recent(Store& store, std::size_t limit) {
  // A min-heap by last_seen of at most `limit` records, sorted at the end.
  std::vector<std::pair<std::string, Record>> out;
  auto newer = [](const auto& a, const auto& b) { return a.second.last_seen > b.second.last_seen; };
  store.scan([&](const std::string& key, const Record& r) {
    if (out.size() < limit) {
      out.emplace_back(key, r);
      std::push_heap(out.begin(), out.end(), newer);
    } else if (limit > 0 && r.last_seen > out.front().second.last_seen) {
      std::pop_heap(out.begin(), out.end(), newer);
      out.back() = {key, r};
      std::push_heap(out.begin(), out.end(), newer);
    }
    return true;
  });
  std::sort_heap(out.begin(), out.end(), newer);
  return out;
}

}  // namespace tlspolicyd::history
