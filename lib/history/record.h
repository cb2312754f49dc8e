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
//
// The baseline (history rebaseline, downgrade.rebaseline_after) is an epoch: the
// time it was set (0: never), and with it the fields judged against it: the best
// protocol, the TLS transactions since, the last transaction at the best level
// and the first downgrade after that one. A writer's delta carries the epoch its
// view had when it counted. Combining, the newer epoch wins these fields whole
// (an older epoch's are dropped: they were counted before the rebaseline, or by a
// host that had not heard of it yet, which then counts too little, never too
// much); the same epoch adds and takes maxima as above. The lifetime fields
// (counts, times, downgrades, last) are never reset. Limit: of two writers'
// downgrade clocks only the one after the later at-best transaction survives,
// so a lost one restarts at the next downgrade (later, never earlier).
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

// How long a weak record (Record::weak) is kept after it was last seen, at most.
inline constexpr std::int64_t WeakRetentionSeconds = 30 * 86400;
// A record seen over less than this (first to last seen) is weak.
inline constexpr std::int64_t WeakSpanSeconds = 86400;

struct Record {
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  std::array<std::uint64_t, ProtocolSlots> counts{};  // transactions per slot
  std::uint8_t best = 0;  // slot of the best TLS version seen; 0 = none
  std::uint8_t last = 0;  // slot of the last transaction's protocol
  std::uint64_t downgrades = 0;
  std::int64_t baseline = 0;         // when the baseline was set; 0: never
  std::uint64_t baseline_tls = 0;    // TLS transactions counted in this baseline
  std::int64_t at_best_last = 0;     // the last transaction at the best level (the counter's judgement)
  std::int64_t below_since = 0;      // the first downgrade after at_best_last; 0: none since

  [[nodiscard]] std::uint64_t plaintext() const { return counts[0]; }
  [[nodiscard]] std::uint64_t tls() const;  // every TLS transaction, unknown spellings included
  [[nodiscard]] std::uint64_t total() const { return plaintext() + tls(); }
  [[nodiscard]] bool empty() const { return total() == 0; }
  // Little evidence: never TLS, or seen within one day only (what invented
  // sender domains leave: a client can make a key's transactions in one
  // session, not on two days). Such records expire sooner (WeakRetention) and
  // are evicted first.
  [[nodiscard]] bool weak() const { return tls() == 0 || last_seen - first_seen < WeakSpanSeconds; }
  // Transactions that a floor of `floor` would have refused (plaintext included).
  [[nodiscard]] std::uint64_t below(tls::TlsVersion floor) const;
  [[nodiscard]] std::optional<tls::TlsVersion> best_version() const;
  [[nodiscard]] tls::TlsVersion last_version() const { return version_of_slot(last); }
  // TLS transactions that count towards min_observations: since the baseline, or
  // all of them when there never was one (records written before baselines existed).
  [[nodiscard]] std::uint64_t tls_since_baseline() const { return baseline == 0 ? tls() : baseline_tls; }

  // Counts one transaction with protocol `v` at time `now` (in this baseline);
  // it is the last protocol unless the record has seen a later transaction.
  void add(tls::TlsVersion v, std::int64_t now);
  // A transaction at the best level (the end of any downgrade streak), or a
  // downgrade (the streak's start, unless one is running), at `now`.
  void mark_at_best(std::int64_t now);
  void mark_below(std::int64_t now);
  // Starts baseline `epoch` with best slot `best`; its other fields start at zero.
  void start_baseline(std::int64_t epoch, std::uint8_t best_slot);
  // The next baseline of this record at `now`: strictly newer than its own, with
  // the last protocol seen as the best (none after plaintext).
  void rebaseline(std::int64_t now);
  bool operator==(const Record&) const = default;
};

// `base` plus `delta` (see above): counts and downgrades add; last_seen by
// maximum; first_seen by minimum (0 = unset); `last` from the record seen later
// (from `delta` on a tie); the baseline's fields from the newer baseline, or, in
// the same one, baseline_tls adds, best and at_best_last by maximum, below_since
// the earliest that is still after at_best_last.
[[nodiscard]] Record combine(const Record& base, const Record& delta);

// A fixed little-endian binary form for stores that keep bytes (LMDB): format 2;
// decode also reads format 1 (no baseline fields: they read as zero).
[[nodiscard]] std::string encode(const Record& r);
[[nodiscard]] std::optional<Record> decode(std::string_view bytes);

}  // namespace tlspolicyd::history
