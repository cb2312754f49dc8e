// SPDX-License-Identifier: MIT
// memory_store: history in a map of this process; gone at restart. Deltas add;
// a repeated batch id (one of the last RecentBatches::Remembered) is skipped.
#pragma once

#include <map>

#include "history/store.h"

namespace tlspolicyd::history {

class MemoryStore final : public Store {
 public:
  std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) override;
  void add(const Batch& batch) override;
  std::size_t expire(std::int64_t cutoff) override;
  void scan(const std::function<bool(const std::string&, const Record&)>& fn) override;

 private:
  std::map<std::string, Record> records_;
  RecentBatches applied_;
};

}  // namespace tlspolicyd::history
