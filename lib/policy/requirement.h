// SPDX-License-Identifier: MIT
// requirement: what a rule's `require:` (a profile or an inline map) demands of the
// TLS a request negotiated (SPEC 3.3).
//
// check() tests the keys in a fixed order (tls, min_protocol, ciphers,
// exclude_ciphers, forward_secrecy, aead, min_keysize, client_cert) and returns the
// first failure as a value (policy/failure.h: the key, what was seen, what was
// required), nullopt when everything holds. A plaintext transaction satisfies no key;
// an unknown protocol never satisfies min_protocol; a cipher the daemon's OpenSSL
// does not know satisfies no cipher key (fail closed).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "match/value_sets.h"
#include "policy/failure.h"
#include "protocol/request.h"
#include "tls/cipher_policy.h"
#include "tls/tls_version.h"

namespace tlspolicyd::policy {

struct Requirement {
  enum class ClientCert { None, Trusted, Listed };

  bool tls = false;
  std::optional<tls::TlsVersion> min_protocol;
  std::optional<tls::CipherPolicy> ciphers;
  std::optional<tls::CipherExclusion> exclude_ciphers;
  bool forward_secrecy = false;
  bool aead = false;
  std::optional<std::uint32_t> min_keysize;
  ClientCert client_cert = ClientCert::None;
  match::FingerprintSet fingerprints;  // for ClientCert::Listed
  std::shared_ptr<const tls::CipherCatalog> catalog;  // set when a cipher key is used

  // The first unmet key, or nullopt when the requirement holds.
  [[nodiscard]] std::optional<Failure> check(const protocol::Request& request) const;
  // True when at least one key is set (an empty requirement is a config error).
  [[nodiscard]] bool any() const;
};

}  // namespace tlspolicyd::policy
