// SPDX-License-Identifier: MIT
// duration: time spans written as Postfix writes them: a number with an optional
// unit s (default), m, h, d or w ("1000s", "90d"); where less than a second makes
// sense, also ms ("200ms").
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tlspolicyd::config {

// The span, or nullopt for text that is not a non-negative duration.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// The same, or milliseconds ("200ms"), for spans shorter than a second.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text);

}  // namespace tlspolicyd::config
