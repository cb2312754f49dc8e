// SPDX-License-Identifier: MIT
// mode: how a rule acts on a violation: enforce (answer), warn (answer WARN and go
// on), observe (only log and go on).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tlspolicyd::policy {

enum class Mode : std::uint8_t { Enforce, Warn, Observe };

[[nodiscard]] std::optional<Mode> parse_mode(std::string_view text);
[[nodiscard]] std::string_view to_string(Mode mode);

}  // namespace tlspolicyd::policy
