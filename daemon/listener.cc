// SPDX-License-Identifier: MIT
#include "listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tlspolicyd::daemon {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// mkdir -p of the directory part of `path`.
std::string make_parent_dirs(const std::string& path) {
  for (std::size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_text("cannot create directory " + dir);
  }
  return {};
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  return sa;
}

// True when some process accepts connections on the socket file at `path`.
bool socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa = unix_address(path);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return live;
}

std::variant<BoundSocket, std::string> open_unix(const config::ListenAddress& address,
                                                 const config::SocketSettings& settings, std::optional<gid_t> group,
                                                 std::optional<uid_t> owner) {
  const std::string& path = address.path;
  if (std::string err = make_parent_dirs(path); !err.empty()) return err;

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return path + " exists and is not a socket; not replacing it";
    if (socket_is_live(path)) return "another process is accepting connections on " + path;
  }

  const std::string temp = path + ".new";
  ::unlink(temp.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket");
  sockaddr_un sa = unix_address(temp);
  auto fail = [&](const std::string& what) {
    std::string err = errno_text(what);
    ::close(fd);
    ::unlink(temp.c_str());
    return err;
  };
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return fail("cannot bind " + temp);
  if (::chmod(temp.c_str(), static_cast<mode_t>(settings.mode)) != 0) return fail("cannot chmod " + temp);
  if ((group || owner) &&
      ::chown(temp.c_str(), owner.value_or(static_cast<uid_t>(-1)), group.value_or(static_cast<gid_t>(-1))) != 0) {
    return fail("cannot chown " + temp);
  }
  if (::listen(fd, SOMAXCONN) != 0) return fail("cannot listen on " + temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename " + temp + " to " + path);

  BoundSocket bound{fd, address.to_string(), address.to_string(), path, 0, 0};
  if (::stat(path.c_str(), &st) == 0) {
    bound.dev = st.st_dev;
    bound.ino = st.st_ino;
  }
  return bound;
}

std::variant<BoundSocket, std::string> open_inet(const config::ListenAddress& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(address.port);
  if (int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return "cannot resolve " + address.host + ": " + ::gai_strerror(rc);
  }
  std::string err = "no address for " + address.host;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno_text("socket");
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      ::freeaddrinfo(res);
      return BoundSocket{fd, address.to_string(), address.to_string(), {}, 0, 0};
    }
    err = errno_text("cannot listen on " + address.to_string());
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return err;
}

}  // namespace

std::optional<gid_t> resolve_socket_group(const config::SocketSettings& socket, std::string& warning) {
  if (socket.group.empty()) return std::nullopt;
  if (const group* gr = ::getgrnam(socket.group.c_str())) return gr->gr_gid;
  warning = "socket group \"" + socket.group +
            "\" does not exist; unix sockets keep the daemon's own group (clients in that group cannot connect)";
  return std::nullopt;
}

std::optional<uid_t> resolve_socket_owner(const config::ProcessSettings& process) {
  if (::geteuid() != 0 || process.user.empty()) return std::nullopt;
  if (const passwd* pw = ::getpwnam(process.user.c_str())) return pw->pw_uid;
  return std::nullopt;  // the privilege drop reports the unknown user
}

std::variant<BoundSocket, std::string> open_listener(const config::ListenAddress& address,
                                                     const config::SocketSettings& socket,
                                                     std::optional<gid_t> group, std::optional<uid_t> owner) {
  if (address.kind == config::ListenAddress::Kind::Unix) return open_unix(address, socket, group, owner);
  return open_inet(address);
}

void remove_socket_file(const BoundSocket& socket) {
  if (socket.unlink_path.empty()) return;
  struct stat st {};
  if (::lstat(socket.unlink_path.c_str(), &st) == 0 && st.st_dev == socket.dev && st.st_ino == socket.ino) {
    ::unlink(socket.unlink_path.c_str());
  }
}

std::string peer_name(int fd, const sockaddr* addr, int len) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr != nullptr && addr->sa_family == AF_INET && len >= static_cast<int>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (addr != nullptr && addr->sa_family == AF_INET6 && len >= static_cast<int>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  ucred cred{};
  socklen_t cred_len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
    return "unix[pid:" + std::to_string(cred.pid) + ",uid:" + std::to_string(cred.uid) + "]";
  }
  return "unix";
}

}  // namespace tlspolicyd::daemon
