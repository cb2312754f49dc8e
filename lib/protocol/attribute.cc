// SPDX-License-Identifier: MIT
#include "protocol/attribute.h"

#include <cstring>

namespace tlspolicyd::protocol {
namespace {


// A table by length and first letter, built at compile time: every name Postfix
// sends is told apart by its length, first and last letter, so a lookup costs two
// byte comparisons and at most one full comparison.
constexpr std::size_t MaxNameLength = 24;
constexpr std::size_t PerSlot = 3;
constexpr std::uint8_t None = 0xff;

struct Table {
  std::array<std::array<std::array<std::uint8_t, PerSlot>, 26>, MaxNameLength + 1> slots{};
  constexpr Table() {
    for (auto& by_len : slots) {
      for (auto& slot : by_len) slot.fill(None);
    }
  }
};

constexpr Table make_table() {
  Table t;
  for (std::size_t i = 0; i < AttrCount; ++i) {
    auto& slot = t.slots[Attrs[i].name.size()][static_cast<std::size_t>(Attrs[i].name[0] - 'a')];
    for (auto& entry : slot) {
      if (entry == None) {
        entry = static_cast<std::uint8_t>(i);
        break;
      }
    }
  }
  return t;
}

constexpr Table ByShape = make_table();

// Every name fits, and no two names share length, first and last letter.
static_assert([] {
  std::size_t placed = 0;
  for (const auto& by_len : ByShape.slots) {
    for (const auto& slot : by_len) {
      for (std::size_t a = 0; a < PerSlot; ++a) {
        if (slot[a] == None) continue;
        ++placed;
        for (std::size_t b = a + 1; b < PerSlot; ++b) {
          if (slot[b] != None && Attrs[slot[a]].name.back() == Attrs[slot[b]].name.back()) return false;
        }
      }
    }
  }
  return placed == AttrCount;
}());

}  // namespace

std::optional<Attr> find_attr(std::string_view name) {
  if (name.empty() || name.size() > MaxNameLength || name[0] < 'a' || name[0] > 'z') return std::nullopt;
  for (std::uint8_t index : ByShape.slots[name.size()][static_cast<std::size_t>(name[0] - 'a')]) {
    if (index == None) break;
    const std::string_view candidate = Attrs[index].name;
    if (candidate.back() == name.back() && std::memcmp(candidate.data(), name.data(), name.size()) == 0) {
      return static_cast<Attr>(index);
    }
  }
  return std::nullopt;
}

}  // namespace tlspolicyd::protocol
