// SPDX-License-Identifier: MIT
#include "history/key.h"

#include "util/domain.h"

namespace tlspolicyd::history {
namespace {

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

std::string part(const protocol::Request& r, KeyPart p) {
  switch (p) {
    case KeyPart::Sender: return util::normalize_address(r.get(Attr::Sender));
    case KeyPart::SenderDomain: return util::normalize_domain(r.sender_domain());
    case KeyPart::Recipient: return util::normalize_address(r.get(Attr::Recipient));
    case KeyPart::RecipientDomain: return util::normalize_domain(r.recipient_domain());
    case KeyPart::Client: return client_identity(r);
    case KeyPart::ClientAddress: return r.client_ip() ? net::to_string(*r.client_ip()) : std::string(r.get(Attr::ClientAddress));
    case KeyPart::ClientName: return util::normalize_domain(r.get(Attr::ClientName));
    case KeyPart::HeloName: return util::normalize_domain(r.get(Attr::HeloName));
    case KeyPart::SaslUsername: return std::string(r.get(Attr::SaslUsername));
    case KeyPart::ServerPort: return std::string(r.get(Attr::ServerPort));
    case KeyPart::PolicyContext: return std::string(r.get(Attr::PolicyContext));
  }
  return {};
}

}  // namespace

std::optional<KeyPart> find_key_part(std::string_view name) {
  for (const KeyPartInfo& p : KeyParts) {
    if (p.name == name) return p.part;
  }
  return std::nullopt;
}

std::string key_part_names() {
  std::string out;
  for (const KeyPartInfo& p : KeyParts) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

std::string history_key(const protocol::Request& request, const std::vector<KeyPart>& parts) {
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
