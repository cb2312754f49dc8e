// SPDX-License-Identifier: MIT
#include "history/memory_store.h"

namespace tlspolicyd::history {

std::vector<std::optional<Record>> MemoryStore::get(const std::vector<std::string>& keys) {
  std::vector<std::optional<Record>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    auto it = records_.find(key);
    out.push_back(it == records_.end() ? std::nullopt : std::optional<Record>(it->second));
  }
  return out;
}

void MemoryStore::add(const Batch& batch) {
  if (applied_.contains(batch.id)) return;
  for (const auto& [key, delta] : batch.deltas) {
    auto [it, inserted] = records_.try_emplace(key, delta);
    if (!inserted) it->second = combine(it->second, delta);
  }
  applied_.remember(batch.id);
}

std::size_t MemoryStore::expire(std::int64_t cutoff) {
  return std::erase_if(records_, [&](const auto& kv) { return kv.second.last_seen < cutoff; });
}

void MemoryStore::scan(const std::function<bool(const std::string&, const Record&)>& fn) {
  for (const auto& [key, record] : records_) {
    if (!fn(key, record)) return;
  }
}

}  // namespace tlspolicyd::history
