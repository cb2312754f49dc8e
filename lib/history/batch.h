// SPDX-License-Identifier: MIT
// batch: one write to a history store (what a writer counted since its last
// write, per key) under an id that makes the write idempotent.
//
// A BatchIds hands out ids that no other batch has: 128 random bits drawn when
// it is made (std::random_device) and a sequence number, "<32 hex>-<n>". A
// writer sends a batch that failed again with the same id, so a store that has
// already applied it (the reply was lost) skips it. RecentBatches is the bounded
// memory of applied ids for the stores that keep it in this process (memory,
// LMDB); Redis keeps its own (redis_store.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "history/record.h"

namespace tlspolicyd::history {

struct Batch {
  std::string id;  // empty: not idempotent (a one-off write, e.g. a tool's)
  std::vector<std::pair<std::string, Record>> deltas;
};

class BatchIds {
 public:
  BatchIds();  // draws the random part
  [[nodiscard]] std::string next();

 private:
  std::string prefix_;
  std::uint64_t sequence_ = 0;
};

class RecentBatches {
 public:
  static constexpr std::size_t Remembered = 4096;
  // Whether `id` was remembered (never for an empty id).
  [[nodiscard]] bool contains(const std::string& id) const { return ids_.count(id) != 0; }
  // Remembers `id` (an applied batch), forgetting the oldest past Remembered.
  void remember(const std::string& id);

 private:
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

}  // namespace tlspolicyd::history
