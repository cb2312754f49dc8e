// SPDX-License-Identifier: MIT
#include "match/ip_set.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "util/text.h"

namespace tlspolicyd::match {
namespace {

std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

std::uint32_t v4_bits(const net::IpAddress& a) {
  return std::uint32_t{a.bytes[0]} << 24 | std::uint32_t{a.bytes[1]} << 16 | std::uint32_t{a.bytes[2]} << 8 |
         a.bytes[3];
}

std::uint32_t mask4(std::uint32_t v, unsigned len) { return len == 0 ? 0 : v & ~((len >= 32) ? 0u : (0xffffffffu >> len)); }

std::uint64_t mask64(std::uint64_t v, unsigned len) {
  if (len == 0) return 0;
  if (len >= 64) return v;
  return v & ~(~std::uint64_t{0} >> len);
}

void masked6(const net::IpAddress& a, unsigned len, std::uint64_t& hi, std::uint64_t& lo) {
  hi = mask64(load64(a.bytes.data()), std::min(len, 64u));
  lo = mask64(load64(a.bytes.data() + 8), len > 64 ? len - 64 : 0);
}

void add_length(std::vector<unsigned>& lengths, unsigned len) {
  if (std::find(lengths.begin(), lengths.end(), len) != lengths.end()) return;
  lengths.push_back(len);
  std::sort(lengths.rbegin(), lengths.rend());
}

}  // namespace

std::pair<Network, std::string> parse_network(std::string_view text) {
  Network n;
  std::string_view addr = text;
  std::optional<unsigned> len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view digits = text.substr(slash + 1);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size()) {
      return {n, util::quoted(text) + " has a bad prefix length"};
    }
    len = v;
  }
  // Parse the raw form first: a mapped IPv6 network needs its own prefix rules.
  const bool v6_text = addr.find(':') != std::string_view::npos;
  auto parsed = net::parse_ip(addr);
  if (!parsed) return {n, util::quoted(text) + " is not an IP address or network"};
  n.address = *parsed;
  unsigned max = v6_text ? 128 : 32;
  unsigned prefix = len.value_or(max);
  if (prefix > max) return {n, util::quoted(text) + " has a prefix longer than " + std::to_string(max)};
  if (v6_text && !parsed->v6) {
    // ::ffff:a.b.c.d/len: the IPv4 part of the mapped range.
    if (prefix < 96) return {n, util::quoted(text) + " mixes IPv4-mapped and other IPv6 addresses"};
    prefix -= 96;
  }
  n.prefix = prefix;
  bool host_bits = false;
  if (!n.address.v6) {
    const std::uint32_t v = v4_bits(n.address);
    host_bits = mask4(v, prefix) != v;
  } else {
    std::uint64_t hi = 0, lo = 0;
    masked6(n.address, prefix, hi, lo);
    host_bits = hi != load64(n.address.bytes.data()) || lo != load64(n.address.bytes.data() + 8);
  }
  if (host_bits) {
    net::IpAddress masked = n.address;
    for (unsigned bit = prefix; bit < n.address.bits(); ++bit) {
      masked.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    const unsigned written_prefix = v6_text && !parsed->v6 ? prefix + 96 : prefix;
    return {n, util::quoted(text) + " has host bits set (did you mean " + net::to_string(masked) + "/" +
                   std::to_string(written_prefix) + "?)"};
  }
  return {n, {}};
}

void IpSet::insert(const Network& n) {
  if (!n.address.v6) {
    const std::uint64_t key = std::uint64_t{n.prefix} << 32 | mask4(v4_bits(n.address), n.prefix);
    if (v4_.insert(key).second) ++count_;
    add_length(v4_lengths_, n.prefix);
    return;
  }
  Key6 key{0, 0, n.prefix};
  masked6(n.address, n.prefix, key.hi, key.lo);
  if (v6_.insert(key).second) ++count_;
  add_length(v6_lengths_, n.prefix);
}

bool IpSet::contains(const net::IpAddress& a) const {
  if (!a.v6) {
    const std::uint32_t v = v4_bits(a);
    for (unsigned len : v4_lengths_) {
      if (v4_.count(std::uint64_t{len} << 32 | mask4(v, len)) != 0) return true;
    }
    return false;
  }
  for (unsigned len : v6_lengths_) {
    Key6 key{0, 0, len};
    masked6(a, len, key.hi, key.lo);
    if (v6_.count(key) != 0) return true;
  }
  return false;
}

}  // namespace tlspolicyd::match
