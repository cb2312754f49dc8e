// SPDX-License-Identifier: MIT
// tlspolicyd_ask: sends the policy requests on stdin to a tlspolicyd socket and
// prints the answers, for shell tests: tlspolicyd_ask unix:PATH|inet:HOST:PORT < requests
// Exit 0 when one answer arrived per request, 1 otherwise.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tlspolicyd_ask unix:PATH|inet:HOST:PORT < requests\n");
    return 2;
  }
  const std::string target = argv[1];
  int fd = -1;
  if (target.starts_with("unix:")) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, target.c_str() + 5, sizeof sa.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) fd = -1;
  } else if (target.starts_with("inet:")) {
    const std::string rest = target.substr(5);
    const auto colon = rest.rfind(':');
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(rest.substr(0, colon).c_str(), rest.substr(colon + 1).c_str(), &hints, &res) == 0) {
      fd = ::socket(res->ai_family, SOCK_STREAM, 0);
      if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) fd = -1;
      ::freeaddrinfo(res);
    }
  }
  if (fd < 0) {
    std::perror(argv[1]);
    return 1;
  }
  const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::size_t expected = 0;
  for (std::size_t pos = input.find("\n\n"); pos != std::string::npos; pos = input.find("\n\n", pos + 2)) ++expected;
  if (::write(fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) return 1;
  std::string got;
  std::size_t answers = 0;
  char buf[4096];
  while (answers < expected) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    answers = 0;
    for (std::size_t pos = got.find("\n\n"); pos != std::string::npos; pos = got.find("\n\n", pos + 2)) ++answers;
  }
  std::fwrite(got.data(), 1, got.size(), stdout);
  return answers == expected ? 0 : 1;
}
