// SPDX-License-Identifier: MIT
#include "history/batch.h"

#include <random>

namespace tlspolicyd::history {

BatchIds::BatchIds() {
  static constexpr char Hex[] = "0123456789abcdef";
  std::random_device random;
  for (int word = 0; word < 4; ++word) {
    const std::uint32_t bits = random();
    for (int nibble = 7; nibble >= 0; --nibble) prefix_.push_back(Hex[(bits >> (4 * nibble)) & 0xf]);
  }
  prefix_.push_back('-');
}

std::string BatchIds::next() { return prefix_ + std::to_string(++sequence_); }

void RecentBatches::remember(const std::string& id) {
  if (id.empty() || !ids_.insert(id).second) return;
  order_.push_back(id);
  if (order_.size() > Remembered) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace tlspolicyd::history
