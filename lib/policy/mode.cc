// SPDX-License-Identifier: MIT
#include "policy/mode.h"

namespace tlspolicyd::policy {

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "enforce") return Mode::Enforce;
  if (text == "warn") return Mode::Warn;
  if (text == "observe") return Mode::Observe;
  return std::nullopt;
}

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::Enforce: return "enforce";
    case Mode::Warn: return "warn";
    case Mode::Observe: return "observe";
  }
  return "enforce";
}

}  // namespace tlspolicyd::policy
