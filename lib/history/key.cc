// SPDX-License-Identifier: MIT
#include "history/key.h"

#include "util/text.h"

namespace tlspolicyd::history {
namespace {

using config::HistoryKeyPart;
using protocol::Attr;

std::string client_identity(const protocol::Request& r) {
  std::string_view name = r.get(Attr::ClientName);
  if (!name.empty() && name != "unknown") return util::normalize_domain(name);
  const auto& ip = r.client_ip();
  if (!ip) return std::string(r.get(Attr::ClientAddress));
  if (!ip->v6) return net::to_string(*ip);
  net::IpAddress prefix = *ip;
  for (std::size_t i = 8; i < 16; ++i) prefix.bytes[i] = 0;
  return net::to_string(prefix) + "/64";
}

std::string part(const protocol::Request& r, HistoryKeyPart p) {
  switch (p) {
    case HistoryKeyPart::Sender: return util::lower(r.get(Attr::Sender));
    case HistoryKeyPart::SenderDomain: return util::normalize_domain(r.sender_domain());
    case HistoryKeyPart::Recipient: return util::lower(r.get(Attr::Recipient));
    case HistoryKeyPart::RecipientDomain: return util::normalize_domain(r.recipient_domain());
    case HistoryKeyPart::Client: return client_identity(r);
    case HistoryKeyPart::ClientAddress: return r.client_ip() ? net::to_string(*r.client_ip()) : std::string(r.get(Attr::ClientAddress));
    case HistoryKeyPart::ClientName: return util::normalize_domain(r.get(Attr::ClientName));
    case HistoryKeyPart::HeloName: return util::normalize_domain(r.get(Attr::HeloName));
    case HistoryKeyPart::SaslUsername: return std::string(r.get(Attr::SaslUsername));
    case HistoryKeyPart::ServerPort: return std::string(r.get(Attr::ServerPort));
    case HistoryKeyPart::PolicyContext: return std::string(r.get(Attr::PolicyContext));
  }
  return {};
}

}  // namespace

std::string history_key(const protocol::Request& request, const std::vector<HistoryKeyPart>& parts) {
  std::string key;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) key.push_back('|');
    for (char c : part(request, parts[i])) {
      if (c == '|' || c == '\\') key.push_back('\\');
      key.push_back(c);
    }
  }
  return key;
}

}  // namespace tlspolicyd::history
