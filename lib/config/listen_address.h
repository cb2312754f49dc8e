// SPDX-License-Identifier: MIT
// listen_address: the text forms of a listening endpoint.
//
// "unix:/abs/path" (a UNIX-domain stream socket; the path must be absolute and fit
// in sockaddr_un) and "inet:HOST:PORT" (HOST an IPv4 address, a name, or an IPv6
// address in brackets: "inet:[::1]:10040"). Parsing only; nothing is resolved or
// bound here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tlspolicyd::config {

struct ListenAddress {
  enum class Kind { Unix, Inet };
  Kind kind = Kind::Unix;
  std::string path;  // Unix
  std::string host;  // Inet, without brackets
  std::uint16_t port = 0;

  // The canonical text form ("unix:/run/x.sock", "inet:[::1]:10040").
  [[nodiscard]] std::string to_string() const;
  bool operator==(const ListenAddress&) const = default;
};

// The endpoint, or an error message saying what is wrong with the text.
[[nodiscard]] std::variant<ListenAddress, std::string> parse_listen_address(std::string_view text);

}  // namespace tlspolicyd::config
