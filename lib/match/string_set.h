// SPDX-License-Identifier: MIT
// string_set: a compact, build-once hash set of byte strings for large lists.
//
// Strings live back to back in one arena; the table holds 8-byte slots (offset and
// length) with open addressing, kept at most half full. A million domain names
// cost about 16 bytes of table plus their own length each, and a lookup costs one
// hash and a probe or two whatever the size. Not thread-safe while building;
// contains() on a finished set may run anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tlspolicyd::match {

class StringSet {
 public:
  // Adds `s` (a second copy is ignored). Strings up to 16 MiB.
  void insert(std::string_view s);
  [[nodiscard]] bool contains(std::string_view s) const;
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  // Heap bytes held (arena and table), for memory accounting.
  [[nodiscard]] std::size_t memory_bytes() const { return arena_.capacity() + slots_.capacity() * sizeof(std::uint64_t); }

 private:
  static constexpr int LengthBits = 24;
  [[nodiscard]] std::string_view at(std::uint64_t slot) const {
    return {arena_.data() + ((slot >> LengthBits) - 1), static_cast<std::size_t>(slot & ((1u << LengthBits) - 1))};
  }
  [[nodiscard]] std::size_t find_slot(std::string_view s, std::size_t hash) const;
  void grow();

  std::string arena_;
  std::vector<std::uint64_t> slots_;  // 0 = empty, else (offset + 1) << LengthBits | length
  std::size_t count_ = 0;
};

}  // namespace tlspolicyd::match
