// SPDX-License-Identifier: MIT
// listener: who is at the other end of an accepted TCP connection
// (identify_peer), on real loopback sockets. An IPv4 client of a dual-stack
// socket (one systemd hands over for ListenStream=PORT) arrives as
// ::ffff:a.b.c.d and must be identified as the IPv4 peer it is.
#include "listener.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace tlspolicyd;

namespace {

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sockaddr_in6 mapped(const char* v4, std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  REQUIRE(::inet_pton(AF_INET6, ("::ffff:" + std::string(v4)).c_str(), &a.sin6_addr) == 1);
  return a;
}

// This host's IPv4 addresses: loopback first, then the others.
std::vector<std::string> host_ipv4() {
  std::vector<std::string> out = {"127.0.0.1"};
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return out;
  for (const ifaddrs* a = all; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) out.emplace_back(text);
  }
  ::freeifaddrs(all);
  return out;
}

// A dual-stack listener on [::]:0 (IPV6_V6ONLY off, as systemd makes them); its
// port, or nullopt on a host without IPv6.
std::optional<std::uint16_t> dual_stack(const Fd& listener) {
  const int off = 0;
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_any;
  socklen_t len = sizeof any;
  if (listener.fd < 0 || ::setsockopt(listener.fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
      ::bind(listener.fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || ::listen(listener.fd, 8) != 0 ||
      ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&any), &len) != 0) {
    return std::nullopt;
  }
  return ntohs(any.sin6_port);
}

}  // namespace

TEST_CASE("identify_peer: a v4-mapped remote peer is its IPv4 address, its own share") {
  const sockaddr_in6 a = mapped("198.51.100.7", 25);
  const daemon::Peer p = daemon::identify_peer(-1, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  CHECK(p.name == "198.51.100.7:25");
  CHECK(p.share == "198.51.100.7");  // not "::/64", which every IPv4 peer would share
  CHECK_FALSE(p.local);
  REQUIRE(p.address.has_value());
  CHECK(net::to_string(*p.address) == "198.51.100.7");
}

TEST_CASE("identify_peer: an IPv4 client of a dual-stack listener is a local user, live or already gone") {
  for (const std::string& host : host_ipv4()) {
    CAPTURE(host);
    Fd listener(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto dual = dual_stack(listener);
    if (!dual) {
      MESSAGE("skipped: no IPv6 here");
      return;
    }
    const std::uint16_t port = *dual;
    for (const bool gone : {false, true}) {
      CAPTURE(gone);
      Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      REQUIRE(::inet_pton(AF_INET, host.c_str(), &to.sin_addr) == 1);
      REQUIRE(::connect(client.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      Fd accepted(::accept(listener.fd, reinterpret_cast<sockaddr*>(&from), &from_len));
      REQUIRE(accepted.fd >= 0);
      REQUIRE(from.ss_family == AF_INET6);  // ::ffff:host
      if (gone) {
        ::close(client.fd);  // before the lookup: its owner cannot be found
        client.fd = -1;
      }
      const daemon::Peer p =
          daemon::identify_peer(accepted.fd, reinterpret_cast<const sockaddr*>(&from), static_cast<int>(from_len));
      CHECK(p.name.rfind(host + ":", 0) == 0);
      CHECK(p.local);
      CHECK_FALSE(p.address.has_value());
      if (gone) {
        CHECK(p.share == "local, uid unknown");
      } else {
        CHECK(p.share == "uid " + std::to_string(::geteuid()));
        CHECK(p.uid == ::geteuid());
      }
    }
  }
}
