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

}  // namespace

std::string decision_line(const policy::Decision& decision, const protocol::Request& request) {
  KvLine line;
  line.add_raw("action", lower_first_word(decision.action));
  line.add("rule", decision.rule != nullptr ? std::string_view(decision.rule->name) : std::string_view("-"));
  line.add_raw("mode", policy::to_string(decision.mode));
  std::string client(or_dash(request.get(Attr::ClientName)));
  client.push_back('[');
  client.append(request.get(Attr::ClientAddress));
  client.push_back(']');
  line.add("client", client);
  line.add("helo", or_dash(request.get(Attr::HeloName)));
  line.add("sender", "<" + std::string(request.get(Attr::Sender)) + ">");
  line.add("recipient", "<" + std::string(request.get(Attr::Recipient)) + ">");
  line.add("protocol", or_dash(request.get(Attr::EncryptionProtocol)));
  line.add("cipher", or_dash(request.get(Attr::EncryptionCipher)));
  line.add("queue_id", or_dash(request.get(Attr::QueueId)));
  line.add("instance", or_dash(request.get(Attr::Instance)));
  return line.str();
}

}  // namespace tlspolicyd::log
