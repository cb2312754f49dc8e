// SPDX-License-Identifier: MIT
#include "match/string_set.h"

#include <functional>
#include <stdexcept>

namespace tlspolicyd::match {

std::size_t StringSet::find_slot(std::string_view s, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0 || at(slot) == s) return i;
  }
}

bool StringSet::contains(std::string_view s) const {
  if (count_ == 0) return false;
  return slots_[find_slot(s, std::hash<std::string_view>{}(s))] != 0;
}

void StringSet::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
  for (std::uint64_t slot : old) {
    if (slot != 0) slots_[find_slot(at(slot), std::hash<std::string_view>{}(at(slot)))] = slot;
  }
}

void StringSet::insert(std::string_view s) {
  if (s.size() >= (1u << LengthBits)) throw std::length_error("list entry too long");
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const std::size_t i = find_slot(s, std::hash<std::string_view>{}(s));
  if (slots_[i] != 0) return;
  const std::uint64_t offset = arena_.size() + 1;
  arena_.append(s);
  slots_[i] = offset << LengthBits | s.size();
  ++count_;
}

}  // namespace tlspolicyd::match
