// SPDX-License-Identifier: MIT
#include "socket_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

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

// The owner of the socket `id` names, as the kernel finds it on interface
// `ifindex` (0: any; a socket bound to a device is found only on that one).
std::optional<uid_t> ask_kernel(const Netlink& netlink, std::uint8_t family, const inet_diag_sockid& id,
                                std::uint32_t ifindex) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;  // one socket by its four-tuple, not a dump
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0U;
  message.request.id = id;
  message.request.id.idiag_if = ifindex;
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
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
  // Only the connection's own, live end counts: a listening socket the lookup
  // might fall back to, or a closed one (TIME_WAIT and the like report uid 0 and
  // no inode), says nothing of who connected.
  if (found->id.idiag_sport != id.idiag_sport || found->id.idiag_dport != id.idiag_dport ||
      found->idiag_state == TCP_LISTEN || found->idiag_state == TCP_TIME_WAIT || found->idiag_state == TCP_CLOSE ||
      found->idiag_inode == 0) {
    return std::nullopt;
  }
  return found->idiag_uid;
}

}  // namespace

std::optional<uid_t> local_peer_uid(int fd, const sockaddr* peer, socklen_t peer_len) {
  if (peer == nullptr || peer_len < static_cast<socklen_t>(sizeof(sockaddr_in))) return std::nullopt;
  if (peer->sa_family == AF_INET6 && peer_len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return std::nullopt;
  sockaddr_storage ours{};
  socklen_t ours_len = sizeof ours;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ours), &ours_len) != 0) return std::nullopt;
  sockaddr_in ours4{};
  if (peer->sa_family == AF_INET && unmap_ipv4(reinterpret_cast<const sockaddr*>(&ours), ours_len, ours4)) {
    ours = {};
    std::memcpy(&ours, &ours4, sizeof ours4);  // a dual-stack socket's end of an IPv4 connection
  }
  inet_diag_sockid id{};
  if (!fill_id(id, peer, ours)) return std::nullopt;
  const Netlink netlink;
  if (netlink.fd() < 0) return std::nullopt;
  const auto family = static_cast<std::uint8_t>(peer->sa_family);
  if (auto uid = ask_kernel(netlink, family, id, 0)) return uid;
  // A client bound to a device (SO_BINDTODEVICE, or an IPv6 link-local address
  // with its scope: no privilege needed) is found only on that device.
  std::unique_ptr<struct if_nameindex, decltype(&if_freenameindex)> interfaces(::if_nameindex(), &if_freenameindex);
  for (const struct if_nameindex* i = interfaces.get(); i != nullptr && i->if_index != 0; ++i) {
    if (auto uid = ask_kernel(netlink, family, id, i->if_index)) return uid;
  }
  return std::nullopt;
}

bool unmap_ipv4(const sockaddr* addr, socklen_t len, sockaddr_in& out) {
  if (addr == nullptr || addr->sa_family != AF_INET6 || len < static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    return false;
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
  if (!IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return false;
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = in6->sin6_port;
  std::memcpy(&out.sin_addr, &in6->sin6_addr.s6_addr[12], sizeof out.sin_addr);
  return true;
}

bool is_local_address(const sockaddr* peer) {
  if (peer == nullptr) return false;
  if (peer->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) return true;
  } else if (peer->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    sockaddr_in v4{};
    if (unmap_ipv4(peer, sizeof(sockaddr_in6), v4)) return is_local_address(reinterpret_cast<const sockaddr*>(&v4));
  } else {
    return false;
  }
  // Any of this host's addresses: the host talking to itself.
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return true;  // cannot tell: not taken for a remote host
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owned(all, &freeifaddrs);
  for (const ifaddrs* a = all; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != peer->sa_family) continue;
    if (peer->sa_family == AF_INET &&
        reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr ==
            reinterpret_cast<const sockaddr_in*>(peer)->sin_addr.s_addr) {
      return true;
    }
    if (peer->sa_family == AF_INET6 &&
        std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr,
                    &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr, sizeof(in6_addr)) == 0) {
      return true;
    }
  }
  return false;
}

std::string socket_owners_unknowable() {
  const Netlink netlink;
  if (netlink.fd() < 0) return std::string("netlink: ") + std::strerror(errno);
  return {};
}

}  // namespace tlspolicyd::daemon
