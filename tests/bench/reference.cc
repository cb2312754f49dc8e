// SPDX-License-Identifier: MIT
// tlspolicyd_reference: the ceiling. A policy "server" that parses nothing: it
// answers "action=DUNNO\n\n" for every empty line it reads. Same machine, same
// sockets, same load: whatever tlspolicyd loses against it is its own work.
//
//   tlspolicyd_reference unix:PATH|inet:HOST:PORT
//
// One thread, epoll, non-blocking sockets; runs until killed.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {
struct Conn {
  bool last_lf = false;
  std::string out;
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tlspolicyd_reference unix:PATH|inet:HOST:PORT\n");
    return 2;
  }
  const std::string target = argv[1];
  int lfd = -1;
  if (target.starts_with("unix:")) {
    const std::string path = target.substr(5);
    ::unlink(path.c_str());
    lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return 1;
  } else {
    const std::string rest = target.substr(5);
    const auto colon = rest.rfind(':');
    lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(rest.substr(colon + 1))));
    ::inet_pton(AF_INET, rest.substr(0, colon).c_str(), &sa.sin_addr);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return 1;
  }
  if (::listen(lfd, SOMAXCONN) != 0) return 1;
  std::printf("ready\n");
  std::fflush(stdout);
  const int ep = ::epoll_create1(0);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::unordered_map<int, Conn> conns;
  static const char Answer[] = "action=DUNNO\n\n";
  epoll_event events[256];
  for (;;) {
    const int n = ::epoll_wait(ep, events, 256, -1);
    for (int k = 0; k < n; ++k) {
      const int fd = events[k].data.fd;
      if (fd == lfd) {
        for (int c; (c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          conns[c];
        }
        continue;
      }
      Conn& c = conns[fd];
      char buf[16384];
      const ssize_t got = ::read(fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        ::close(fd);
        conns.erase(fd);
        continue;
      }
      for (ssize_t i = 0; i < got; ++i) {
        const bool lf = buf[i] == '\n';
        if (lf && c.last_lf) {
          c.out.append(Answer, sizeof Answer - 1);
          c.last_lf = false;
        } else {
          c.last_lf = lf;
        }
      }
      while (!c.out.empty()) {
        const ssize_t w = ::write(fd, c.out.data(), c.out.size());
        if (w <= 0) break;  // a benchmark client reads everything
        c.out.erase(0, static_cast<std::size_t>(w));
      }
    }
  }
}
