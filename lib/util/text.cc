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

namespace {

// Appends at most `max` bytes of `text`: '\\' and the quote (if any) escaped,
// bytes outside printable ASCII as \xNN; "..." when cut.
void append_escaped_prefix(std::string& out, std::string_view text, std::size_t max, char quote) {
  static constexpr char Hex[] = "0123456789abcdef";
  for (const char ch : text.substr(0, max)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || (quote != 0 && ch == quote)) {
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
  if (text.size() > max) out += "...";
}

}  // namespace

std::string quoted(std::string_view entry) {
  std::string out = "\"";
  append_escaped_prefix(out, entry, QuotedEntryBytes, '"');
  out.push_back('"');
  return out;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  append_escaped_prefix(out, text, max_bytes, 0);
  return out;
}

std::string shell_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace tlspolicyd::util
