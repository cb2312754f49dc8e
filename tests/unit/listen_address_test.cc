// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "config/config.h"
#include "config/listen_address.h"

using namespace tlspolicyd::config;

namespace {
ListenAddress ok(std::string_view text) {
  auto r = parse_listen_address(text);
  REQUIRE(std::holds_alternative<ListenAddress>(r));
  return std::get<ListenAddress>(r);
}
std::string err(std::string_view text) {
  auto r = parse_listen_address(text);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}
}  // namespace

TEST_CASE("listen addresses: unix and inet with IPv4, names and bracketed IPv6") {
  auto u = ok("unix:/run/tlspolicyd/policy.sock");
  CHECK(u.kind == ListenAddress::Kind::Unix);
  CHECK(u.path == "/run/tlspolicyd/policy.sock");
  CHECK(u.to_string() == "unix:/run/tlspolicyd/policy.sock");
  auto i = ok("inet:127.0.0.1:10040");
  CHECK(i.kind == ListenAddress::Kind::Inet);
  CHECK(i.host == "127.0.0.1");
  CHECK(i.port == 10040);
  auto v6 = ok("inet:[::1]:10041");
  CHECK(v6.host == "::1");
  CHECK(v6.to_string() == "inet:[::1]:10041");
  CHECK(ok("inet:localhost:1").host == "localhost");
}

TEST_CASE("listen addresses: the default is in Postfix's queue directory") {
  auto d = ok(DefaultListen);
  CHECK(d.kind == ListenAddress::Kind::Unix);
  CHECK(d.path == "/var/spool/postfix/tlspolicyd/policy.sock");
}

TEST_CASE("listen addresses: bad forms say what is wrong") {
  CHECK(err("tcp:1.2.3.4:5") == "expected unix:PATH or inet:HOST:PORT");
  CHECK(err("unix:relative/path") == "a unix: path must be absolute");
  CHECK(err("unix:/" + std::string(103, 'x')) == "a unix: path must be at most 103 bytes");
  CHECK(ok("unix:/" + std::string(102, 'x')).path.size() == 103);
  CHECK(err("inet:127.0.0.1") == "expected inet:HOST:PORT");
  CHECK(err("inet:127.0.0.1:0") == "the port must be a number from 1 to 65535");
  CHECK(err("inet:127.0.0.1:65536") == "the port must be a number from 1 to 65535");
  CHECK(err("inet:127.0.0.1:http") == "the port must be a number from 1 to 65535");
  CHECK(err("inet:::1:10040") == "write an IPv6 host in brackets: inet:[::1]:PORT");
  CHECK(err("inet::10040") == "expected inet:HOST:PORT with a host");
}
