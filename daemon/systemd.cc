// SPDX-License-Identifier: MIT
#include "systemd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace tlspolicyd::daemon::systemd {
namespace {

// "unix:/var/spool/postfix/tlspolicyd/policy.sock" or "inet:127.0.0.1:10040" for a bound fd.
std::string describe(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "fd:" + std::to_string(fd);
  char host[INET6_ADDRSTRLEN] = "?";
  switch (ss.ss_family) {
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      return std::string("unix:") + un->sun_path;
    }
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
      ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      return std::string("inet:") + host + ":" + std::to_string(ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      return std::string("inet:[") + host + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    default: return "fd:" + std::to_string(fd);
  }
}

}  // namespace

std::vector<BoundSocket> activated_sockets() {
  std::vector<BoundSocket> out;
  const int n = sd_listen_fds(1);
  for (int i = 0; i < n; ++i) {
    const int fd = SD_LISTEN_FDS_START + i;
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) continue;  // not a listening stream socket
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    const std::string address = describe(fd);
    out.push_back(BoundSocket{fd, "systemd " + address, address, {}, 0, 0});  // systemd owns the file
  }
  return out;
}

void notify(const std::string& state) { sd_notify(0, state.c_str()); }

Watchdog::Watchdog(event_base* base) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  event_ = event_new(base, -1, EV_PERSIST, [](evutil_socket_t, short, void*) { notify("WATCHDOG=1"); }, nullptr);
  const std::uint64_t every = usec / 2;
  timeval tv{static_cast<time_t>(every / 1000000), static_cast<suseconds_t>(every % 1000000)};
  if (event_ != nullptr) event_add(event_, &tv);
}

Watchdog::~Watchdog() {
  if (event_ != nullptr) event_free(event_);
}

}  // namespace tlspolicyd::daemon::systemd
