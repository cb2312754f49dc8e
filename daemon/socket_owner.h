// SPDX-License-Identifier: MIT
// socket_owner: which local user holds the other end of an accepted TCP
// connection, asked of the kernel (NETLINK_SOCK_DIAG, as `ss -e` does).
//
// A connection from a process on this host (over 127.0.0.1, ::1 or any of the
// host's addresses; IPv4-mapped IPv6 addresses taken as the IPv4 ones) is found
// by its exact four-tuple (on any interface, then on each interface in turn, for
// a socket bound to a device) and gives that socket's owner; a remote peer's
// socket is not on this host, and gives nullopt (so does any failure, and a
// socket already closed). Needs no privilege; a systemd unit must allow
// AF_NETLINK. One short-lived netlink socket per call.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace tlspolicyd::daemon {

// The uid owning the peer's socket of the TCP connection `fd`, whose peer address
// is `peer`, when that socket is on this host.
[[nodiscard]] std::optional<uid_t> local_peer_uid(int fd, const sockaddr* peer, socklen_t peer_len);

// An IPv4 client of a dual-stack socket (systemd's ListenStream=PORT) is seen as
// ::ffff:a.b.c.d. When `addr` is such an address, writes it to `out` as the IPv4
// address it is and returns true.
[[nodiscard]] bool unmap_ipv4(const sockaddr* addr, socklen_t len, sockaddr_in& out);

// True when `peer` is this host itself: a loopback address or any address of
// its interfaces (getifaddrs; when they cannot be read, true). Such a peer whose
// owner is not found is a local process hiding its user, never a remote host.
[[nodiscard]] bool is_local_address(const sockaddr* peer);

// Why local_peer_uid() cannot ask the kernel here (a sandbox without AF_NETLINK),
// or empty when it can.
[[nodiscard]] std::string socket_owners_unknowable();

}  // namespace tlspolicyd::daemon
