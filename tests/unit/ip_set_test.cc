// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "match/ip_set.h"

using namespace tlspolicyd::match;
using tlspolicyd::net::parse_ip;

namespace {
Network net(std::string_view text) {
  const auto parsed = parse_network(text);
  REQUIRE_MESSAGE(parsed.second.empty(), parsed.second);
  return parsed.first;
}
std::string err(std::string_view text) { return parse_network(text).second; }
bool in(const IpSet& s, std::string_view addr) { return s.contains(*parse_ip(addr)); }
}  // namespace

TEST_CASE("ip set: IPv4 and IPv6 networks and hosts") {
  IpSet s;
  s.insert(net("10.0.0.0/8"));
  s.insert(net("192.0.2.1"));
  s.insert(net("2001:db8::/32"));
  s.insert(net("::1"));
  CHECK(in(s, "10.255.1.2"));
  CHECK(in(s, "192.0.2.1"));
  CHECK_FALSE(in(s, "192.0.2.2"));
  CHECK_FALSE(in(s, "11.0.0.1"));
  CHECK(in(s, "2001:db8:ffff::1"));
  CHECK_FALSE(in(s, "2001:db9::1"));
  CHECK(in(s, "::1"));
  CHECK_FALSE(in(s, "::2"));
  CHECK(in(s, "::ffff:10.1.2.3"));  // IPv4-mapped compares as IPv4
}

TEST_CASE("ip set: /0 matches everything of its family") {
  IpSet s;
  s.insert(net("0.0.0.0/0"));
  CHECK(in(s, "203.0.113.9"));
  CHECK_FALSE(in(s, "2001:db8::1"));
  s.insert(net("::/0"));
  CHECK(in(s, "2001:db8::1"));
}

TEST_CASE("ip set: mapped IPv6 networks are IPv4 networks") {
  IpSet s;
  s.insert(net("::ffff:192.0.2.0/120"));
  CHECK(in(s, "192.0.2.77"));
  CHECK_FALSE(in(s, "192.0.3.1"));
}

TEST_CASE("ip set: bad networks are refused, host bits set too") {
  CHECK(err("10.1.0.0/8").find("host bits set (did you mean 10.0.0.0/8?)") != std::string::npos);
  CHECK(err("2001:db8::1/32").find("did you mean 2001:db8::/32?") != std::string::npos);
  CHECK(err("10.0.0.0/33").find("prefix longer than 32") != std::string::npos);
  CHECK(err("2001:db8::/129").find("prefix longer than 128") != std::string::npos);
  CHECK(err("10.0.0.0/").find("bad prefix length") != std::string::npos);
  CHECK(err("10.0.0.0/x").find("bad prefix length") != std::string::npos);
  CHECK(err("example.com").find("not an IP address") != std::string::npos);
  CHECK(err("::ffff:192.0.2.0/64").find("mixes IPv4-mapped") != std::string::npos);
}
