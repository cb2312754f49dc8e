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

std::size_t MemoryStore::remove(const std::vector<std::string>& keys) {
  std::size_t n = 0;
  for (const auto& key : keys) n += records_.erase(key);
  return n;
}

void MemoryStore::log_changes(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    changes_.push_back(key);
    ++changes_last_;
    if (changes_.size() > ChangesKept) changes_.pop_front();
  }
}

Changes MemoryStore::changes_since(std::optional<std::uint64_t> after) {
  Changes out{changes_last_, {}, true};
  if (!after || *after == changes_last_) return out;
  const std::uint64_t first = changes_last_ - changes_.size() + 1;
  if (*after > changes_last_ || *after + 1 < first) {
    out.complete = false;
    return out;
  }
  out.keys.assign(changes_.begin() + static_cast<std::ptrdiff_t>(*after + 1 - first), changes_.end());
  return out;
}

std::string MemoryStore::scan_page(const std::string& cursor, std::size_t count, const Visit& fn) {
  auto it = cursor.empty() ? records_.begin() : records_.lower_bound(cursor);
  for (std::size_t n = 0; it != records_.end(); ++it, ++n) {
    if (n == count) return it->first;
    fn(it->first, it->second);
  }
  return {};
}

}  // namespace tlspolicyd::history
