// SPDX-License-Identifier: MIT
// metrics: the daemon's counters, rendered in Prometheus' text format.
//
// Everything a postmaster graphs before and while raising a floor: requests and
// answers by action, rule and mode; rules that applied, by whether their
// requirement held; violations; match errors (a /regex/ the
// engine gave up on) by rule; the TLS protocols and ciphers
// clients negotiated; downgrades; connections; request latency; reloads and the
// configuration generation; history store errors, waits, cache and automatic
// rebaselines; the version built, when the configuration was last applied, and
// log lines the sink dropped.
// Label values come from a bounded vocabulary (rule names, known
// cipher names, protocol names), so a hostile client cannot grow the page: an
// unknown cipher is counted as "other".
// Single-threaded, like the event loop that updates it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tlspolicyd::metrics {

class Metrics {
 public:
  static constexpr std::array<double, 12> LatencyBuckets = {0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005,
                                                            0.001,   0.002,   0.005,   0.01,   0.05,   0.25};

  // One answered request: the answer's first word in lower case, the deciding
  // rule (policy::DefaultRuleName for the default action, mode "-"), its mode, and how long it took.
  void answered(std::string_view action, std::string_view rule, std::string_view mode,
                std::chrono::nanoseconds took);
  // An unmet requirement: the rule, its mode, and which key failed
  // (policy::to_string(RequirementKey): tls, min_protocol, ..., downgrade, match).
  void violation(std::string_view rule, std::string_view mode, std::string_view requirement);
  // A rule that applied to a request: its requirement held, was violated, or it
  // has none (applied).
  enum class RuleResult : std::uint8_t { Held, Violated, Applied };
  void rule_matched(std::string_view rule, std::string_view mode, RuleResult result);
  // Log lines a sink ("syslog", "stderr") dropped since start (read at each scrape).
  void set_log_dropped(std::function<std::pair<std::string_view, std::uint64_t>()> dropped) {
    log_dropped_ = std::move(dropped);
  }
  // A rule whose match the regex engine could not answer (counted as failed too).
  void match_error(std::string_view rule);
  // The negotiated protocol ("none" for plaintext) and cipher ("" for none).
  void negotiated(std::string_view protocol, std::string_view cipher);
  void downgrade() { ++downgrades_; }
  // A key rebaselined by downgrade.rebaseline_after.
  void history_rebaselined() { ++history_rebaselined_; }
  void connection_opened() { ++connections_total_; ++connections_open_; }
  void connection_closed() { --connections_open_; }
  void connection_refused() { ++connections_refused_; }
  void protocol_error() { ++protocol_errors_; }
  // A reload at Unix time `now`: applied (ok), or refused (the old configuration stays).
  void reloaded(bool ok, std::uint64_t generation, std::int64_t now);
  // The version built (tlspolicyd_build_info) and when the first configuration was loaded.
  void started(std::string version, std::int64_t now);
  void store_error() { ++store_errors_; }
  // A request that waited for its key's record from the store: it came, or the
  // wait passed downgrade.lookup_timeout (answered without history).
  void history_waited(bool timed_out, std::uint64_t requests = 1) {
    (timed_out ? history_waits_timed_out_ : history_waits_arrived_) += requests;
  }
  void store_up(bool up) { store_up_ = up ? 1 : 0; }
  // The TLS history cache's segments (history/tracker.h): keys cached now, and
  // keys that left it so far (the tracker counts; this copies).
  struct CacheSegment {
    std::uint64_t entries = 0;
    std::uint64_t evictions = 0;
  };
  void history_cache(CacheSegment probation, CacheSegment guarded) {
    cache_probation_ = probation;
    cache_protected_ = guarded;
  }

  // Which cipher names are label values (the rest count as "other").
  void set_known_cipher(std::function<bool(std::string_view)> known) { known_cipher_ = std::move(known); }

  // The Prometheus text exposition (version 0.0.4).
  [[nodiscard]] std::string render() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Counters = std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>>;
  // Adds 1 under a label set written "name=\"value\",..." (built in scratch_).
  void bump(Counters& counters);

  Counters answers_;     // action, rule, mode
  Counters violations_;  // rule, mode, requirement
  Counters rule_matches_;  // rule, mode, result
  Counters match_errors_;  // rule
  Counters protocols_;   // protocol
  Counters ciphers_;     // cipher
  std::array<std::uint64_t, LatencyBuckets.size()> latency_buckets_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t downgrades_ = 0;
  std::uint64_t history_rebaselined_ = 0;
  std::uint64_t connections_total_ = 0;
  std::int64_t connections_open_ = 0;
  std::uint64_t connections_refused_ = 0;
  std::uint64_t protocol_errors_ = 0;
  std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::uint64_t generation_ = 1;
  std::string version_;
  std::int64_t last_load_ok_ = 0;  // when a configuration was last applied
  bool last_reload_ok_ = true;
  std::uint64_t store_errors_ = 0;
  std::uint64_t history_waits_arrived_ = 0, history_waits_timed_out_ = 0;
  CacheSegment cache_probation_, cache_protected_;
  int store_up_ = -1;  // -1: no store
  std::function<bool(std::string_view)> known_cipher_;
  std::function<std::pair<std::string_view, std::uint64_t>()> log_dropped_;
  std::string scratch_;
};

}  // namespace tlspolicyd::metrics
