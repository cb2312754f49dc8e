// SPDX-License-Identifier: MIT
// ip_address: IPv4/IPv6 addresses as values, parsed from text without any socket.
//
// An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is stored as the IPv4 address, so
// both spellings compare equal. Text with a zone (%eth0), brackets or a port is not
// an address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tlspolicyd::net {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes

  [[nodiscard]] std::size_t size() const { return v6 ? 16 : 4; }
  [[nodiscard]] std::size_t bits() const { return v6 ? 128 : 32; }
  bool operator==(const IpAddress&) const = default;
};

// The address in text, or nullopt when the text is not a plain IPv4/IPv6 address.
[[nodiscard]] std::optional<IpAddress> parse_ip(std::string_view text);

// Dotted-quad IPv4 only, as inet_pton(AF_INET) reads it: "192.0.2.1", not "0x1"
// or "192.000.2.1".
[[nodiscard]] std::optional<IpAddress> parse_ipv4(std::string_view text);

// Canonical text form (inet_ntop).
[[nodiscard]] std::string to_string(const IpAddress& addr);

}  // namespace tlspolicyd::net
