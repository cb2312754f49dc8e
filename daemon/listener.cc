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

#include "socket_owner.h"

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

}  // namespace

std::string unsafe_directory(const std::string& path, std::optional<uid_t> owner, std::string_view files) {
  if (::geteuid() != 0) return {};
  const std::size_t last = path.rfind('/');
  for (std::size_t pos = path.find('/', 1); pos != std::string::npos && pos <= last; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      if (errno == ENOENT) return {};  // root creates the rest, its own
      return errno_text("cannot check directory " + dir);
    }
    const bool own = pos == last && owner && st.st_uid == *owner;
    if (st.st_uid != 0 && !own) {
      return "directory " + dir + " belongs to uid " + std::to_string(st.st_uid) + ": its owner could redirect what " +
             "root does to " + std::string(files) + "; use a directory of root's (or, for the last one, of the " +
             "daemon's user)";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
      return "directory " + dir + " is writable by its group or others and not sticky: they could redirect what " +
             "root does to " + std::string(files) + "; chmod it go-w, or +t (as the packaged 1770 root:tlspolicyd)";
    }
  }
  return {};
}

std::string unsafe_lmdb_store(const std::string& path, std::optional<uid_t> owner) {
  if (::geteuid() != 0) return {};
  if (std::string err = unsafe_directory(path + "/data.mdb", owner, "the history's files"); !err.empty()) return err;
  for (const char* name : {"/lock.mdb", "/data.mdb"}) {
    struct stat st {};
    if (::lstat((path + name).c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      return path + name + " is not a regular file (a symbolic link?): root does not open it";
    }
  }
  return {};
}

namespace {

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
  if (std::string err = unsafe_directory(path, owner, "the socket file"); !err.empty()) {
    return "not creating " + path + ": " + err;
  }

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
  // Born with its mode (the umask, not a chmod by path afterwards).
  const mode_t old_umask = ::umask(~static_cast<mode_t>(settings.mode) & 0777);
  const int bound_rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ::umask(old_umask);
  if (bound_rc != 0) return fail("cannot bind " + temp);
  // The file itself, never a symbolic link put in its place: chowned through a
  // descriptor of what was checked to be a socket.
  const int file = ::open(temp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (file < 0) return fail("cannot open " + temp);
  struct stat file_st {};
  if (::fstat(file, &file_st) != 0 || !S_ISSOCK(file_st.st_mode) || file_st.st_uid != ::geteuid()) {
    ::close(file);
    ::close(fd);  // and the file left alone: it is not ours
    return temp + " was replaced by something other than this process's socket; not using it";
  }
  const bool chowned = !(group || owner) || ::fchownat(file, "", owner.value_or(static_cast<uid_t>(-1)),
                                                       group.value_or(static_cast<gid_t>(-1)), AT_EMPTY_PATH) == 0;
  ::close(file);
  if (!chowned) return fail("cannot chown " + temp);
  if (::listen(fd, SOMAXCONN) != 0) return fail("cannot listen on " + temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename " + temp + " to " + path);
  return BoundSocket{fd, address.to_string(), address.to_string(), path, file_st.st_dev, file_st.st_ino};
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

std::string remove_socket_file(const BoundSocket& socket) {
  if (socket.unlink_path.empty()) return {};
  struct stat st {};
  if (::lstat(socket.unlink_path.c_str(), &st) == 0 && st.st_dev == socket.dev && st.st_ino == socket.ino &&
      ::unlink(socket.unlink_path.c_str()) != 0) {
    return errno_text("cannot remove " + socket.unlink_path);
  }
  return {};
}

Peer identify_peer(int fd, const sockaddr* addr, int len) {
  // An IPv4 client of a dual-stack socket is that IPv4 peer: its name, share and owner.
  sockaddr_in unmapped{};
  if (len > 0 && unmap_ipv4(addr, static_cast<socklen_t>(len), unmapped)) {
    addr = reinterpret_cast<const sockaddr*>(&unmapped);
    len = sizeof unmapped;
  }
  char host[INET6_ADDRSTRLEN] = "?";
  Peer peer;
  if (addr != nullptr && addr->sa_family == AF_INET && len >= static_cast<int>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    peer = {std::string(host) + ":" + std::to_string(ntohs(in->sin_port)), host, std::nullopt, net::parse_ip(host),
            false};
  } else if (addr != nullptr && addr->sa_family == AF_INET6 && len >= static_cast<int>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    // One host has a whole /64 to choose from: its share is the /64's.
    in6_addr net = in6->sin6_addr;
    std::memset(&net.s6_addr[8], 0, 8);
    char prefix[INET6_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET6, &net, prefix, sizeof prefix);
    peer = {"[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port)), std::string(prefix) + "/64",
            std::nullopt, net::parse_ip(host), false};
  } else {
    ucred cred{};
    socklen_t cred_len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
      return {"unix[pid:" + std::to_string(cred.pid) + ",uid:" + std::to_string(cred.uid) + "]",
              "uid " + std::to_string(cred.uid), cred.uid, std::nullopt, true};
    }
    return {"unix", "unix", std::nullopt, std::nullopt, true};
  }
  // A local process may connect from any of 127.0.0.0/8 (or the host's other
  // addresses): it is known by its user, as on a unix socket.
  if (auto uid = local_peer_uid(fd, addr, static_cast<socklen_t>(len))) {
    peer.name += "[uid:" + std::to_string(*uid) + "]";
    peer.share = "uid " + std::to_string(*uid);
    peer.uid = uid;
    peer.address.reset();
    peer.local = true;
  } else if (is_local_address(addr)) {
    // This host, but its socket is not to be found (gone already, or hidden):
    // never taken for a remote host, all such in one share.
    peer.name += "[uid:?]";
    peer.share = "local, uid unknown";
    peer.address.reset();
    peer.local = true;
  }
  return peer;
}

}  // namespace tlspolicyd::daemon
