// SPDX-License-Identifier: MIT
// memory_store: history in a map of this process; gone at restart. Deltas add;
// a repeated batch id (one of the last RecentBatches::Remembered) is skipped.
// Its change log is this process's own (no other process can reach the store).
#pragma once

#include <deque>
#include <map>

#include "history/store.h"

namespace tlspolicyd::history {

class MemoryStore final : public Store {
 public:
  std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) override;
  void add(const Batch& batch) override;
  std::size_t remove(const std::vector<std::string>& keys) override;
  void log_changes(const std::vector<std::string>& keys) override;
  Changes changes_since(std::optional<std::uint64_t> after) override;
  std::string scan_page(const std::string& cursor, std::size_t count, const Visit& fn) override;

 private:
  std::map<std::string, Record> records_;
  RecentBatches applied_;
  std::deque<std::string> changes_;  // the change log's last ChangesKept keys
  std::uint64_t changes_last_ = 0;   // the sequence number of changes_.back()
};

}  // namespace tlspolicyd::history
