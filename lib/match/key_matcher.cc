// SPDX-License-Identifier: MIT
#include "match/key_matcher.h"

#include <array>

namespace tlspolicyd::match {
namespace {

using protocol::Attr;
using protocol::Request;

struct FieldInfo {
  std::string_view name;
  Field field;
  SetKind kind;
};

constexpr std::array<FieldInfo, 21> Fields = {{
    {"sender", Field::Sender, SetKind::Address},
    {"recipient", Field::Recipient, SetKind::Address},
    {"sender_domain", Field::SenderDomain, SetKind::Domain},
    {"recipient_domain", Field::RecipientDomain, SetKind::Domain},
    {"client_address", Field::ClientAddress, SetKind::Network},
    {"server_address", Field::ServerAddress, SetKind::Network},
    {"client_name", Field::ClientName, SetKind::Domain},
    {"reverse_client_name", Field::ReverseClientName, SetKind::Domain},
    {"helo_name", Field::HeloName, SetKind::Domain},
    {"sasl", Field::Sasl, SetKind::Bool},
    {"sasl_username", Field::SaslUsername, SetKind::Text},
    {"sasl_method", Field::SaslMethod, SetKind::TextCaseless},
    {"tls", Field::Tls, SetKind::Bool},
    {"encryption_protocol", Field::EncryptionProtocol, SetKind::Protocol},
    {"encryption_cipher", Field::EncryptionCipher, SetKind::Text},
    {"server_port", Field::ServerPort, SetKind::Port},
    {"protocol_state", Field::ProtocolState, SetKind::Text},
    {"policy_context", Field::PolicyContext, SetKind::Text},
    {"ccert_subject", Field::CcertSubject, SetKind::Text},
    {"ccert_fingerprint", Field::CcertFingerprint, SetKind::Fingerprint},
    {"ccert_pubkey_fingerprint", Field::CcertPubkeyFingerprint, SetKind::Fingerprint},
}};

const FieldInfo& info(Field f) { return Fields[static_cast<std::size_t>(f)]; }

Attr attr_of(Field f) {
  switch (f) {
    case Field::Sender: return Attr::Sender;
    case Field::Recipient: return Attr::Recipient;
    case Field::ClientName: return Attr::ClientName;
    case Field::ReverseClientName: return Attr::ReverseClientName;
    case Field::HeloName: return Attr::HeloName;
    case Field::SaslUsername: return Attr::SaslUsername;
    case Field::SaslMethod: return Attr::SaslMethod;
    case Field::EncryptionCipher: return Attr::EncryptionCipher;
    case Field::ProtocolState: return Attr::ProtocolState;
    case Field::PolicyContext: return Attr::PolicyContext;
    case Field::CcertSubject: return Attr::CcertSubject;
    case Field::CcertFingerprint: return Attr::CcertFingerprint;
    case Field::CcertPubkeyFingerprint: return Attr::CcertPubkeyFingerprint;
    default: return Attr::Request;  // fields with typed accessors do not use this
  }
}

std::string quoted(std::string_view v) { return "\"" + std::string(v) + "\""; }

}  // namespace

std::optional<Field> find_field(std::string_view key) {
  for (const auto& f : Fields) {
    if (f.name == key) return f.field;
  }
  return std::nullopt;
}

std::string_view field_name(Field field) { return info(field).name; }
SetKind set_kind(Field field) { return info(field).kind; }

std::string field_names() {
  std::string out;
  for (const auto& f : Fields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

template <>
AddressSet::Value extract<AddressSet>(Field field, const Request& r) {
  return lower(r.get(attr_of(field)));
}

template <>
DomainSet::Value extract<DomainSet>(Field field, const Request& r) {
  switch (field) {
    case Field::SenderDomain: return normalize_domain(r.sender_domain());
    case Field::RecipientDomain: return normalize_domain(r.recipient_domain());
    default: return normalize_domain(r.get(attr_of(field)));
  }
}

template <>
NetworkSet::Value extract<NetworkSet>(Field field, const Request& r) {
  return field == Field::ServerAddress ? r.server_ip() : r.client_ip();
}

template <>
TextSet<false>::Value extract<TextSet<false>>(Field field, const Request& r) {
  if (field == Field::CcertSubject) return xtext_decode(r.get(Attr::CcertSubject));
  return std::string(r.get(attr_of(field)));
}

template <>
TextSet<true>::Value extract<TextSet<true>>(Field field, const Request& r) {
  return lower(r.get(attr_of(field)));
}

template <>
PortSet::Value extract<PortSet>(Field, const Request& r) {
  return r.server_port();
}

template <>
FingerprintSet::Value extract<FingerprintSet>(Field field, const Request& r) {
  return normalize_fingerprint(r.get(attr_of(field)));
}

template <>
ProtocolSet::Value extract<ProtocolSet>(Field, const Request& r) {
  return r.tls_version();
}

template <>
std::string show<AddressSet>(const std::string& v) { return v.empty() ? "<>" : quoted(v); }
template <>
std::string show<DomainSet>(const std::string& v) { return quoted(v); }
template <>
std::string show<NetworkSet>(const NetworkSet::Value& v) { return v ? net::to_string(*v) : "(none)"; }
template <>
std::string show<TextSet<false>>(const std::string& v) { return quoted(v); }
template <>
std::string show<TextSet<true>>(const std::string& v) { return quoted(v); }
template <>
std::string show<PortSet>(const PortSet::Value& v) { return v ? std::to_string(*v) : "(none)"; }
template <>
std::string show<FingerprintSet>(const FingerprintSet::Value& v) { return v ? *v : "(none)"; }
template <>
std::string show<ProtocolSet>(const tls::TlsVersion& v) { return std::string(tls::to_string(v)); }

}  // namespace tlspolicyd::match
