// SPDX-License-Identifier: MIT
#include "protocol/reply.h"

#include <algorithm>

namespace tlspolicyd::protocol {
namespace {

bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u > 0x7e;
  });
}

}  // namespace

bool append_reply(std::string& out, std::string_view verb, std::string_view text) {
  if (verb.empty() || !printable(verb) || !printable(text)) return false;
  out.append("action=");
  out.append(verb);
  if (!text.empty()) {
    out.push_back(' ');
    out.append(text);
  }
  out.append("\n\n");
  return true;
}

}  // namespace tlspolicyd::protocol
