// SPDX-License-Identifier: MIT
// store_address: where the TLS history lives (downgrade.store), as one value.
//
//   memory                                  a map inside the daemon
//   lmdb:PATH                               an LMDB environment in directory PATH (absolute)
//   redis://[[USER]:PASSWORD@]HOST:PORT/DB  a Redis server over TCP; PORT defaults to 6379
//                                           and DB to 0; an IPv6 HOST may be in brackets
//   redis+unix://[[USER]:PASSWORD@]PATH?db=DB
//                                           a Redis server on its unix socket PATH
//                                           (absolute, so three slashes without credentials)
//
// USER and PASSWORD are percent-decoded (%40 is '@', %25 is '%'); everything
// before the last '@' is USER:PASSWORD, so even an undecoded '/' or '@' in a
// password works. USER alone (redis://USER@HOST) names a Redis 6 ACL user whose
// password comes from elsewhere (downgrade.password_file): the configuration
// loader requires one. The socket PATH is taken as written.
//
// parse() reads that text, to_string() writes the one form the log, the report
// and configuration errors use ("redis://HOST:PORT/DB" in full, HOST without
// brackets; the stores' own errors may name just the path) with the password
// always masked ("redis://user:***@HOST:PORT/DB"): the password itself appears in
// no message. Two addresses are equal when they name the same store with the same
// credentials (what a reload compares: a changed store or password needs a restart).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace tlspolicyd::history {

inline constexpr const char* DefaultLmdbPath = "/var/lib/tlspolicyd/history";
inline constexpr std::uint16_t DefaultRedisPort = 6379;

struct StoreAddress {
  enum class Kind : std::uint8_t { Memory, Lmdb, Redis };

  Kind kind = Kind::Lmdb;
  std::string path = DefaultLmdbPath;  // Lmdb
  std::string host;                    // Redis over TCP
  std::uint16_t port = DefaultRedisPort;
  std::string socket;                  // Redis on a unix socket (then host is empty)
  unsigned db = 0;
  std::string user;      // Redis ACL user; empty: the default user
  std::string password;  // Redis AUTH password; empty: no AUTH. Never printed.

  [[nodiscard]] static StoreAddress memory();
  [[nodiscard]] static StoreAddress lmdb(std::string path);
  [[nodiscard]] static StoreAddress redis(std::string host, std::uint16_t port, unsigned db);
  [[nodiscard]] static StoreAddress redis_unix(std::string socket, unsigned db);

  // The address `text` names, or the error message, which starts with `what`
  // (the setting's name: "downgrade.store must be memory, ..."). No error
  // message quotes the user or the password.
  [[nodiscard]] static std::variant<StoreAddress, std::string> parse(std::string_view text, std::string_view what);

  // "memory", "lmdb:/var/lib/tlspolicyd/history", "redis://127.0.0.1:6379/0",
  // "redis://tlspolicyd:***@127.0.0.1:6379/0", "redis+unix:///run/redis/redis-server.sock?db=0".
  [[nodiscard]] std::string to_string() const;

  // The same store: same kind and, for that kind, the same path or host, port or
  // socket, db, user and password.
  [[nodiscard]] bool operator==(const StoreAddress& other) const;
};

}  // namespace tlspolicyd::history
