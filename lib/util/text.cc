// SPDX-License-Identifier: MIT
#include "util/text.h"

namespace tlspolicyd::util {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string normalize_domain(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return lower(s);
}

std::string quoted(std::string_view entry) {
  static constexpr char Hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : entry.substr(0, QuotedEntryBytes)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(Hex[c >> 4]);
      out.push_back(Hex[c & 0xf]);
    }
  }
  if (entry.size() > QuotedEntryBytes) out += "...";
  out.push_back('"');
  return out;
}

}  // namespace tlspolicyd::util
