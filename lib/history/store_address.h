// SPDX-License-Identifier: MIT
// store_address: where the TLS history lives (downgrade.store), as one value.
//
//   memory                a map inside the daemon
//   lmdb:PATH             an LMDB environment in directory PATH (absolute)
//   redis://HOST:PORT/DB  a Redis server; PORT defaults to 6379 and DB to 0, and
//                         an IPv6 HOST may be written in brackets
//
// parse() reads that text, to_string() writes the one form the log, the report
// and configuration errors use ("redis://HOST:PORT/DB" in full, HOST without
// brackets; the stores' own errors may name just the path), and two addresses are equal when they name the same store (what a
// reload compares: a changed store needs a restart).
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
  std::string host;                    // Redis
  std::uint16_t port = DefaultRedisPort;
  unsigned db = 0;

  [[nodiscard]] static StoreAddress memory();
  [[nodiscard]] static StoreAddress lmdb(std::string path);
  [[nodiscard]] static StoreAddress redis(std::string host, std::uint16_t port, unsigned db);

  // The address `text` names, or the error message, which starts with `what`
  // (the setting's name: "downgrade.store must be memory, ...").
  [[nodiscard]] static std::variant<StoreAddress, std::string> parse(std::string_view text, std::string_view what);

  // "memory", "lmdb:/var/lib/tlspolicyd/history", "redis://127.0.0.1:6379/0".
  [[nodiscard]] std::string to_string() const;

  // The same store: same kind and, for that kind, the same path or host, port and db.
  [[nodiscard]] bool operator==(const StoreAddress& other) const;
};

}  // namespace tlspolicyd::history
