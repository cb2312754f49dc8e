// SPDX-License-Identifier: MIT
// enum_table: a compile-time check for tables indexed by an enum's value.
//
// A vocabulary table (an enum's names, and whatever else goes with each value)
// is an array with one entry per enumerator, in enumerator order, each entry
// naming its enumerator. indexed_by() holds when entry i names enumerator i and
// the table has exactly `count` entries, so
//
//   static_assert(util::indexed_by(Fields, &FieldInfo::field, FieldCount));
//
// stops the build when an enumerator is added, removed or moved without its
// entry. Lookups by value then index the array directly.
#pragma once

#include <cstddef>

namespace tlspolicyd::util {

template <class Table, class Entry, class Enum>
[[nodiscard]] constexpr bool indexed_by(const Table& table, Enum Entry::*id, std::size_t count) {
  if (table.size() != count) return false;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(table[i].*id) != i) return false;
  }
  return true;
}

}  // namespace tlspolicyd::util
