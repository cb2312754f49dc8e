// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "protocol/byte_scan.h"

using namespace tlspolicyd::protocol;

TEST_CASE("find_byte finds the first match at every position, and nothing past the end") {
  // Every length up to three words, the byte at every position, with look-alike
  // bytes around it (0x0a ^ 0x80, 0x0b, 0x09) that a loose word test would confuse.
  for (std::size_t n = 0; n <= 24; ++n) {
    for (std::size_t at = 0; at <= n; ++at) {
      std::string s(n, '\x8a');
      for (std::size_t i = 0; i < n; ++i) s[i] = "\x8a\x0b\x09\xff\x00"[i % 5];
      if (at < n) s[at] = '\n';
      std::string padded = s + "\n\n\n\n\n\n\n\n";  // a match just past `end` must not count
      const char* found = find_byte(padded.data(), padded.data() + n, '\n');
      if (at < n) {
        CHECK(found == padded.data() + at);
      } else {
        CHECK(found == nullptr);
      }
    }
  }
  const std::string two = "abcdefgh=ij=k";
  CHECK(find_byte(two.data(), two.data() + two.size(), '=') == two.data() + 8);
  const std::string nul("abc\0def", 7);
  CHECK(find_byte(nul.data(), nul.data() + nul.size(), '\0') == nul.data() + 3);
  const std::string high = "aaaaaaaaaaa\xff";
  CHECK(find_byte(high.data(), high.data() + high.size(), 0xff) == high.data() + 11);
}

TEST_CASE("same_bytes compares every byte, whatever the length") {
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    CHECK(same_bytes(a.data(), a.data(), n));
    for (std::size_t at = 0; at < n; ++at) {
      std::string b = a;
      b[at] = 'y';
      CHECK_FALSE(same_bytes(a.data(), b.data(), n));
    }
  }
  CHECK(same_bytes("client_address=1", "client_address", 14));
  CHECK_FALSE(same_bytes("client_addresz", "client_address", 14));
}
