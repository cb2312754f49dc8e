// SPDX-License-Identifier: MIT
#include "responder.h"

#include "history_service.h"
#include "log/decision_log.h"
#include "log/kv_line.h"
#include "protocol/reply.h"
#include "util/text.h"

namespace tlspolicyd::daemon {

Responder::Responder(std::shared_ptr<const config::Config> config, spdlog::logger* log, metrics::Metrics* metrics,
                     HistoryService* history)
    : config_(std::move(config)), log_(log), metrics_(metrics), history_(history) {}

bool Responder::ready(const protocol::Request& request, std::uint64_t conn) {
  return history_ == nullptr || !config_->downgrade || history_->ready(request, *config_->downgrade, conn);
}

std::optional<policy::Decision> Responder::answer(const protocol::Request& request, std::string& out,
                                                  std::uint64_t conn, std::string_view peer, policy::Trace* trace,
                                                  bool history) {
  const auto started = metrics_ != nullptr ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  std::optional<policy::Failure> downgrade;
  if (history && history_ != nullptr && config_->downgrade) downgrade = history_->observe(request, *config_->downgrade);
  policy::Decision decision = config_->policy.evaluate(request, trace, downgrade ? &*downgrade : nullptr,
                                                       metrics_ != nullptr ? &held_ : nullptr);
  if (!protocol::append_reply(out, decision.answer.verb, decision.answer.text)) {
    if (log_ != nullptr) {
      std::string shown;
      log::append_escaped(shown, policy::to_string(decision.answer));
      log_->error("conn={} peer={}: internal error: answer {} is not valid on the wire; closing without an answer",
                  conn, peer, shown);
    }
    return std::nullopt;
  }
  if (log_ != nullptr) {
    log_match_errors(decision, conn, peer);
    log_decision(decision, request);
  }
  if (metrics_ != nullptr) count(decision, request, std::chrono::steady_clock::now() - started);
  return decision;
}

void Responder::log_decision(const policy::Decision& decision, const protocol::Request& request) {
  log_lines_.clear();  // keeps its capacity: no allocation per decision
  if (log::append_decision_lines(log_lines_, decision, request, config_->log.decisions) == 0) return;
  std::string_view lines = log_lines_;
  for (std::size_t lf; (lf = lines.find('\n')) != std::string_view::npos; lines.remove_prefix(lf + 1)) {
    log_->info(lines.substr(0, lf));  // a finished line: no formatting
  }
}

void Responder::log_match_errors(const policy::Decision& decision, std::uint64_t conn, std::string_view peer) {
  for (const auto& v : decision.violations) {
    if (!v.reason || v.reason->unmet != policy::Unmet::MatchError) continue;
    std::string shown;
    log::append_escaped(shown, v.reason->seen);
    log_->warn("conn={} peer={}: rule {}: {}; the rule counts as failed", conn, peer, v.rule->name, shown);
  }
}

void Responder::count(const policy::Decision& decision, const protocol::Request& request,
                      std::chrono::nanoseconds took) {
  // A verb is at most 15 bytes ("DEFER_IF_PERMIT"): its lower-case copy fits std::string's own buffer.
  const bool ruled = decision.rule != nullptr;
  metrics_->answered(util::lower(decision.answer.verb),
                     ruled ? std::string_view(decision.rule->name) : policy::DefaultRuleName,
                     ruled ? policy::to_string(decision.mode) : "-", took);
  using Result = metrics::Metrics::RuleResult;
  for (const policy::Rule* rule : held_) {
    metrics_->rule_matched(rule->name, policy::to_string(rule->mode), Result::Held);
  }
  for (const auto& v : decision.violations) {
    const std::string_view mode = policy::to_string(v.rule->mode);
    metrics_->rule_matched(v.rule->name, mode, v.reason ? Result::Violated : Result::Applied);
    if (v.reason) metrics_->violation(v.rule->name, mode, policy::to_string(v.reason->key));
    if (v.reason && v.reason->unmet == policy::Unmet::MatchError) metrics_->match_error(v.rule->name);
  }
  // An enforce rule without requirement that answered is not a violation.
  if (ruled && !decision.reason && decision.mode == policy::Mode::Enforce && !decision.rule->require) {
    metrics_->rule_matched(decision.rule->name, policy::to_string(decision.mode), Result::Applied);
  }
  metrics_->negotiated(tls::to_string(request.tls_version()), request.get(protocol::Attr::EncryptionCipher));
}

}  // namespace tlspolicyd::daemon
