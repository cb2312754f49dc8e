// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>

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

TEST_CASE("IPv4 text is read exactly as inet_pton reads it") {
  // Random strings of 3 to 5 parts of 0 to 4 digits (a stray byte now and then)
  // joined by dots, against the C library: the same verdict and the same address.
  std::mt19937 random(4);
  const std::string digits = "0123456789012345678901234567890123456789x ";
  int valid_count = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string text;
    const std::size_t parts = 3 + random() % 3;
    for (std::size_t p = 0; p < parts; ++p) {
      if (p > 0) text.push_back('.');
      for (std::size_t n = random() % 5; n > 0; --n) text.push_back(digits[random() % digits.size()]);
    }
    std::array<std::uint8_t, 4> want{};
    const bool valid = inet_pton(AF_INET, text.c_str(), want.data()) == 1;
    const auto got = parse_ipv4(text);
    REQUIRE_MESSAGE(got.has_value() == valid, text);
    if (valid) REQUIRE_MESSAGE(std::equal(want.begin(), want.end(), got->bytes.begin()), text);
    valid_count += valid ? 1 : 0;
  }
  CHECK(valid_count > 1000);  // the comparison covered addresses, not only garbage
  for (const char* text : {"0.0.0.0", "255.255.255.255", "192.0.2.1", "10.0.0.10"}) CHECK(parse_ipv4(text));
  for (const char* text : {"01.0.0.0", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "256.0.0.1", "1.2.3.4 ", "0x1.2.3.4",
                           "1.2.3.1000", "1.2.3.00"}) {
    CHECK_FALSE_MESSAGE(parse_ipv4(text), text);
  }
  CHECK_FALSE(parse_ipv4(std::string_view("1.2.3.4\0", 8)));  // no NUL ends the text early
}
