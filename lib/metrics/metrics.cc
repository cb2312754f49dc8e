// SPDX-License-Identifier: MIT
#include "metrics/metrics.h"

#include <algorithm>
#include <map>

namespace tlspolicyd::metrics {
namespace {

// A label value, escaped as the exposition format wants.
void append_label(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out.push_back(',');
  out.append(name);
  out.append("=\"");
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  char buf[64];
  if (value == static_cast<double>(static_cast<std::int64_t>(value))) {
    std::snprintf(buf, sizeof buf, " %lld\n", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, " %.9g\n", value);
  }
  out.append(buf);
}

// Counters in a stable order.
void samples(std::string& out, std::string_view name, const auto& counters) {
  std::map<std::string_view, std::uint64_t> sorted(counters.begin(), counters.end());
  for (const auto& [labels, value] : sorted) sample(out, name, labels, static_cast<double>(value));
}

}  // namespace

void Metrics::bump(Counters& counters) {
  auto it = counters.find(std::string_view(scratch_));
  if (it == counters.end()) it = counters.emplace(scratch_, 0).first;
  ++it->second;
}

void Metrics::answered(std::string_view action, std::string_view rule, std::string_view mode,
                       std::chrono::nanoseconds took) {
  ++requests_;
  scratch_.clear();
  append_label(scratch_, "action", action);
  append_label(scratch_, "rule", rule);
  append_label(scratch_, "mode", mode);
  bump(answers_);
  const double seconds = std::chrono::duration<double>(took).count();
  ++latency_count_;
  latency_sum_ += seconds;
  for (std::size_t i = 0; i < LatencyBuckets.size(); ++i) {
    if (seconds <= LatencyBuckets[i]) ++latency_buckets_[i];
  }
}

void Metrics::violation(std::string_view rule, std::string_view mode, std::string_view requirement) {
  scratch_.clear();
  append_label(scratch_, "rule", rule);
  append_label(scratch_, "mode", mode);
  append_label(scratch_, "requirement", requirement);
  bump(violations_);
}

void Metrics::rule_matched(std::string_view rule, std::string_view mode, RuleResult result) {
  static constexpr std::array<std::string_view, 3> Names = {"held", "violated", "applied"};
  scratch_.clear();
  append_label(scratch_, "rule", rule);
  append_label(scratch_, "mode", mode);
  append_label(scratch_, "result", Names[static_cast<std::size_t>(result)]);
  bump(rule_matches_);
}

void Metrics::match_error(std::string_view rule) {
  scratch_.clear();
  append_label(scratch_, "rule", rule);
  bump(match_errors_);
}

void Metrics::negotiated(std::string_view protocol, std::string_view cipher) {
  scratch_.clear();
  append_label(scratch_, "protocol", protocol);
  bump(protocols_);
  if (cipher.empty()) return;
  scratch_.clear();
  append_label(scratch_, "cipher", known_cipher_ && known_cipher_(cipher) ? cipher : std::string_view("other"));
  bump(ciphers_);
}

void Metrics::reloaded(bool ok, std::uint64_t generation, std::int64_t now) {
  ++(ok ? reloads_ok_ : reloads_failed_);
  generation_ = generation;
  last_reload_ok_ = ok;
  if (ok) last_load_ok_ = now;
}

void Metrics::started(std::string version, std::int64_t now) {
  version_ = std::move(version);
  last_load_ok_ = now;
}

std::string Metrics::render() const {
  std::string out;
  family(out, "tlspolicyd_requests_total", "counter", "Policy requests answered.");
  sample(out, "tlspolicyd_requests_total", "", static_cast<double>(requests_));
  family(out, "tlspolicyd_answers_total", "counter",
         "Answers by action, deciding rule (default: the default action) and mode.");
  samples(out, "tlspolicyd_answers_total", answers_);
  family(out, "tlspolicyd_rule_matches_total", "counter",
         "Requests a rule applied to, by rule, mode and result: its requirement held, was violated, or it has none "
         "(applied).");
  samples(out, "tlspolicyd_rule_matches_total", rule_matches_);
  family(out, "tlspolicyd_violations_total", "counter",
         "Unmet requirements, by rule, mode and the requirement key that failed.");
  samples(out, "tlspolicyd_violations_total", violations_);
  family(out, "tlspolicyd_match_errors_total", "counter",
         "Rules whose match the regex engine could not answer (failed closed), by rule.");
  samples(out, "tlspolicyd_match_errors_total", match_errors_);
  family(out, "tlspolicyd_tls_protocol_requests_total", "counter",
         "Requests by the TLS protocol the client negotiated (none: plaintext).");
  samples(out, "tlspolicyd_tls_protocol_requests_total", protocols_);
  family(out, "tlspolicyd_tls_cipher_requests_total", "counter", "Requests by the cipher the client negotiated.");
  samples(out, "tlspolicyd_tls_cipher_requests_total", ciphers_);
  if (store_up_ >= 0) {
    family(out, "tlspolicyd_history_waits_total", "counter",
           "Requests that waited for their key's record from the history store, by how the wait ended.");
    sample(out, "tlspolicyd_history_waits_total", "result=\"arrived\"", static_cast<double>(history_waits_arrived_));
    sample(out, "tlspolicyd_history_waits_total", "result=\"timed_out\"",
           static_cast<double>(history_waits_timed_out_));
    family(out, "tlspolicyd_history_cache_entries", "gauge",
           "Keys in the TLS history cache, by segment: protected (TLS in the store, or seen in 2 transactions), "
           "probation (the rest).");
    sample(out, "tlspolicyd_history_cache_entries", "segment=\"probation\"",
           static_cast<double>(cache_probation_.entries));
    sample(out, "tlspolicyd_history_cache_entries", "segment=\"protected\"",
           static_cast<double>(cache_protected_.entries));
    family(out, "tlspolicyd_history_cache_evictions_total", "counter",
           "Keys that left the TLS history cache (fetched again when they come back), by the segment they had "
           "earned.");
    sample(out, "tlspolicyd_history_cache_evictions_total", "segment=\"probation\"",
           static_cast<double>(cache_probation_.evictions));
    sample(out, "tlspolicyd_history_cache_evictions_total", "segment=\"protected\"",
           static_cast<double>(cache_protected_.evictions));
  }
  family(out, "tlspolicyd_downgrades_total", "counter", "TLS downgrades detected (per transaction).");
  sample(out, "tlspolicyd_downgrades_total", "", static_cast<double>(downgrades_));
  family(out, "tlspolicyd_history_rebaselined_total", "counter",
         "Keys rebaselined because every transaction was a downgrade for downgrade.rebaseline_after.");
  sample(out, "tlspolicyd_history_rebaselined_total", "", static_cast<double>(history_rebaselined_));
  family(out, "tlspolicyd_connections_total", "counter", "Connections accepted.");
  sample(out, "tlspolicyd_connections_total", "", static_cast<double>(connections_total_));
  family(out, "tlspolicyd_connections_open", "gauge", "Connections open now.");
  sample(out, "tlspolicyd_connections_open", "", static_cast<double>(connections_open_));
  family(out, "tlspolicyd_connections_refused_total", "counter", "Connections over limits.connections, closed at once.");
  sample(out, "tlspolicyd_connections_refused_total", "", static_cast<double>(connections_refused_));
  family(out, "tlspolicyd_protocol_errors_total", "counter", "Connections closed for breaking the protocol or a limit.");
  sample(out, "tlspolicyd_protocol_errors_total", "", static_cast<double>(protocol_errors_));
  family(out, "tlspolicyd_request_duration_seconds", "histogram", "Time from a complete request to its answer.");
  for (std::size_t i = 0; i < LatencyBuckets.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "le=\"%g\"", LatencyBuckets[i]);
    sample(out, "tlspolicyd_request_duration_seconds_bucket", le, static_cast<double>(latency_buckets_[i]));
  }
  sample(out, "tlspolicyd_request_duration_seconds_bucket", "le=\"+Inf\"", static_cast<double>(latency_count_));
  sample(out, "tlspolicyd_request_duration_seconds_sum", "", latency_sum_);
  sample(out, "tlspolicyd_request_duration_seconds_count", "", static_cast<double>(latency_count_));
  family(out, "tlspolicyd_reloads_total", "counter", "Configuration reloads, by result.");
  sample(out, "tlspolicyd_reloads_total", "result=\"ok\"", static_cast<double>(reloads_ok_));
  sample(out, "tlspolicyd_reloads_total", "result=\"failed\"", static_cast<double>(reloads_failed_));
  family(out, "tlspolicyd_config_generation", "gauge", "The configuration generation in use (1 at start).");
  sample(out, "tlspolicyd_config_generation", "", static_cast<double>(generation_));
  family(out, "tlspolicyd_config_last_reload_successful", "gauge",
         "1 when the last reload applied its configuration (or none was tried), 0 when it was refused.");
  sample(out, "tlspolicyd_config_last_reload_successful", "", last_reload_ok_ ? 1 : 0);
  family(out, "tlspolicyd_config_last_reload_success_timestamp_seconds", "gauge",
         "When a configuration was last applied (at start, or by a reload), in Unix seconds.");
  sample(out, "tlspolicyd_config_last_reload_success_timestamp_seconds", "", static_cast<double>(last_load_ok_));
  if (!version_.empty()) {
    family(out, "tlspolicyd_build_info", "gauge", "Always 1; the version of tlspolicyd that runs.");
    std::string label;
    append_label(label, "version", version_);
    sample(out, "tlspolicyd_build_info", label, 1);
  }
  if (log_dropped_) {
    const auto [sink, lines] = log_dropped_();
    family(out, "tlspolicyd_log_lines_dropped_total", "counter",
           "Log lines the sink dropped because the system log or stderr's reader could not take them.");
    std::string label;
    append_label(label, "sink", sink);
    sample(out, "tlspolicyd_log_lines_dropped_total", label, static_cast<double>(lines));
  }
  family(out, "tlspolicyd_history_store_errors_total", "counter", "Times the TLS history store became unavailable.");
  sample(out, "tlspolicyd_history_store_errors_total", "", static_cast<double>(store_errors_));
  if (store_up_ >= 0) {
    family(out, "tlspolicyd_history_store_up", "gauge", "1 when the TLS history store answers.");
    sample(out, "tlspolicyd_history_store_up", "", store_up_);
  }
  return out;
}

}  // namespace tlspolicyd::metrics
