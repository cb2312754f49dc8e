// SPDX-License-Identifier: MIT
#include "policy/requirement.h"

namespace tlspolicyd::policy {

using protocol::Attr;

bool Requirement::any() const {
  return tls || min_protocol || ciphers || exclude_ciphers || forward_secrecy || aead || min_keysize ||
         client_cert != ClientCert::None;
}

std::string Requirement::check(const protocol::Request& request) const {
  const tls::TlsVersion version = request.tls_version();
  if (version == tls::TlsVersion::Plaintext) return "no TLS";

  if (min_protocol) {
    auto rank = tls::tls_rank(version);
    if (!rank) {
      return "unknown protocol \"" + std::string(request.get(Attr::EncryptionProtocol)) + "\" (" +
             std::string(tls::to_string(*min_protocol)) + " or newer required)";
    }
    if (*rank < *tls::tls_rank(*min_protocol)) {
      return "protocol " + std::string(tls::to_string(version)) + " < " + std::string(tls::to_string(*min_protocol));
    }
  }

  if (ciphers || exclude_ciphers || forward_secrecy || aead) {
    const std::string_view name = request.get(Attr::EncryptionCipher);
    const tls::CipherInfo* cipher = catalog ? catalog->find(name) : nullptr;
    if (cipher == nullptr) {
      return "cipher " + (name.empty() ? std::string("(none)") : std::string(name)) + " unknown to OpenSSL";
    }
    if (ciphers && !ciphers->allows(*cipher)) return "cipher " + std::string(name) + " not in " + ciphers->label();
    if (exclude_ciphers) {
      if (const std::string* item = exclude_ciphers->excluded_by(*cipher)) {
        return "cipher " + std::string(name) + " excluded by " + *item;
      }
    }
    if (forward_secrecy && !cipher->forward_secrecy) return "cipher " + std::string(name) + " without forward secrecy";
    if (aead && !cipher->aead) return "cipher " + std::string(name) + " not AEAD";
  }

  if (min_keysize && request.keysize() < *min_keysize) {
    return "key size " + std::to_string(request.keysize()) + " < " + std::to_string(*min_keysize);
  }

  switch (client_cert) {
    case ClientCert::None: break;
    case ClientCert::Trusted:
      if (request.get(Attr::CcertSubject).empty() && request.get(Attr::CcertIssuer).empty()) {
        return "no trusted client certificate";
      }
      break;
    case ClientCert::Listed: {
      auto cert = match::normalize_fingerprint(request.get(Attr::CcertFingerprint));
      auto key = match::normalize_fingerprint(request.get(Attr::CcertPubkeyFingerprint));
      if (!cert && !key) return "no client certificate";
      if (!fingerprints.contains(cert) && !fingerprints.contains(key)) return "client certificate not listed";
      break;
    }
  }
  return {};
}

}  // namespace tlspolicyd::policy
