// SPDX-License-Identifier: MIT
// byte_scan: the parser's inner loops, inline and many bytes at a time.
//
// Policy request lines are short (10 to 60 bytes), so a library call per line
// costs more than the scan itself. line_marks() finds the LFs (and NULs) of up to
// 64 bytes in one pass and returns them as bit masks, so the parser walks from
// line to line by bit arithmetic instead of a search per line: with SSE2 (every
// x86-64) 16 bytes a step, elsewhere a 64-bit word a step. find_byte() tests a
// 64-bit word per step with an exact zero-byte test (no false positives, on any
// byte order); WordPrefix compares in words too. Loads use memcpy (or unaligned
// vector loads): no alignment is assumed and nothing past `end` (or past n bytes)
// is ever read.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

namespace detail {

// The N (4 or 8) bytes of text at `at` as the word a load of them gives on this machine.
template <std::size_t N>
constexpr std::uint64_t text_word(std::string_view text, std::size_t at) {
  std::array<char, N> bytes{};
  for (std::size_t i = 0; i < N; ++i) bytes[i] = text[at + i];
  if constexpr (N == 4) {
    return std::bit_cast<std::uint32_t>(bytes);
  } else {
    return std::bit_cast<std::uint64_t>(bytes);
  }
}

}  // namespace detail

// A string of 4 to 32 bytes known in advance (a "name=" the parser expects), kept
// as the words that starts() compares: two 4-byte words up to 8 bytes, else the
// first and the last 8 bytes, then the 8 at 8 and the 8 at 16 when it is longer
// than 16 and 24 bytes; words may overlap, and no byte is read past the string.
class WordPrefix {
 public:
  static constexpr std::size_t MinSize = 4;
  static constexpr std::size_t MaxSize = 32;

  constexpr WordPrefix() = default;
  // `text` must be MinSize to MaxSize bytes long.
  constexpr explicit WordPrefix(std::string_view text) : size_(static_cast<std::uint8_t>(text.size())) {
    if (size_ <= 8) {
      words_[0] = detail::text_word<4>(text, 0);
      words_[1] = detail::text_word<4>(text, size_ - 4);
    } else {
      words_[0] = detail::text_word<8>(text, 0);
      words_[1] = detail::text_word<8>(text, size_ - 8);
      if (size_ > 16) words_[2] = detail::text_word<8>(text, 8);
      if (size_ > 24) words_[3] = detail::text_word<8>(text, 16);
    }
  }

  [[nodiscard]] constexpr std::size_t size() const { return size_; }

  // Whether the n bytes at p start with this string.
  [[nodiscard]] bool starts(const char* p, std::size_t n) const {
    if (std::size_t{size_} - 1 >= n) return false;  // n < size_, or no string (size_ 0)
    if (size_ <= 8) return load<4>(p) == words_[0] && load<4>(p + size_ - 4) == words_[1];
    if (load<8>(p) != words_[0] || load<8>(p + size_ - 8) != words_[1]) return false;
    if (size_ <= 16) return true;
    if (load<8>(p + 8) != words_[2]) return false;
    return size_ <= 24 || load<8>(p + 16) == words_[3];
  }

 private:
  template <std::size_t N>
  static std::uint64_t load(const char* p) {
    if constexpr (N == 4) {
      std::uint32_t w;
      std::memcpy(&w, p, 4);
      return w;
    } else {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    }
  }

  std::uint8_t size_ = 0;
  std::array<std::uint64_t, 4> words_{};
};

// Where the LF and the NUL bytes are among n <= 64 bytes: bit i is byte i.
struct LineMarks {
  std::uint64_t lf = 0;
  std::uint64_t nul = 0;
};

namespace detail {

// Byte by byte: any length, any machine; the others are checked against it.
[[nodiscard]] inline LineMarks line_marks_bytes(const char* p, std::size_t n) {
  LineMarks m;
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == '\n') m.lf |= std::uint64_t{1} << i;
    if (p[i] == '\0') m.nul |= std::uint64_t{1} << i;
  }
  return m;
}

// Eight bytes a step (little-endian): an exact zero-byte test per word, whose
// eight high bits a multiplication gathers into one byte of the mask.
[[nodiscard]] inline std::uint64_t word_marks(std::uint64_t w) {
  constexpr std::uint64_t Low7 = 0x7f7f7f7f7f7f7f7fULL;
  const std::uint64_t zero = ~(((w & Low7) + Low7) | w | Low7);  // 0x80 where a byte of w is 0
  return ((zero >> 7) * 0x0102040810204080ULL) >> 56;           // byte i's bit to bit i
}

[[nodiscard]] inline LineMarks line_marks_words(const char* block /* 64 bytes */) {
  LineMarks m;
  for (unsigned i = 0; i < 8; ++i) {
    std::uint64_t w;
    std::memcpy(&w, block + 8 * i, 8);
    m.lf |= word_marks(w ^ 0x0a0a0a0a0a0a0a0aULL) << (8 * i);
    m.nul |= word_marks(w) << (8 * i);
  }
  return m;
}

#if defined(__SSE2__)
// Sixteen bytes a step, unrolled. NULs are rare: one test for all 64 bytes (their
// minimum), and their exact places only when there is one.
[[nodiscard]] inline LineMarks line_marks_sse2(const char* block /* 64 bytes */) {
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  const auto* p = reinterpret_cast<const __m128i*>(block);
  const __m128i v0 = _mm_loadu_si128(p);
  const __m128i v1 = _mm_loadu_si128(p + 1);
  const __m128i v2 = _mm_loadu_si128(p + 2);
  const __m128i v3 = _mm_loadu_si128(p + 3);
  const auto bits = [](__m128i eq) { return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(eq))); };
  LineMarks m;
  m.lf = bits(_mm_cmpeq_epi8(v0, lf)) | bits(_mm_cmpeq_epi8(v1, lf)) << 16 | bits(_mm_cmpeq_epi8(v2, lf)) << 32 |
         bits(_mm_cmpeq_epi8(v3, lf)) << 48;
  const __m128i least = _mm_min_epu8(_mm_min_epu8(v0, v1), _mm_min_epu8(v2, v3));
  if (_mm_movemask_epi8(_mm_cmpeq_epi8(least, zero)) != 0) [[unlikely]] {
    m.nul = bits(_mm_cmpeq_epi8(v0, zero)) | bits(_mm_cmpeq_epi8(v1, zero)) << 16 |
            bits(_mm_cmpeq_epi8(v2, zero)) << 32 | bits(_mm_cmpeq_epi8(v3, zero)) << 48;
  }
  return m;
}
#endif

}  // namespace detail

// The LFs and NULs of the n <= 64 bytes at p.
[[nodiscard]] inline LineMarks line_marks(const char* p, std::size_t n) {
  if constexpr (std::endian::native != std::endian::little) return detail::line_marks_bytes(p, n);
  const char* block = p;
  alignas(16) char tail[64];
  if (n < 64) {  // a short block: copied, then filled up with bytes that are neither
    std::memset(tail, 'x', sizeof tail);
    std::memcpy(tail, p, n);
    block = tail;
  }
#if defined(__SSE2__)
  return detail::line_marks_sse2(block);
#else
  return detail::line_marks_words(block);
#endif
}

}  // namespace tlspolicyd::protocol
