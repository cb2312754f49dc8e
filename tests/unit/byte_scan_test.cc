// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
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

TEST_CASE("WordPrefix matches exactly its bytes, at every length, and reads none past them") {
  const std::string text = "abcdefghijklmnopqrstuvwxyz012345";  // 32 bytes
  for (std::size_t size = WordPrefix::MinSize; size <= WordPrefix::MaxSize; ++size) {
    const std::string key = text.substr(0, size);
    const WordPrefix prefix(key);
    CHECK(prefix.size() == size);
    for (std::size_t n = 0; n <= size + 3; ++n) {
      // The candidate is exactly n bytes on the heap: a read past it is a sanitizer error.
      const std::string line = (text + "=z").substr(0, n);
      const auto bytes = std::make_unique<char[]>(n);
      std::memcpy(bytes.get(), line.data(), n);
      CHECK(prefix.starts(bytes.get(), n) == (n >= size));
      for (std::size_t at = 0; at < std::min(n, size); ++at) {  // one byte off anywhere: no match
        bytes[at] ^= 0x20;
        CHECK_FALSE(prefix.starts(bytes.get(), n));
        bytes[at] ^= 0x20;
      }
    }
  }
  constexpr WordPrefix sender("sender=");
  CHECK(sender.starts("sender=<a@b>", 12));
  CHECK_FALSE(sender.starts("senders=<a@b>", 13));
  CHECK_FALSE(WordPrefix().starts("", 0));
}

TEST_CASE("line_marks finds every LF and NUL of up to 64 bytes, and nothing past them") {
  // Random blocks of every length, rich in LF, NUL and their look-alikes (0x8a,
  // 0x80, 0x0b, 0xff, 0x01), against the byte-by-byte version; a third of them
  // without NUL, a third with one NUL at a random place (NULs are found by a
  // test of the whole block first).
  std::mt19937 random(7);
  const char alphabet[] = {'\n', '\x8a', '\x80', '\x0b', '\xff', '\x01', 'a', '=', '\0'};  // NUL last
  for (int round = 0; round < 3000; ++round) {
    const int kind = round % 3;  // 0: NULs anywhere, 1: one NUL, 2: none
    const std::size_t letters = kind == 0 ? sizeof alphabet : sizeof alphabet - 1;
    char bytes[80];
    for (char& c : bytes) c = alphabet[random() % letters];
    if (kind == 1) bytes[random() % sizeof bytes] = '\0';
    const std::size_t n = static_cast<std::size_t>(round) % 65;
    const LineMarks want = detail::line_marks_bytes(bytes, n);
    const LineMarks got = line_marks(bytes, n);
    CHECK(got.lf == want.lf);
    CHECK(got.nul == want.nul);
    if (n == 64) {  // the full-block versions, whichever this machine uses
      CHECK(detail::line_marks_words(bytes).lf == want.lf);
      CHECK(detail::line_marks_words(bytes).nul == want.nul);
#if defined(__SSE2__)
      CHECK(detail::line_marks_sse2(bytes).lf == want.lf);
      CHECK(detail::line_marks_sse2(bytes).nul == want.nul);
#endif
    }
  }
  std::string one(64, 'x');
  one[0] = '\n';
  one[63] = '\0';
  CHECK(line_marks(one.data(), 64).lf == 1);
  CHECK(line_marks(one.data(), 64).nul == std::uint64_t{1} << 63);
  CHECK(line_marks(one.data(), 63).nul == 0);  // the NUL is past n
}
