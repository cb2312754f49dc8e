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
  w.pair("helo", {"<", request.get(Attr::HeloName), ">"});
  w.pair("from", {"<", request.get(Attr::Sender), ">"});
  w.pair("to", {"<", request.get(Attr::Recipient), ">"});
  w.pair("protocol", or_dash(request.get(Attr::EncryptionProtocol)));
  w.pair("cipher", or_dash(request.get(Attr::EncryptionCipher)));
  if (const auto method = request.get(Attr::SaslMethod); !method.empty()) w.pair("sasl_method", method);
  if (const auto user = request.get(Attr::SaslUsername); !user.empty()) w.pair("sasl_username", user);
  w.pair("port", or_dash(request.get(Attr::ServerPort)));
  if (const auto context = request.get(Attr::PolicyContext); !context.empty()) w.pair("policy_context", context);
  w.pair("queue_id", or_dash(request.get(Attr::QueueId)));
  w.pair("instance", or_dash(request.get(Attr::Instance)));
}

void write_reason(KvWriter& w, const std::optional<policy::Failure>& reason) {
  if (reason) {
    w.pair("reason", policy::text_parts(*reason));
  } else {
    w.raw_pair("reason", "-");
  }
}

// What enforce mode would answer for a violation: the rule's verb, or for a
// match error the fixed temporary failure (policy.h).
std::string_view would(const policy::Violation& v) {
  if (v.reason && v.reason->unmet == policy::Unmet::MatchError) return policy::MatchErrorVerb;
  return v.rule->action.verb();
}

}  // namespace

std::size_t append_decision_lines(std::string& out, const policy::Decision& decision,
                                  const protocol::Request& request, DecisionLog what) {
  if (what == DecisionLog::None) return 0;
  KvWriter w(out);
  std::size_t lines = 0;
  for (const auto& v : decision.violations) {
    if (v.rule == decision.rule || v.rule->mode == policy::Mode::Enforce) continue;  // the answer line's
    w.word(v.rule->mode == policy::Mode::Warn ? "warn:" : "observe:");
    w.pair("rule", v.rule->name);
    w.lower_pair("would", would(v));
    write_reason(w, v.reason);
    write_request_fields(w, request);
    w.newline();
    ++lines;
  }
  const bool logged = what == DecisionLog::All || decision.answer.kind != policy::ActionKind::Dunno ||
                      decision.reason.has_value();
  if (!logged) return lines;
  const policy::Rule* rule = decision.rule;
  w.lower_pair("action", decision.answer.verb);
  w.pair("rule", rule != nullptr ? std::string_view(rule->name) : policy::DefaultRuleName);
  w.raw_pair("mode", rule != nullptr ? policy::to_string(decision.mode) : std::string_view("-"));
  if (rule != nullptr && decision.mode == policy::Mode::Warn) {
    w.lower_pair("would", would(policy::Violation{rule, decision.reason}));
  }
  write_reason(w, decision.reason);
  write_request_fields(w, request);
  w.newline();
  return lines + 1;
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
