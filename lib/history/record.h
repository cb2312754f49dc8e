// SPDX-License-Identifier: MIT
// record: what the TLS history keeps per peer key, and how records combine.
//
// A record counts transactions per protocol (plaintext, each TLS version, unknown
// spellings), remembers the best and the last protocol and the first and last
// time seen, and how many downgrades were found. A record is also a delta: what
// one writer counted since its last write. Records combine by ADDING counts and
// downgrades (best protocol and last seen by maximum, first seen by minimum, the
// last protocol from the newer), so the deltas of several writers (MX hosts
// sharing one store) add up exactly, and no writer can erase another's evidence
// of TLS. Adding the same delta twice counts it twice: stores keep writes
// idempotent by batch id (store.h). Times are Unix seconds; 0 is unset.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tls/tls_version.h"

namespace tlspolicyd::history {

// Protocol slots of a record: 0 plaintext, 1 unknown, 2..7 SSLv2..TLSv1.3.
inline constexpr std::size_t ProtocolSlots = 8;
[[nodiscard]] std::size_t slot_of(tls::TlsVersion v);
[[nodiscard]] tls::TlsVersion version_of_slot(std::size_t slot);

struct Record {
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  std::array<std::uint64_t, ProtocolSlots> counts{};  // transactions per slot
  std::uint8_t best = 0;  // slot of the best TLS version seen; 0 = none
  std::uint8_t last = 0;  // slot of the last transaction's protocol
  std::uint64_t downgrades = 0;

  [[nodiscard]] std::uint64_t plaintext() const { return counts[0]; }
  [[nodiscard]] std::uint64_t tls() const;  // every TLS transaction, unknown spellings included
  [[nodiscard]] std::uint64_t total() const { return plaintext() + tls(); }
  [[nodiscard]] bool empty() const { return total() == 0; }
  // Transactions that a floor of `floor` would have refused (plaintext included).
  [[nodiscard]] std::uint64_t below(tls::TlsVersion floor) const;
  [[nodiscard]] std::optional<tls::TlsVersion> best_version() const;
  [[nodiscard]] tls::TlsVersion last_version() const { return version_of_slot(last); }

  // Counts one transaction with protocol `v` at time `now`.
  void add(tls::TlsVersion v, std::int64_t now);
  bool operator==(const Record&) const = default;
};

// `base` plus `delta` (see above): counts and downgrades add; best and last_seen
// by maximum; first_seen by minimum (0 = unset); `last` from the record seen
// later (from `delta` on a tie).
[[nodiscard]] Record combine(const Record& base, const Record& delta);

// A fixed little-endian binary form for stores that keep bytes (LMDB).
[[nodiscard]] std::string encode(const Record& r);
[[nodiscard]] std::optional<Record> decode(std::string_view bytes);

}  // namespace tlspolicyd::history
