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

}  // namespace tlspolicyd::util
