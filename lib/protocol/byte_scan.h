// SPDX-License-Identifier: MIT
// byte_scan: the parser's two inner loops, inline and eight bytes at a time.
//
// Policy request lines are short (10 to 60 bytes), so a library call per line
// costs more than the scan itself. find_byte() tests a 64-bit word per step with
// an exact zero-byte test (no false positives, on any byte order); same_bytes()
// compares in words too. Loads use memcpy: no alignment is assumed and nothing
// past `end` (or past n bytes) is ever read.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tlspolicyd::protocol {

// The first byte equal to c in [p, end), or nullptr.
[[nodiscard]] inline const char* find_byte(const char* p, const char* end, unsigned char c) {
  constexpr std::uint64_t Low7 = 0x7f7f7f7f7f7f7f7fULL;
  const std::uint64_t pattern = 0x0101010101010101ULL * c;
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= pattern;  // a byte equal to c is now zero
    // The high bit of each byte of `zero` is set exactly when that byte of w is 0.
    const std::uint64_t zero = ~(((w & Low7) + Low7) | w | Low7);
    if (zero != 0) {
      const int bit = std::endian::native == std::endian::little ? std::countr_zero(zero) : std::countl_zero(zero);
      return p + bit / 8;
    }
    p += 8;
  }
  for (; p < end; ++p) {
    if (static_cast<unsigned char>(*p) == c) return p;
  }
  return nullptr;
}

// Whether the n bytes at a and at b are equal.
[[nodiscard]] inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::uint64_t x, y;  // the last 8 bytes, overlapping what was compared
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace tlspolicyd::protocol
