// SPDX-License-Identifier: MIT
#include "history/store.h"

#include "history/lmdb_store.h"
#include "history/memory_store.h"
#include "history/redis_store.h"

namespace tlspolicyd::history {

std::unique_ptr<Store> open_store(const StoreAddress& address, std::chrono::seconds retention, bool read_only) {
  using Kind = StoreAddress::Kind;
  switch (address.kind) {
    case Kind::Memory: return std::make_unique<MemoryStore>();
    case Kind::Lmdb: return std::make_unique<LmdbStore>(address.path, read_only);
    case Kind::Redis: return std::make_unique<RedisStore>(address.host, address.port, address.db, retention);
  }
  throw StoreError("unknown store");
}

}  // namespace tlspolicyd::history
