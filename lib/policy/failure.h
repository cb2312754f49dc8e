// SPDX-License-Identifier: MIT
// failure: why a request fell short of a rule's requirement, or of its TLS
// history (a downgrade), as a value: which key, what was seen, what was required.
//
// A rule's match that the regex engine could not answer (policy.h) is a Failure
// too: key Match, unmet MatchError. A Failure travels typed through evaluation, the decision and --explain; its text
// ("protocol TLSv1 < TLSv1.2") is made only where it is shown: the decision log,
// ${reason} in an action, query output, the downgrade warning. text_parts() is
// that text in pieces (views into the failure and static words), so that the log
// can write it without building it first; to_string() joins them. Limits: seen and
// required are copies of short request and configuration values, not checked or
// escaped here (the log escapes; an action makes its text wire-safe).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tlspolicyd::policy {

// Which key failed: a requirement key as written in require: (checked in this
// order), Downgrade, the TLS history's (SPEC 6), or Match, the rule's match:.
enum class RequirementKey : std::uint8_t {
  Tls,
  MinProtocol,
  Ciphers,
  ExcludeCiphers,
  ForwardSecrecy,
  Aead,
  MinKeysize,
  ClientCert,
  Downgrade,
  Match,
};

// The key as written in require: ("min_protocol"), "downgrade" or "match": a
// bounded vocabulary (metrics label it with this).
[[nodiscard]] std::string_view to_string(RequirementKey key);

// How it failed; each gives one text. `seen` and `required` per kind:
enum class Unmet : std::uint8_t {
  NoTls,             // tls (a plaintext request fails every key as tls): -, -
  UnknownProtocol,   // min_protocol: encryption_protocol as sent, the floor
  OldProtocol,       // min_protocol: the protocol, the floor
  UnknownCipher,     // the first cipher key set: the cipher as sent (maybe empty), -
  CipherNotAllowed,  // ciphers: the cipher, the list's label
  CipherExcluded,    // exclude_ciphers: the cipher, the exclusion that matched
  NoForwardSecrecy,  // forward_secrecy: the cipher, -
  NotAead,           // aead: the cipher, -
  SmallKey,          // min_keysize: the key size, the minimum
  NoTrustedCert,     // client_cert trusted: -, -
  NoCert,            // client_cert listed: -, -
  CertNotListed,     // client_cert listed: -, -
  PlaintextAfterTls, // downgrade: the TLS transactions seen before, the best protocol seen
  LowerProtocol,     // downgrade: the protocol, the best protocol seen before
  MatchError,        // match: what the engine said (match::error_text), -
};

struct Failure {
  RequirementKey key = RequirementKey::Tls;
  Unmet unmet = Unmet::NoTls;
  std::string seen;
  std::string required;

  friend bool operator==(const Failure&, const Failure&) = default;
};

// The text in order; unused parts are empty.
using FailureText = std::array<std::string_view, 5>;
[[nodiscard]] FailureText text_parts(const Failure& failure);
// "protocol TLSv1 < TLSv1.2", "no TLS", "TLSv1.1 below TLSv1.3 seen before".
[[nodiscard]] std::string to_string(const Failure& failure);

}  // namespace tlspolicyd::policy
