// SPDX-License-Identifier: MIT
#include "log/decision_log.h"

#include "log/kv_line.h"

namespace tlspolicyd::log {
namespace {

using protocol::Attr;

std::string_view or_dash(std::string_view v) { return v.empty() ? std::string_view("-") : v; }

// The request part of a line, the same on every line of one decision.
void write_request_fields(KvWriter& w, const protocol::Request& request) {
  w.pair("client", {or_dash(request.get(Attr::ClientName)), "[", request.get(Attr::ClientAddress), "]"});
  w.pair("helo", or_dash(request.get(Attr::HeloName)));
  w.pair("sender", {"<", request.get(Attr::Sender), ">"});
  w.pair("recipient", {"<", request.get(Attr::Recipient), ">"});
  w.pair("protocol", or_dash(request.get(Attr::EncryptionProtocol)));
  w.pair("cipher", or_dash(request.get(Attr::EncryptionCipher)));
  w.pair("queue_id", or_dash(request.get(Attr::QueueId)));
  w.pair("instance", or_dash(request.get(Attr::Instance)));
}

}  // namespace

std::size_t append_decision_lines(std::string& out, const policy::Decision& decision,
                                  const protocol::Request& request, DecisionLog what) {
  if (what == DecisionLog::None) return 0;
  if (decision.violations.empty() && decision.answer.kind == policy::ActionKind::Dunno && what != DecisionLog::All) {
    return 0;
  }

  KvWriter w(out);
  std::size_t lines = 0;
  auto emit = [&](const policy::Rule* rule, const std::optional<policy::Failure>& reason, std::string_view would) {
    w.lower_pair("action", decision.answer.verb);
    w.pair("rule", rule != nullptr ? std::string_view(rule->name) : std::string_view("-"));
    w.raw_pair("mode", rule != nullptr ? policy::to_string(rule->mode) : std::string_view("-"));
    if (!would.empty()) w.lower_pair("would", would);
    if (reason) {
      w.pair("reason", policy::text_parts(*reason));
    } else {
      w.raw_pair("reason", "-");
    }
    write_request_fields(w, request);
    w.newline();
    ++lines;
  };
  for (const auto& v : decision.violations) {
    emit(v.rule, v.reason, v.rule->mode == policy::Mode::Enforce ? std::string_view() : v.rule->action.verb());
  }
  if (decision.violations.empty()) emit(decision.rule, decision.reason, {});
  return lines;
}

std::vector<std::string> decision_lines(const policy::Decision& decision, const protocol::Request& request,
                                        DecisionLog what) {
  std::string text;
  append_decision_lines(text, decision, request, what);
  std::vector<std::string> lines;
  for (std::size_t from = 0, lf; (lf = text.find('\n', from)) != std::string::npos; from = lf + 1) {
    lines.push_back(text.substr(from, lf - from));
  }
  return lines;
}

}  // namespace tlspolicyd::log
