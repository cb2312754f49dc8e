// SPDX-License-Identifier: MIT
#include "log/kv_line.h"

#include <algorithm>

namespace tlspolicyd::log {
namespace {

bool plain(unsigned char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; }

}  // namespace

void append_escaped(std::string& out, std::string_view value) {
  if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return plain(static_cast<unsigned char>(c));
      })) {
    out.append(value);
    return;
  }
  static constexpr char Hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      out.append("\\x");
      out.push_back(Hex[c >> 4]);
      out.push_back(Hex[c & 0xf]);
    }
  }
  out.push_back('"');
}

void KvLine::key(std::string_view key) {
  if (!line_.empty()) line_.push_back(' ');
  line_.append(key);
  line_.push_back('=');
}

KvLine& KvLine::add(std::string_view key, std::string_view value) {
  this->key(key);
  append_escaped(line_, value);
  return *this;
}

KvLine& KvLine::add_raw(std::string_view key, std::string_view value) {
  this->key(key);
  line_.append(value);
  return *this;
}

KvLine& KvLine::append_line(std::string_view pairs) {
  if (pairs.empty()) return *this;
  if (!line_.empty()) line_.push_back(' ');
  line_.append(pairs);
  return *this;
}

}  // namespace tlspolicyd::log
