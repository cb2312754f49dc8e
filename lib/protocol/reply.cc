// SPDX-License-Identifier: MIT
#include "protocol/reply.h"

#include <algorithm>

namespace tlspolicyd::protocol {

bool append_reply(std::string& out, std::string_view action) {
  if (action.empty()) return false;
  if (std::any_of(action.begin(), action.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u > 0x7e;
      })) {
    return false;
  }
  out.append("action=");
  out.append(action);
  out.append("\n\n");
  return true;
}

}  // namespace tlspolicyd::protocol
