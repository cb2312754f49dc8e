// SPDX-License-Identifier: MIT
#include "log/decision_log.h"

#include <cctype>

#include "log/kv_line.h"

namespace tlspolicyd::log {
namespace {

using protocol::Attr;

std::string_view or_dash(std::string_view v) { return v.empty() ? std::string_view("-") : v; }

// key=WORD: the first word of an answer, lower case ("reject", "530", "dunno").
void append_word_pair(std::string& out, std::string_view key, std::string_view answer) {
  append_raw_pair(out, key, {});
  for (char c : answer.substr(0, answer.find(' '))) {
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
}

// The request part of a line, the same on every line of one decision.
void append_request_fields(std::string& out, const protocol::Request& request) {
  append_pair(out, "client", {or_dash(request.get(Attr::ClientName)), "[", request.get(Attr::ClientAddress), "]"});
  append_pair(out, "helo", or_dash(request.get(Attr::HeloName)));
  append_pair(out, "sender", {"<", request.get(Attr::Sender), ">"});
  append_pair(out, "recipient", {"<", request.get(Attr::Recipient), ">"});
  append_pair(out, "protocol", or_dash(request.get(Attr::EncryptionProtocol)));
  append_pair(out, "cipher", or_dash(request.get(Attr::EncryptionCipher)));
  append_pair(out, "queue_id", or_dash(request.get(Attr::QueueId)));
  append_pair(out, "instance", or_dash(request.get(Attr::Instance)));
}

}  // namespace

std::size_t append_decision_lines(std::string& out, const policy::Decision& decision,
                                  const protocol::Request& request, DecisionLog what) {
  if (what == DecisionLog::None) return 0;
  if (decision.violations.empty() && decision.action == "DUNNO" && what != DecisionLog::All) return 0;

  std::size_t lines = 0;
  auto emit = [&](const policy::Rule* rule, std::string_view reason, std::string_view would) {
    append_word_pair(out, "action", decision.action);
    append_pair(out, "rule", rule != nullptr ? std::string_view(rule->name) : std::string_view("-"));
    append_raw_pair(out, "mode", rule != nullptr ? policy::to_string(rule->mode) : std::string_view("-"));
    if (!would.empty()) append_word_pair(out, "would", would);
    append_pair(out, "reason", or_dash(reason));
    append_request_fields(out, request);
    out.push_back('\n');
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
