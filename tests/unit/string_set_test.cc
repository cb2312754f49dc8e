// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "match/string_set.h"

using tlspolicyd::match::StringSet;

TEST_CASE("string set: insert, duplicates, lookups of absent strings") {
  StringSet s;
  CHECK_FALSE(s.contains("a"));
  s.insert("example.com");
  s.insert("example.com");
  s.insert("");
  s.insert(std::string("with\0nul", 8));
  CHECK(s.size() == 3);
  CHECK(s.contains("example.com"));
  CHECK(s.contains(""));
  CHECK(s.contains(std::string("with\0nul", 8)));
  CHECK_FALSE(s.contains("example.co"));
  CHECK_FALSE(s.contains("example.comm"));
  CHECK_FALSE(s.contains("with"));
}

TEST_CASE("string set: stays correct across many growths") {
  StringSet s;
  for (int i = 0; i < 100000; ++i) s.insert("host" + std::to_string(i) + ".example");
  CHECK(s.size() == 100000);
  for (int i = 0; i < 100000; i += 997) CHECK(s.contains("host" + std::to_string(i) + ".example"));
  for (int i = 100000; i < 100100; ++i) CHECK_FALSE(s.contains("host" + std::to_string(i) + ".example"));
  // Compact: table and arena, far below a node-based set's ~100 bytes an entry.
  CHECK(s.memory_bytes() / s.size() < 60);
}
