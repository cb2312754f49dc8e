// SPDX-License-Identifier: MIT
#include "net/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace tlspolicyd::net {

std::optional<IpAddress> parse_ipv4(std::string_view text) {
  // Four decimal numbers 0-255 without leading zeros, joined by dots: what
  // inet_pton(AF_INET) accepts, without the copy and the NUL it needs (every
  // request carries a client address; this runs once per request). The digits
  // of a number are read one by one, unrolled: at most three.
  IpAddress addr;
  const char* p = text.data();
  const char* const end = p + text.size();
  const auto digit = [&](unsigned& d) {
    if (p == end) return false;
    d = static_cast<unsigned char>(*p - '0');
    return d < 10;
  };
  for (std::size_t octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned value;
    if (!digit(value)) return std::nullopt;
    ++p;
    if (unsigned d; value != 0 && digit(d)) {  // "0" stands alone: no leading zero
      value = value * 10 + d;
      ++p;
      if (digit(d)) {
        value = value * 10 + d;
        ++p;
        if (value > 255) return std::nullopt;
      }
    }
    addr.bytes[octet] = static_cast<std::uint8_t>(value);
  }
  if (p != end) return std::nullopt;
  return addr;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (auto v4 = parse_ipv4(text)) return v4;  // the common case, before any search for ':'
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  // INET6_ADDRSTRLEN is 46 and includes the NUL; longer text is no address.
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';

  IpAddress addr;
  if (inet_pton(AF_INET6, buf, addr.bytes.data()) != 1) return std::nullopt;
  static constexpr std::uint8_t MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(addr.bytes.data(), MappedPrefix, sizeof MappedPrefix) == 0) {
    std::memmove(addr.bytes.data(), addr.bytes.data() + 12, 4);
    std::fill(addr.bytes.begin() + 4, addr.bytes.end(), std::uint8_t{0});
    return addr;
  }
  addr.v6 = true;
  return addr;
}

std::string to_string(const IpAddress& addr) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(addr.v6 ? AF_INET6 : AF_INET, addr.bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

}  // namespace tlspolicyd::net
