// SPDX-License-Identifier: MIT
#include "socket_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace tlspolicyd::daemon {
namespace {

// The four-tuple seen from the peer's socket: its address is the source, ours
// the destination (ports in network order, as the kernel keeps them).
bool fill_id(inet_diag_sockid& id, const sockaddr* peer, const sockaddr_storage& ours) {
  if (peer->sa_family == AF_INET && ours.ss_family == AF_INET) {
    const auto* p = reinterpret_cast<const sockaddr_in*>(peer);
    const auto* o = reinterpret_cast<const sockaddr_in*>(&ours);
    id.idiag_sport = p->sin_port;
    id.idiag_dport = o->sin_port;
    std::memcpy(id.idiag_src, &p->sin_addr, sizeof p->sin_addr);
    std::memcpy(id.idiag_dst, &o->sin_addr, sizeof o->sin_addr);
    return true;
  }
  if (peer->sa_family == AF_INET6 && ours.ss_family == AF_INET6) {
    const auto* p = reinterpret_cast<const sockaddr_in6*>(peer);
    const auto* o = reinterpret_cast<const sockaddr_in6*>(&ours);
    id.idiag_sport = p->sin6_port;
    id.idiag_dport = o->sin6_port;
    std::memcpy(id.idiag_src, &p->sin6_addr, sizeof p->sin6_addr);
    std::memcpy(id.idiag_dst, &o->sin6_addr, sizeof o->sin6_addr);
    return true;
  }
  return false;
}

class Netlink {
 public:
  Netlink() : fd_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~Netlink() {
    if (fd_ >= 0) ::close(fd_);
  }
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::optional<uid_t> local_peer_uid(int fd, const sockaddr* peer, socklen_t peer_len) {
  if (peer == nullptr || peer_len < static_cast<socklen_t>(sizeof(sockaddr_in))) return std::nullopt;
  if (peer->sa_family == AF_INET6 && peer_len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return std::nullopt;
  sockaddr_storage ours{};
  socklen_t ours_len = sizeof ours;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ours), &ours_len) != 0) return std::nullopt;

  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;  // one socket by its four-tuple, not a dump
  message.request.sdiag_family = static_cast<std::uint8_t>(peer->sa_family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0U;
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  if (!fill_id(message.request.id, peer, ours)) return std::nullopt;

  Netlink netlink;
  if (netlink.fd() < 0) return std::nullopt;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink.fd(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(sizeof message)) {
    return std::nullopt;
  }
  alignas(nlmsghdr) char reply[1024];
  const ssize_t n = ::recv(netlink.fd(), reply, sizeof reply, 0);
  if (n < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(inet_diag_msg)))) return std::nullopt;
  const auto* header = reinterpret_cast<const nlmsghdr*>(reply);
  if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len > static_cast<std::uint32_t>(n) ||
      header->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
    return std::nullopt;  // NLMSG_ERROR: no such socket here (a remote peer)
  }
  const auto* found = reinterpret_cast<const inet_diag_msg*>(reply + NLMSG_ALIGN(sizeof(nlmsghdr)));
  // Only the connection's own end counts: a listening or TIME_WAIT socket that
  // the lookup might fall back to (the peer gone already) says nothing of it.
  if (found->id.idiag_sport != message.request.id.idiag_sport ||
      found->id.idiag_dport != message.request.id.idiag_dport || found->idiag_state == TCP_LISTEN ||
      found->idiag_state == TCP_TIME_WAIT || found->idiag_state == TCP_CLOSE) {
    return std::nullopt;
  }
  return found->idiag_uid;
}

std::string socket_owners_unknowable() {
  const Netlink netlink;
  if (netlink.fd() < 0) return std::string("netlink: ") + std::strerror(errno);
  return {};
}

}  // namespace tlspolicyd::daemon
