// SPDX-License-Identifier: MIT
// listener: opens listening sockets for unix: and inet: endpoints.
//
// unix:PATH: the parent directory is created (0755) if missing; an existing socket
// file is replaced only if nobody accepts on it (a live daemon's socket is never
// stolen) and a file that is not a socket is never touched. The socket is bound as
// PATH.new, born with its mode (umask), given its group and (started as root) the
// owner the daemon runs as next through a descriptor of the file checked to be a
// socket (never through a symbolic link swapped in), and renamed over PATH, so it
// never appears with the wrong permissions. Started as root, it refuses a
// directory on the way that someone else could swap files in: owned by another
// user than root (the socket's own directory: or the daemon's user), or writable
// by group or others without the sticky bit.
// inet:HOST:PORT binds the first address HOST resolves to (IPv6 sockets are
// IPv6-only). Sockets are non-blocking and close-on-exec.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "net/ip_address.h"

namespace tlspolicyd::daemon {

struct BoundSocket {
  int fd = -1;
  std::string name;         // for the log: "unix:/run/x.sock", "systemd inet:127.0.0.1:10040"
  std::string address;      // the endpoint alone: "unix:/run/x.sock", "inet:127.0.0.1:10040"
  std::string unlink_path;  // the socket file to remove at exit (unix only)
  dev_t dev = 0;            // identity of that file, so a successor's is kept
  ino_t ino = 0;
};

// The group id to give unix sockets: nullopt for the process's own group. Sets
// `warning` when the named group does not exist (the socket then keeps the
// process's group, which is the safer side).
[[nodiscard]] std::optional<gid_t> resolve_socket_group(const config::SocketSettings& socket, std::string& warning);

// The owner to give unix sockets: the configuration's `user:` when started as
// root (the daemon drops to it next, and must be able to replace or remove its
// socket in a sticky directory), else nullopt (the process's own).
[[nodiscard]] std::optional<uid_t> resolve_socket_owner(const config::ProcessSettings& process);

// Started as root, the daemon creates files by path (the socket file; the LMDB
// history's): whoever may swap files in a directory on the way could point
// that at another file. Empty when not root, or when every directory on the way
// to `path`'s is root's (the last may be `owner`'s, the daemon user's) and
// writable by nobody else, or sticky (then only a file's owner may remove or
// rename it); else why not, naming `files`. Directories not there yet are
// root's to create.
[[nodiscard]] std::string unsafe_directory(const std::string& path, std::optional<uid_t> owner,
                                           std::string_view files);

// The same for an LMDB history at `path` (a directory), as root: its
// directories, and its files (lock.mdb, data.mdb) regular files if there, not
// symbolic links (LMDB follows them). Empty when safe, or not root.
[[nodiscard]] std::string unsafe_lmdb_store(const std::string& path, std::optional<uid_t> owner);

// Opens and listens; returns the socket or a message saying why it failed.
[[nodiscard]] std::variant<BoundSocket, std::string> open_listener(const config::ListenAddress& address,
                                                                   const config::SocketSettings& socket,
                                                                   std::optional<gid_t> group,
                                                                   std::optional<uid_t> owner = std::nullopt);

// Who is at the other end of an accepted socket.
struct Peer {
  // For the log: "192.0.2.1:25", "[2001:db8::1]:25", "127.0.0.1:4242[uid:107]"
  // (a local process on an inet listener), "unix[pid:123,uid:107]" (from
  // SO_PEERCRED), or "unix".
  std::string name;
  // Whose share of limits.connections it uses: "uid 107" for a local process
  // (whatever address it connects from), a remote peer's address on IPv4
  // ("192.0.2.1"; also an IPv4 client of a dual-stack socket, seen as
  // ::ffff:192.0.2.1), its /64 on IPv6 ("2001:db8::/64").
  std::string share;
  std::optional<uid_t> uid;                // a local process's user
  std::optional<net::IpAddress> address;   // a remote peer's address
  bool local = false;                      // a process on this host (uid, or "uid unknown")
};
[[nodiscard]] Peer identify_peer(int fd, const sockaddr* addr, int len);

// Removes the socket file if it is still the one this process created. Returns
// why it could not (a directory the process may no longer write), else empty.
[[nodiscard]] std::string remove_socket_file(const BoundSocket& socket);

}  // namespace tlspolicyd::daemon
