// SPDX-License-Identifier: MIT
#include "log/kv_line.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tlspolicyd::log {
namespace {

// What a byte is in a value: written bare (Plain), written inside quotes
// (Quoted: space), or escaped ('"', '\\' and everything outside printable ASCII).
enum class ByteClass : std::uint8_t { Plain, Quoted, Escaped };

constexpr std::array<ByteClass, 256> ByteClasses = [] {
  std::array<ByteClass, 256> classes{};
  for (std::size_t c = 0; c < 256; ++c) {
    classes[c] = c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? ByteClass::Plain
                 : c == 0x20                                      ? ByteClass::Quoted
                                                                  : ByteClass::Escaped;
  }
  return classes;
}();

ByteClass byte_class(char c) { return ByteClasses[static_cast<unsigned char>(c)]; }

// The room a value of n bytes needs: escaped, quotes and \xNN for each byte; bare,
// its copy and the 16 bytes past it that copied_plain() may read.
constexpr std::size_t escaped_bound(std::size_t n) { return 4 * n + 2 + 16; }

#if !defined(__SSE2__)  // (x86-64 always has SSE2: this is for other machines)
// Whether all 8 bytes of w are Plain: none below 0x21, none above 0x7e, no '"',
// no '\'. Each test is exact for "some byte is": a borrow or carry only ever
// comes out of a byte that one of the tests already caught.
bool plain_word(std::uint64_t w) {
  constexpr std::uint64_t Ones = 0x0101010101010101ULL;
  constexpr std::uint64_t High = 0x8080808080808080ULL;
  const std::uint64_t below = (w - Ones * 0x21) & ~w;  // a byte < 0x21
  const std::uint64_t above = (w + Ones) | w;          // a byte > 0x7e
  const std::uint64_t quote = w ^ (Ones * '"');
  const std::uint64_t backslash = w ^ (Ones * '\\');
  const std::uint64_t has_quote = (quote - Ones) & ~quote;
  const std::uint64_t has_backslash = (backslash - Ones) & ~backslash;
  return ((below | above | has_quote | has_backslash) & High) == 0;
}

bool all_plain(std::string_view value) {
  const char* p = value.data();
  const char* end = p + value.size();
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if (!plain_word(w)) return false;
  }
  return std::all_of(p, end, [](char c) { return byte_class(c) == ByteClass::Plain; });
}
#endif

// Whether the n >= 1 bytes at p, a value just copied into the line, are all Plain.
// The room behind the line's end is the writer's own, so with SSE2 this reads 16
// bytes a step (up to 15 past the value, ignored): cheaper than a test of the
// value where it lies, which must not read past it.
bool copied_plain(const char* p, std::size_t n) {
#if defined(__SSE2__)
  const __m128i low = _mm_set1_epi8(0x21);  // signed: 0x80-0xff are below too
  const __m128i del = _mm_set1_epi8(0x7f);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (std::size_t i = 0; i < n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, low), _mm_cmpeq_epi8(v, del)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
    if (n - i < 16) mask &= (1U << (n - i)) - 1;
    if (mask != 0) return false;
  }
  return true;
#else
  return all_plain(std::string_view(p, n));
#endif
}

char* put(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());  // an empty view may have no data at all
  return p + s.size();
}

// Writes the bytes of `value` escaped, without quotes.
char* put_escaped_bytes(char* p, std::string_view value) {
  static constexpr char Hex[] = "0123456789abcdef";
  for (const char ch : value) {
    if (byte_class(ch) != ByteClass::Escaped) {
      *p++ = ch;
      continue;
    }
    const auto c = static_cast<unsigned char>(ch);
    *p++ = '\\';
    if (c == '"' || c == '\\') {
      *p++ = ch;
    } else {
      *p++ = 'x';
      *p++ = Hex[c >> 4];
      *p++ = Hex[c & 0xf];
    }
  }
  return p;
}

// Writes `value` bare when it can be, else quoted and escaped; room for
// escaped_bound(value.size()) bytes is needed.
char* put_value(char* p, std::string_view value) {
  if (!value.empty()) {  // the common case: copied, checked, done
    std::memcpy(p, value.data(), value.size());
    if (copied_plain(p, value.size())) return p + value.size();
  }
  *p++ = '"';
  p = put_escaped_bytes(p, value);
  *p++ = '"';
  return p;
}

}  // namespace

KvWriter::KvWriter(std::string& out) : out_(out) {
  const std::size_t size = out_.size();
  out_.resize(size + 512);  // a decision's line or two, mostly
  p_ = out_.data() + size;
  end_ = out_.data() + out_.size();
}

void KvWriter::reserve(std::size_t bytes) {
  if (static_cast<std::size_t>(end_ - p_) >= bytes) return;
  const std::size_t used = static_cast<std::size_t>(p_ - out_.data());
  out_.resize(std::max(2 * out_.size(), used + bytes));
  p_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

void KvWriter::finish() {
  if (finished_) return;
  finished_ = true;
  out_.resize(static_cast<std::size_t>(p_ - out_.data()));
}

void KvWriter::separate() {
  if (p_ != out_.data() && p_[-1] != '\n') *p_++ = ' ';
}

void KvWriter::key(std::string_view key) {
  separate();
  p_ = put(p_, key);
  *p_++ = '=';
}

void KvWriter::pair(std::string_view key, std::string_view value) {
  reserve(key.size() + 2 + escaped_bound(value.size()));
  this->key(key);
  p_ = put_value(p_, value);
}

void KvWriter::pair(std::string_view key, std::span<const std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  reserve(key.size() + 2 + escaped_bound(size));
  this->key(key);
  if (size > 0) {  // as put_value(): copied, checked, done
    char* value = p_;
    for (std::string_view part : parts) p_ = put(p_, part);
    if (copied_plain(value, size)) return;
    p_ = value;
  }
  *p_++ = '"';
  for (std::string_view part : parts) p_ = put_escaped_bytes(p_, part);
  *p_++ = '"';
}

void KvWriter::raw_pair(std::string_view key, std::string_view value) {
  reserve(key.size() + 2 + value.size());
  this->key(key);
  p_ = put(p_, value);
}

void KvWriter::lower_pair(std::string_view key, std::string_view word) {
  reserve(key.size() + 2 + word.size());
  this->key(key);
  for (const char c : word) *p_++ = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void KvWriter::word(std::string_view word) {
  reserve(word.size() + 1);
  separate();
  p_ = put(p_, word);
}

void KvWriter::newline() {
  reserve(1);
  *p_++ = '\n';
}

void append_escaped(std::string& out, std::string_view value) {
  const std::size_t size = out.size();
  out.resize(size + escaped_bound(value.size()));
  out.resize(static_cast<std::size_t>(put_value(out.data() + size, value) - out.data()));
}

std::optional<std::string> parse_escaped(std::string_view text) {
  if (!text.starts_with('"')) return std::string(text);
  if (text.size() < 2 || !text.ends_with('"')) return std::nullopt;
  text = text.substr(1, text.size() - 2);
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') return std::nullopt;  // a quote inside must be escaped
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    if (text[i] == '"' || text[i] == '\\') {
      out.push_back(text[i]);
    } else if (text[i] == 'x' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

void append_pair(std::string& out, std::string_view key, std::string_view value) { KvWriter(out).pair(key, value); }

void append_raw_pair(std::string& out, std::string_view key, std::string_view value) {
  KvWriter(out).raw_pair(key, value);
}

void append_pair(std::string& out, std::string_view key, std::initializer_list<std::string_view> parts) {
  KvWriter(out).pair(key, parts);
}

KvLine& KvLine::add(std::string_view key, std::string_view value) {
  append_pair(line_, key, value);
  return *this;
}

KvLine& KvLine::add_raw(std::string_view key, std::string_view value) {
  append_raw_pair(line_, key, value);
  return *this;
}

}  // namespace tlspolicyd::log
