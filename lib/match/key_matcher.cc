// SPDX-License-Identifier: MIT
#include "match/key_matcher.h"

#include <algorithm>
#include <array>

#include "util/enum_table.h"

namespace tlspolicyd::match {
namespace {

using protocol::Attr;
using protocol::Request;
using util::lower;
using util::normalize_address;
using util::normalize_domain;

constexpr std::optional<Attr> NoAttr = std::nullopt;

// One entry per Field, in enum order (checked below). A key that reads one
// attribute is named after it; the others read what the Request derives.
struct FieldInfo {
  Field field;
  std::string_view name;
  SetKind kind;
  std::optional<Attr> attr;  // the attribute read through Request::get; none for typed accessors
};

constexpr FieldInfo read(Field f, Attr a, SetKind k) { return {f, protocol::attr_name(a), k, a}; }
constexpr FieldInfo typed(Field f, Attr a, SetKind k) { return {f, protocol::attr_name(a), k, NoAttr}; }
constexpr FieldInfo derived(Field f, std::string_view name, SetKind k) { return {f, name, k, NoAttr}; }

constexpr std::array<FieldInfo, FieldCount> Fields = {{
    read(Field::Sender, Attr::Sender, SetKind::Address),
    read(Field::Recipient, Attr::Recipient, SetKind::Address),
    derived(Field::SenderDomain, protocol::SenderDomainName, SetKind::Domain),
    derived(Field::RecipientDomain, protocol::RecipientDomainName, SetKind::Domain),
    typed(Field::ClientAddress, Attr::ClientAddress, SetKind::Network),
    typed(Field::ServerAddress, Attr::ServerAddress, SetKind::Network),
    read(Field::ClientName, Attr::ClientName, SetKind::Domain),
    read(Field::ReverseClientName, Attr::ReverseClientName, SetKind::Domain),
    read(Field::HeloName, Attr::HeloName, SetKind::Domain),
    derived(Field::Sasl, protocol::SaslName, SetKind::Bool),
    read(Field::SaslUsername, Attr::SaslUsername, SetKind::Text),
    read(Field::SaslMethod, Attr::SaslMethod, SetKind::TextCaseless),
    derived(Field::Tls, protocol::TlsName, SetKind::Bool),
    typed(Field::EncryptionProtocol, Attr::EncryptionProtocol, SetKind::Protocol),
    read(Field::EncryptionCipher, Attr::EncryptionCipher, SetKind::Text),
    typed(Field::ServerPort, Attr::ServerPort, SetKind::Port),
    read(Field::ProtocolState, Attr::ProtocolState, SetKind::Text),
    read(Field::PolicyContext, Attr::PolicyContext, SetKind::Text),
    read(Field::CcertSubject, Attr::CcertSubject, SetKind::Text),
    read(Field::CcertFingerprint, Attr::CcertFingerprint, SetKind::Fingerprint),
    read(Field::CcertPubkeyFingerprint, Attr::CcertPubkeyFingerprint, SetKind::Fingerprint),
}};
static_assert(util::indexed_by(Fields, &FieldInfo::field, FieldCount));

const FieldInfo& info(Field f) { return Fields[static_cast<std::size_t>(f)]; }

// Every field that extract() reads through Request::get names its attribute.
static_assert([] {
  for (const FieldInfo& f : Fields) {
    const bool derived_domain = f.field == Field::SenderDomain || f.field == Field::RecipientDomain;
    const bool reads = f.kind == SetKind::Address || f.kind == SetKind::Text || f.kind == SetKind::TextCaseless ||
                       f.kind == SetKind::Fingerprint || (f.kind == SetKind::Domain && !derived_domain);
    if (reads && !f.attr) return false;
  }
  return true;
}());

Attr attr_of(Field f) { return info(f).attr.value_or(Attr::Request); }

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
  return normalize_address(r.get(attr_of(field)));
}

std::string_view sent_value(Field field, const Request& r) {
  switch (field) {
    case Field::SenderDomain: return r.sender_domain();
    case Field::RecipientDomain: return r.recipient_domain();
    default: return r.get(attr_of(field));
  }
}

std::string sent_note(std::string_view sent) {
  const bool ascii = std::all_of(sent.begin(), sent.end(), [](char c) { return (c & 0x80) == 0; });
  return ascii ? std::string() : " (sent " + quoted(sent) + ")";
}

template <>
DomainSet::Value extract<DomainSet>(Field field, const Request& r) {
  return normalize_domain(sent_value(field, r));
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
