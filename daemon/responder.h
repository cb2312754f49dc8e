// SPDX-License-Identifier: MIT
// responder: the answer path, one request in, the answer's bytes out.
//
// It holds the configuration snapshot requests are answered with (swapped whole
// on reload), asks the TLS history (when there is one) for a downgrade, evaluates
// the policy, appends the reply for the wire, logs the decision lines and counts
// the answer in the metrics. A rule whose match the regex engine could not answer
// (a Violation with a MatchError) is also logged as a warning, whatever
// log.decisions says, and counted in tlspolicyd_match_errors_total. The daemon's connections and `tlspolicyd query` both
// answer through it, so their answers are the same by construction; query gives
// it no history, no metrics and no log. It runs on the event loop's thread only
// and never blocks: the history is asked from memory (HistoryService), and a
// request whose record is not there yet waits for it (ready()).
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "metrics/metrics.h"
#include "policy/policy.h"
#include "protocol/request.h"

namespace tlspolicyd::daemon {

class HistoryService;

class Responder {
 public:
  // `log`, `metrics` and `history` may be null: no decision lines, no counts, no
  // TLS history. They must outlive the Responder.
  explicit Responder(std::shared_ptr<const config::Config> config, spdlog::logger* log = nullptr,
                     metrics::Metrics* metrics = nullptr, HistoryService* history = nullptr);

  // A reload: the next request is answered with `config`.
  void set_config(std::shared_ptr<const config::Config> config) { config_ = std::move(config); }
  [[nodiscard]] const config::Config& config() const { return *config_; }

  // Whether `request` can be answered now; false: its TLS history is on its way
  // and connection `conn` is resumed when it is here (HistoryService::ready).
  [[nodiscard]] bool ready(const protocol::Request& request, std::uint64_t conn);

  // Answers `request`: appends its reply to `out`, logs and counts the decision,
  // fills `trace` when it is not null. nullopt on an internal error (logged,
  // naming connection `conn` and `peer`): the caller must close without an answer.
  // Without `history` the TLS history is not asked (see Connection::start).
  [[nodiscard]] std::optional<policy::Decision> answer(const protocol::Request& request, std::string& out,
                                                       std::uint64_t conn, std::string_view peer,
                                                       policy::Trace* trace = nullptr, bool history = true);

  // A connection broke the protocol or a limit (for the metrics).
  void protocol_error() {
    if (metrics_ != nullptr) metrics_->protocol_error();
  }

  // The Request every connection parses into (one is answered at a time, and a
  // Request only views the bytes it was parsed from): always the same memory, warm
  // in the cache, and nothing to set up per read.
  [[nodiscard]] protocol::Request& scratch_request() { return scratch_request_; }

 private:
  void log_decision(const policy::Decision& decision, const protocol::Request& request);
  void log_match_errors(const policy::Decision& decision, std::uint64_t conn, std::string_view peer);
  void count(const policy::Decision& decision, const protocol::Request& request, std::chrono::nanoseconds took);

  std::shared_ptr<const config::Config> config_;
  spdlog::logger* log_;
  metrics::Metrics* metrics_;
  HistoryService* history_;
  std::string log_lines_;  // the decision lines of the request being answered
  policy::HeldRules held_;  // the rules whose requirement held (for the metrics), kept between requests
  protocol::Request scratch_request_;
};

}  // namespace tlspolicyd::daemon
