// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "net/ip_address.h"

using namespace tlspolicyd::net;

TEST_CASE("ip addresses parse as IPv4 and IPv6, mapped IPv6 as IPv4") {
  auto v4 = parse_ip("192.0.2.10");
  REQUIRE(v4);
  CHECK_FALSE(v4->v6);
  CHECK(to_string(*v4) == "192.0.2.10");
  auto v6 = parse_ip("2001:DB8::1");
  REQUIRE(v6);
  CHECK(v6->v6);
  CHECK(to_string(*v6) == "2001:db8::1");
  auto mapped = parse_ip("::ffff:192.0.2.10");
  REQUIRE(mapped);
  CHECK(*mapped == *v4);
  CHECK_FALSE(parse_ip(""));
  CHECK_FALSE(parse_ip("unknown"));
  CHECK_FALSE(parse_ip("192.0.2.256"));
  CHECK_FALSE(parse_ip("[::1]"));
  CHECK_FALSE(parse_ip("fe80::1%eth0"));
  CHECK_FALSE(parse_ip(std::string(100, '1')));
}
