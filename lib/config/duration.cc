// SPDX-License-Identifier: MIT
#include "config/duration.h"

#include <charconv>
#include <cstdint>

namespace tlspolicyd::config {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr == text.data()) return std::nullopt;
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else if (unit == "w") scale = 7 * 86400;
  else return std::nullopt;
  constexpr std::uint64_t Max = 100ULL * 365 * 86400;  // a century is plenty
  if (value > Max / scale) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(value * scale));
}

std::optional<std::chrono::milliseconds> parse_duration_ms(std::string_view text) {
  if (text.size() > 2 && text.ends_with("ms")) {
    const std::string_view number = text.substr(0, text.size() - 2);
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc{} || ptr != number.data() + number.size() || value > 1000ULL * 86400 * 365) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(value));
  }
  if (auto seconds = parse_duration(text)) return std::chrono::milliseconds(*seconds);
  return std::nullopt;
}

}  // namespace tlspolicyd::config
