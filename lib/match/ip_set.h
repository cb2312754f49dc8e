// SPDX-License-Identifier: MIT
// ip_set: a set of IPv4/IPv6 networks (CIDR) with lookups whose cost does not
// depend on the number of networks.
//
// One hash set of masked addresses per prefix length in use; a lookup masks the
// address for each of those lengths (at most 33 for IPv4, 129 for IPv6) and probes
// once each. Parsing refuses networks with host bits set (as Postfix's cidr
// tables do); IPv4-mapped IPv6 networks (::ffff:0:0/96 and longer) are stored as
// IPv4 ones, matching how addresses are parsed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "net/ip_address.h"

namespace tlspolicyd::match {

struct Network {
  net::IpAddress address;
  unsigned prefix = 0;
};

// "192.0.2.0/24", "2001:db8::/32", "192.0.2.1" (a host); or an error message.
[[nodiscard]] std::pair<Network, std::string> parse_network(std::string_view text);

class IpSet {
 public:
  void insert(const Network& network);
  [[nodiscard]] bool contains(const net::IpAddress& address) const;
  [[nodiscard]] std::size_t size() const { return count_; }

 private:
  struct Key6 {
    std::uint64_t hi, lo;
    unsigned length;
    bool operator==(const Key6&) const = default;
  };
  struct Hash6 {
    std::size_t operator()(const Key6& k) const {
      return std::hash<std::uint64_t>{}((k.hi * 0x9E3779B97F4A7C15ULL) ^ k.lo ^ (std::uint64_t{k.length} << 56));
    }
  };
  std::vector<unsigned> v4_lengths_;  // prefix lengths in use, longest first
  std::vector<unsigned> v6_lengths_;
  std::unordered_set<std::uint64_t> v4_;  // (length << 32) | masked address
  std::unordered_set<Key6, Hash6> v6_;
  std::size_t count_ = 0;
};

}  // namespace tlspolicyd::match
