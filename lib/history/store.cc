// SPDX-License-Identifier: MIT
#include "history/store.h"

#include "history/lmdb_store.h"
#include "history/memory_store.h"
#include "history/redis_store.h"

namespace tlspolicyd::history {

std::unique_ptr<Store> open_store(const config::DowngradeSettings& settings, bool read_only) {
  using Kind = config::DowngradeSettings::Store;
  switch (settings.store) {
    case Kind::Memory: return std::make_unique<MemoryStore>();
    case Kind::Lmdb: return std::make_unique<LmdbStore>(settings.lmdb_path, read_only);
    case Kind::Redis:
      return std::make_unique<RedisStore>(settings.redis_host, settings.redis_port, settings.redis_db,
                                          settings.retention);
  }
  throw StoreError("unknown store");
}

}  // namespace tlspolicyd::history
