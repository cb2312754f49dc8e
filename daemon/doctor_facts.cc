// SPDX-License-Identifier: MIT
#include "doctor_facts.h"

#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "protocol/attribute.h"

namespace tlspolicyd::daemon {
namespace {

// A connected socket to `a`, or -1.
int connect_to(const config::ListenAddress& a) {
  if (a.kind == config::ListenAddress::Kind::Unix) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, a.path.c_str(), sizeof sa.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return fd;
    ::close(fd);
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res) != 0) return -1;
  const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool ok = ::connect(fd, res->ai_addr, res->ai_addrlen) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    ok = ::poll(&p, 1, 2000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
  ::freeaddrinfo(res);
  if (ok) return fd;
  ::close(fd);
  return -1;
}

// Sends one request, as Postfix would at CONNECT (so the TLS history neither
// counts nor checks it) from loopback over TLS 1.3 (so the shipped rules answer
// DUNNO and log nothing), and waits up to ProbeTimeoutSeconds for an action=
// answer. A hung or overloaded daemon accepts (the kernel does) but never
// answers.
bool answers(int fd) {
  using protocol::Attr;
  static const std::string Probe = [] {
    const std::pair<Attr, std::string_view> fields[] = {
        {Attr::Request, "smtpd_access_policy"},  {Attr::ProtocolState, "CONNECT"},
        {Attr::ProtocolName, "SMTP"},            {Attr::ClientAddress, "127.0.0.1"},
        {Attr::ClientName, "localhost"},         {Attr::PolicyContext, "tlspolicyd-doctor"},
        {Attr::EncryptionProtocol, "TLSv1.3"},   {Attr::EncryptionCipher, "TLS_AES_256_GCM_SHA384"},
        {Attr::EncryptionKeysize, "256"}};
    std::string text;
    for (const auto& [attr, value] : fields) {
      text.append(protocol::attr_name(attr)).append("=").append(value).append("\n");
    }
    return text + "\n";
  }();
  if (::send(fd, Probe.data(), Probe.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(Probe.size())) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(doctor::ProbeTimeoutSeconds);
  std::string answer;
  while (answer.find("\n\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;  // the deadline decides
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return false;  // closed without an answer
    answer.append(buf, static_cast<std::size_t>(n));
  }
  return answer.starts_with("action=");
}

// The groups smtpd has as `user`: setgid(pw_gid), then initgroups(user, pw_gid).
std::vector<gid_t> groups_of(const passwd& pw) {
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  while (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<std::size_t>(n) + 64);
    n = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<std::size_t>(n));
  if (std::find(groups.begin(), groups.end(), pw.pw_gid) == groups.end()) groups.push_back(pw.pw_gid);
  return groups;
}

std::string mode_text(mode_t mode) {
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
  return m;
}

std::string group_name(gid_t gid) {
  const group* g = ::getgrgid(gid);
  return g != nullptr ? g->gr_name : std::to_string(gid);
}

// The permission bits of `st` that apply to uid/groups (Linux: owner, else group, else other).
unsigned bits_for(const struct stat& st, uid_t uid, const std::vector<gid_t>& groups) {
  if (st.st_uid == uid) return (st.st_mode >> 6) & 07;
  if (std::find(groups.begin(), groups.end(), st.st_gid) != groups.end()) return (st.st_mode >> 3) & 07;
  return st.st_mode & 07;
}

void describe(doctor::SocketFacts& f, const std::string& path, const struct stat& st, const std::vector<gid_t>& groups) {
  f.path = path;
  f.mode = mode_text(st.st_mode);
  f.group = group_name(st.st_gid);
  f.in_group = std::find(groups.begin(), groups.end(), st.st_gid) != groups.end();
}

}  // namespace

doctor::SocketFacts socket_facts(const config::ListenAddress& a, const std::string& user) {
  doctor::SocketFacts f;
  f.endpoint = a.to_string();
  f.user = user;
  if (const int fd = connect_to(a); fd >= 0) {
    f.accepting = true;
    f.answering = answers(fd);
    ::close(fd);
  }
  if (a.kind != config::ListenAddress::Kind::Unix) return f;
  struct stat st {};
  if (::stat(a.path.c_str(), &st) != 0) {
    f.missing = true;
    return f;
  }
  if (!S_ISSOCK(st.st_mode)) {
    f.access = doctor::SocketAccess::NotSocket;
    f.path = a.path;
    return f;
  }
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return f;  // no such user here: nothing to judge against
  const std::vector<gid_t> groups = groups_of(*pw);
  // Connecting to a unix stream socket needs write permission on it.
  if ((bits_for(st, pw->pw_uid, groups) & 02) == 0) {
    describe(f, a.path, st, groups);
    const bool other = st.st_uid != pw->pw_uid && !f.in_group;
    f.access = other ? doctor::SocketAccess::NoGroup : doctor::SocketAccess::NoWrite;
    return f;
  }
  for (std::size_t pos = a.path.find('/', 1); pos != std::string::npos; pos = a.path.find('/', pos + 1)) {
    const std::string dir = a.path.substr(0, pos);
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) == 0 && (bits_for(ds, pw->pw_uid, groups) & 01) == 0) {
      describe(f, dir, ds, groups);
      f.access = doctor::SocketAccess::ClosedDirectory;
      return f;
    }
  }
  return f;
}

doctor::Resolved resolve_hosts(const std::vector<std::string>& hosts) {
  doctor::Resolved out;
  for (const std::string& host : hosts) {
    if (out.count(host) != 0) continue;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) continue;
    std::vector<std::string> addresses;
    for (const addrinfo* r = res; r != nullptr; r = r->ai_next) {
      char text[NI_MAXHOST];
      if (::getnameinfo(r->ai_addr, r->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
      if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) addresses.emplace_back(text);
    }
    ::freeaddrinfo(res);
    if (!addresses.empty()) out[host] = std::move(addresses);
  }
  return out;
}

}  // namespace tlspolicyd::daemon
