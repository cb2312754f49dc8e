// SPDX-License-Identifier: MIT
#include "log/decision_log.h"

#include <cctype>

#include "log/kv_line.h"

namespace tlspolicyd::log {
namespace {

using protocol::Attr;

std::string_view or_dash(std::string_view v) { return v.empty() ? std::string_view("-") : v; }

std::string lower_first_word(std::string_view action) {
  std::string word(action.substr(0, action.find(' ')));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

// The request part shared by every line of one decision.
std::string request_fields(const protocol::Request& request) {
  KvLine line(256);
  std::string value;  // for the values built from two attributes
  value.reserve(128);
  value.append(or_dash(request.get(Attr::ClientName))).append("[").append(request.get(Attr::ClientAddress)).append("]");
  line.add("client", value);
  line.add("helo", or_dash(request.get(Attr::HeloName)));
  value.assign("<").append(request.get(Attr::Sender)).append(">");
  line.add("sender", value);
  value.assign("<").append(request.get(Attr::Recipient)).append(">");
  line.add("recipient", value);
  line.add("protocol", or_dash(request.get(Attr::EncryptionProtocol)));
  line.add("cipher", or_dash(request.get(Attr::EncryptionCipher)));
  line.add("queue_id", or_dash(request.get(Attr::QueueId)));
  line.add("instance", or_dash(request.get(Attr::Instance)));
  return std::move(line).str();
}

}  // namespace

std::vector<std::string> decision_lines(const policy::Decision& decision, const protocol::Request& request,
                                        DecisionLog what) {
  std::vector<std::string> lines;
  if (what == DecisionLog::None) return lines;
  const bool dunno = decision.action == "DUNNO";
  if (decision.violations.empty() && dunno && what != DecisionLog::All) return lines;

  const std::string action = lower_first_word(decision.action);
  const std::string tail = request_fields(request);
  auto emit = [&](const policy::Rule* rule, std::string_view reason, std::string_view would) {
    KvLine line(128 + tail.size());
    line.add_raw("action", action);
    line.add("rule", rule != nullptr ? std::string_view(rule->name) : std::string_view("-"));
    line.add_raw("mode", rule != nullptr ? policy::to_string(rule->mode) : std::string_view("-"));
    if (!would.empty()) line.add_raw("would", lower_first_word(would));
    line.add("reason", or_dash(reason));
    line.append_line(tail);
    lines.push_back(std::move(line).str());
  };
  for (const auto& v : decision.violations) {
    emit(v.rule, v.reason, v.rule->mode == policy::Mode::Enforce ? std::string_view() : v.would_answer);
  }
  if (decision.violations.empty()) emit(decision.rule, decision.reason, {});
  return lines;
}

}  // namespace tlspolicyd::log
