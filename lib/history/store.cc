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

void Store::scan(const std::function<bool(const std::string&, const Record&)>& fn) {
  constexpr std::size_t Page = 1000;
  bool more = true;
  std::string cursor;
  do {
    cursor = scan_page(cursor, Page, [&](const std::string& key, const Record& r) {
      if (more) more = fn(key, r);
    });
  } while (more && !cursor.empty());
}

std::string Store::expire_page(const std::string& cursor, std::size_t count, std::int64_t cutoff,
                               std::int64_t weak_cutoff, std::size_t& removed) {
  std::vector<std::string> old;
  std::string next = scan_page(cursor, count, [&](const std::string& key, const Record& r) {
    if (r.last_seen < (r.weak() ? std::max(cutoff, weak_cutoff) : cutoff)) old.push_back(key);
  });
  removed += remove(old);
  return next;
}

namespace {

bool newer(const std::pair<std::string, Record>& a, const std::pair<std::string, Record>& b) {
  return a.second.last_seen > b.second.last_seen;
}

}  // namespace

void MostRecent::offer(const std::string& key, const Record& record) {
  if (heap_.size() < limit_) {
    heap_.emplace_back(key, record);
    std::push_heap(heap_.begin(), heap_.end(), newer);
  } else if (limit_ > 0 && record.last_seen > heap_.front().second.last_seen) {
    std::pop_heap(heap_.begin(), heap_.end(), newer);
    heap_.back() = {key, record};
    std::push_heap(heap_.begin(), heap_.end(), newer);
  }
}

std::vector<std::pair<std::string, Record>> MostRecent::take() {
  std::sort_heap(heap_.begin(), heap_.end(), newer);
  return std::exchange(heap_, {});
}

std::vector<std::pair<std::string, Record>> most_recent(Store& store, std::size_t limit) {
  MostRecent recent(limit);
  store.scan([&](const std::string& key, const Record& r) {
    recent.offer(key, r);
    return true;
  });
  return recent.take();
}

}  // namespace tlspolicyd::history
