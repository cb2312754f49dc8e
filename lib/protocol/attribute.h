// SPDX-License-Identifier: MIT
// attribute: the closed set of request attribute names Postfix sends.
//
// Every attribute check_policy_service sends (Postfix 2.1 .. 3.12) has an Attr
// value; anything else on the wire is an unknown attribute and is ignored (Postfix
// adds names over time). Lookup is by exact, case-sensitive name, as Postfix
// writes them. Attrs is the one definition of these names: match keys, template
// variables and history key parts that read an attribute take its name from
// here (attr_name).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/enum_table.h"

namespace tlspolicyd::protocol {

enum class Attr : std::uint8_t {
  Request,
  ProtocolState,
  ProtocolName,
  HeloName,
  QueueId,
  Sender,
  Recipient,
  RecipientCount,
  ClientAddress,
  ClientName,
  ReverseClientName,
  Instance,
  SaslMethod,
  SaslUsername,
  SaslSender,
  Size,
  CcertSubject,
  CcertIssuer,
  CcertFingerprint,
  CcertPubkeyFingerprint,
  EncryptionProtocol,
  EncryptionCipher,
  EncryptionKeysize,
  EtrnDomain,
  Stress,
  ClientPort,
  PolicyContext,
  ServerAddress,
  ServerPort,
  CompatibilityLevel,
  MailVersion,
  TlsSni,
};

inline constexpr std::size_t AttrCount = static_cast<std::size_t>(Attr::TlsSni) + 1;

// One entry per Attr, in enum order (checked below): the wire names.
struct AttrInfo {
  Attr attr;
  std::string_view name;
};

inline constexpr std::array<AttrInfo, AttrCount> Attrs = {{
    {Attr::Request, "request"},
    {Attr::ProtocolState, "protocol_state"},
    {Attr::ProtocolName, "protocol_name"},
    {Attr::HeloName, "helo_name"},
    {Attr::QueueId, "queue_id"},
    {Attr::Sender, "sender"},
    {Attr::Recipient, "recipient"},
    {Attr::RecipientCount, "recipient_count"},
    {Attr::ClientAddress, "client_address"},
    {Attr::ClientName, "client_name"},
    {Attr::ReverseClientName, "reverse_client_name"},
    {Attr::Instance, "instance"},
    {Attr::SaslMethod, "sasl_method"},
    {Attr::SaslUsername, "sasl_username"},
    {Attr::SaslSender, "sasl_sender"},
    {Attr::Size, "size"},
    {Attr::CcertSubject, "ccert_subject"},
    {Attr::CcertIssuer, "ccert_issuer"},
    {Attr::CcertFingerprint, "ccert_fingerprint"},
    {Attr::CcertPubkeyFingerprint, "ccert_pubkey_fingerprint"},
    {Attr::EncryptionProtocol, "encryption_protocol"},
    {Attr::EncryptionCipher, "encryption_cipher"},
    {Attr::EncryptionKeysize, "encryption_keysize"},
    {Attr::EtrnDomain, "etrn_domain"},
    {Attr::Stress, "stress"},
    {Attr::ClientPort, "client_port"},
    {Attr::PolicyContext, "policy_context"},
    {Attr::ServerAddress, "server_address"},
    {Attr::ServerPort, "server_port"},
    {Attr::CompatibilityLevel, "compatibility_level"},
    {Attr::MailVersion, "mail_version"},
    {Attr::TlsSni, "tls_sni"},
}};
static_assert(util::indexed_by(Attrs, &AttrInfo::attr, AttrCount));

// The wire name of an attribute ("client_address").
[[nodiscard]] constexpr std::string_view attr_name(Attr attr) { return Attrs[static_cast<std::size_t>(attr)].name; }

// The attribute with this wire name, or nullopt for a name Postfix does not send.
[[nodiscard]] std::optional<Attr> find_attr(std::string_view name);

}  // namespace tlspolicyd::protocol
