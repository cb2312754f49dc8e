// SPDX-License-Identifier: MIT
#include "log/kv_line.h"

#include <algorithm>
#include <array>
#include <cstdint>

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

bool all_plain(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return byte_class(c) == ByteClass::Plain; });
}

}  // namespace

void append_escaped(std::string& out, std::string_view value) {
  if (!value.empty() && all_plain(value)) {
    out.append(value);  // the common case: nothing to quote
    return;
  }
  static constexpr char Hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // the start of the bytes not yet written that need no escape
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i];
    if (byte_class(ch) != ByteClass::Escaped) continue;
    out.append(value.substr(run, i - run));
    run = i + 1;
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else {
      out.append("\\x");
      out.push_back(Hex[c >> 4]);
      out.push_back(Hex[c & 0xf]);
    }
  }
  out.append(value.substr(run));
  out.push_back('"');
}

namespace {

void append_key(std::string& out, std::string_view key) {
  if (!out.empty() && out.back() != '\n') out.push_back(' ');
  out.append(key);
  out.push_back('=');
}

}  // namespace

void append_pair(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  append_escaped(out, value);
}

void append_raw_pair(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  out.append(value);
}

void append_pair(std::string& out, std::string_view key, std::initializer_list<std::string_view> parts) {
  append_key(out, key);
  std::size_t size = 0;
  bool plain_parts = true;
  for (std::string_view part : parts) {
    size += part.size();
    plain_parts = plain_parts && all_plain(part);
  }
  if (size > 0 && plain_parts) {  // the common case: written as they are, no copy
    for (std::string_view part : parts) out.append(part);
    return;
  }
  std::string value;
  value.reserve(size);
  for (std::string_view part : parts) value.append(part);
  append_escaped(out, value);
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
