// SPDX-License-Identifier: MIT
// attribute: the closed set of request attribute names Postfix sends.
//
// Every attribute check_policy_service sends (Postfix 2.1 .. 3.12) has an Attr
// value; anything else on the wire is an unknown attribute and is ignored (Postfix
// adds names over time). Lookup is by exact, case-sensitive name, as Postfix
// writes them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

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

// The wire names, by Attr.
inline constexpr std::array<std::string_view, AttrCount> AttrNames = {
    "request",
    "protocol_state",
    "protocol_name",
    "helo_name",
    "queue_id",
    "sender",
    "recipient",
    "recipient_count",
    "client_address",
    "client_name",
    "reverse_client_name",
    "instance",
    "sasl_method",
    "sasl_username",
    "sasl_sender",
    "size",
    "ccert_subject",
    "ccert_issuer",
    "ccert_fingerprint",
    "ccert_pubkey_fingerprint",
    "encryption_protocol",
    "encryption_cipher",
    "encryption_keysize",
    "etrn_domain",
    "stress",
    "client_port",
    "policy_context",
    "server_address",
    "server_port",
    "compatibility_level",
    "mail_version",
    "tls_sni",
};

// The wire name of an attribute ("client_address").
[[nodiscard]] constexpr std::string_view attr_name(Attr attr) { return AttrNames[static_cast<std::size_t>(attr)]; }

// The attribute with this wire name, or nullopt for a name Postfix does not send.
[[nodiscard]] std::optional<Attr> find_attr(std::string_view name);

}  // namespace tlspolicyd::protocol
