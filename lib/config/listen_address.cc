// SPDX-License-Identifier: MIT
#include "config/listen_address.h"

#include <sys/un.h>

#include <charconv>

namespace tlspolicyd::config {

std::string ListenAddress::to_string() const {
  if (kind == Kind::Unix) return "unix:" + path;
  if (host.find(':') != std::string::npos) return "inet:[" + host + "]:" + std::to_string(port);
  return "inet:" + host + ":" + std::to_string(port);
}

std::variant<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  ListenAddress addr;
  if (text.starts_with("unix:")) {
    addr.path = std::string(text.substr(5));
    if (addr.path.empty() || addr.path.front() != '/') return std::string("a unix: path must be absolute");
    // The daemon binds PATH.new first and renames it into place (see daemon/listener).
    constexpr std::size_t MaxPath = sizeof(sockaddr_un{}.sun_path) - 5;
    if (addr.path.size() > MaxPath) {
      return "a unix: path must be at most " + std::to_string(MaxPath) + " bytes";
    }
    if (addr.path.back() == '/') return std::string("a unix: path must name a socket, not a directory");
    return addr;
  }
  if (text.starts_with("inet:")) {
    addr.kind = ListenAddress::Kind::Inet;
    std::string_view rest = text.substr(5);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::string("expected inet:HOST:PORT");
    std::string_view host = rest.substr(0, colon);
    std::string_view port = rest.substr(colon + 1);
    if (host.starts_with('[')) {
      if (!host.ends_with(']') || host.size() < 3) return std::string("an IPv6 host must be written [ADDRESS]");
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
      return std::string("write an IPv6 host in brackets: inet:[::1]:PORT");
    }
    if (host.empty()) return std::string("expected inet:HOST:PORT with a host");
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return std::string("the port must be a number from 1 to 65535");
    }
    addr.host = std::string(host);
    addr.port = static_cast<std::uint16_t>(value);
    return addr;
  }
  return std::string("expected unix:PATH or inet:HOST:PORT");
}

}  // namespace tlspolicyd::config
