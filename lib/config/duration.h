// SPDX-License-Identifier: MIT
// duration: time spans written as Postfix writes them: a number with an optional
// unit s (default), m, h, d or w ("1000s", "90d").
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tlspolicyd::config {

// The span, or nullopt for text that is not a non-negative duration.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace tlspolicyd::config
