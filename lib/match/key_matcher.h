// SPDX-License-Identifier: MIT
// key_matcher: one `match:` key (sender_domain, client_address, ...) as a predicate.
//
// A list-valued key holds plain and negated ("!") sets; a value matches when it is
// in no negated set and, if there are plain sets, in at least one of them (SPEC
// 3.2). Sets may be shared between keys (a named list used by several rules is
// compiled once per set kind). `sasl` and `tls` are booleans. matches() is a
// Found: Error when a /regex/ gave up and the sets that answered do not decide
// without it (three-valued, regex.h). Every key can show
// the request value it looked at, so a decision can explain itself. A key's name
// is its attribute's (protocol::attr_name) or the Request's name for what it
// derives (sender_domain, recipient_domain, sasl, tls); key_matcher.cc's table
// of fields is checked against the enum at compile time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "match/value_sets.h"
#include "protocol/request.h"

namespace tlspolicyd::match {

enum class Field : std::uint8_t {
  Sender,
  Recipient,
  SenderDomain,
  RecipientDomain,
  ClientAddress,
  ServerAddress,
  ClientName,
  ReverseClientName,
  HeloName,
  Sasl,
  SaslUsername,
  SaslMethod,
  Tls,
  EncryptionProtocol,
  EncryptionCipher,
  ServerPort,
  ProtocolState,
  PolicyContext,
  CcertSubject,
  CcertFingerprint,
  CcertPubkeyFingerprint,
};
inline constexpr std::size_t FieldCount = static_cast<std::size_t>(Field::CcertPubkeyFingerprint) + 1;

// The set type a field's values are compiled into.
enum class SetKind : std::uint8_t { Address, Domain, Network, Text, TextCaseless, Port, Fingerprint, Protocol, Bool };

// The key named `key` ("sender_domain"), or nullopt.
[[nodiscard]] std::optional<Field> find_field(std::string_view key);
// The key's name: the request attribute's (protocol::attr_name), or the derived
// value's (protocol::SenderDomainName, ...).
[[nodiscard]] std::string_view field_name(Field field);
[[nodiscard]] SetKind set_kind(Field field);
// Every match key name, for error messages.
[[nodiscard]] std::string field_names();

class KeyMatcher {
 public:
  KeyMatcher(Field field, std::string source) : field_(field), source_(std::move(source)) {}
  virtual ~KeyMatcher() = default;
  KeyMatcher(const KeyMatcher&) = delete;
  KeyMatcher& operator=(const KeyMatcher&) = delete;

  [[nodiscard]] virtual Found matches(const protocol::Request& request) const = 0;
  // The request's value as this key compares it ("partner.example", "(none)");
  // a domain or address with non-ASCII bytes also as sent
  // ("xn--bcher-kva.example" (sent "Bücher.example")).
  [[nodiscard]] virtual std::string shown_value(const protocol::Request& request) const = 0;

  [[nodiscard]] Field field() const { return field_; }
  // The configured values, shortened ("list:partners", "[465, 587]").
  [[nodiscard]] const std::string& source() const { return source_; }

 private:
  Field field_;
  std::string source_;
};

template <class Set>
struct SetParts {
  std::vector<std::shared_ptr<const Set>> plain;
  std::vector<std::shared_ptr<const Set>> negated;
};

// The request value of `field` as Postfix sent it (domain and address keys).
[[nodiscard]] std::string_view sent_value(Field field, const protocol::Request& request);
// ` (sent "VALUE")` when `sent` holds non-ASCII bytes (its compared form may be
// an A-label), else empty.
[[nodiscard]] std::string sent_note(std::string_view sent);

// The request value of `field`, normalised as Set compares it.
template <class Set>
typename Set::Value extract(Field field, const protocol::Request& request);
template <class Set>
std::string show(const typename Set::Value& value);

// Declared here, defined in key_matcher.cc, for every set kind.
template <>
AddressSet::Value extract<AddressSet>(Field field, const protocol::Request& request);
template <>
std::string show<AddressSet>(const AddressSet::Value& value);
template <>
DomainSet::Value extract<DomainSet>(Field field, const protocol::Request& request);
template <>
std::string show<DomainSet>(const DomainSet::Value& value);
template <>
NetworkSet::Value extract<NetworkSet>(Field field, const protocol::Request& request);
template <>
std::string show<NetworkSet>(const NetworkSet::Value& value);
template <>
TextSet<false>::Value extract<TextSet<false>>(Field field, const protocol::Request& request);
template <>
std::string show<TextSet<false>>(const TextSet<false>::Value& value);
template <>
TextSet<true>::Value extract<TextSet<true>>(Field field, const protocol::Request& request);
template <>
std::string show<TextSet<true>>(const TextSet<true>::Value& value);
template <>
PortSet::Value extract<PortSet>(Field field, const protocol::Request& request);
template <>
std::string show<PortSet>(const PortSet::Value& value);
template <>
FingerprintSet::Value extract<FingerprintSet>(Field field, const protocol::Request& request);
template <>
std::string show<FingerprintSet>(const FingerprintSet::Value& value);
template <>
ProtocolSet::Value extract<ProtocolSet>(Field field, const protocol::Request& request);
template <>
std::string show<ProtocolSet>(const ProtocolSet::Value& value);

// A set's answer as a Found, whether the set can err (regexes) or not.
[[nodiscard]] constexpr Found found(Found f) { return f; }
[[nodiscard]] constexpr Found found(bool b) { return Found::of(b); }

template <class Set>
class ListMatcher final : public KeyMatcher {
 public:
  ListMatcher(Field field, std::string source, SetParts<Set> parts)
      : KeyMatcher(field, std::move(source)), parts_(std::move(parts)) {}

  // In no negated set and, with plain sets, in one of them.
  [[nodiscard]] Found matches(const protocol::Request& request) const override {
    const typename Set::Value value = extract<Set>(field(), request);
    Found excluded;
    for (const auto& set : parts_.negated) {
      excluded = any_of(excluded, found(set->contains(value)));
      if (excluded.yes()) return Found::of(false);
    }
    Found included = Found::of(parts_.plain.empty());
    for (const auto& set : parts_.plain) {
      included = any_of(included, found(set->contains(value)));
      if (included.yes()) break;
    }
    return all_of(negate(excluded), included);
  }

  [[nodiscard]] std::string shown_value(const protocol::Request& request) const override {
    std::string shown = show<Set>(extract<Set>(field(), request));
    if constexpr (std::is_same_v<Set, DomainSet> || std::is_same_v<Set, AddressSet>) {
      shown += sent_note(sent_value(field(), request));
    }
    return shown;
  }

 private:
  SetParts<Set> parts_;
};

class BoolMatcher final : public KeyMatcher {
 public:
  BoolMatcher(Field field, bool want) : KeyMatcher(field, want ? "true" : "false"), want_(want) {}
  [[nodiscard]] Found matches(const protocol::Request& request) const override {
    return Found::of(value(request) == want_);
  }
  [[nodiscard]] std::string shown_value(const protocol::Request& request) const override {
    return value(request) ? "true" : "false";
  }

 private:
  [[nodiscard]] bool value(const protocol::Request& request) const {
    return field() == Field::Sasl ? request.sasl() : request.tls();
  }
  bool want_;
};

}  // namespace tlspolicyd::match
