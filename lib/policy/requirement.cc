// SPDX-License-Identifier: MIT
#include "policy/requirement.h"

namespace tlspolicyd::policy {

using protocol::Attr;

bool Requirement::any() const {
  return tls || min_protocol || ciphers || exclude_ciphers || forward_secrecy || aead || min_keysize ||
         client_cert != ClientCert::None;
}

namespace {

// The first key check() finds unmet. The tests run on every answer; the reason's
// text is built apart (reason_text), so that they stay compact.
enum class Unmet : std::uint8_t {
  None,
  NoTls,
  UnknownProtocol,
  OldProtocol,
  UnknownCipher,
  CipherNotAllowed,
  CipherExcluded,
  NoForwardSecrecy,
  NotAead,
  SmallKey,
  NoTrustedCert,
  NoCert,
  CertNotListed,
};

// `excluded_by` is set for CipherExcluded.
Unmet first_unmet(const Requirement& r, const protocol::Request& request, const std::string*& excluded_by) {
  const tls::TlsVersion version = request.tls_version();
  if (version == tls::TlsVersion::Plaintext) return Unmet::NoTls;

  if (r.min_protocol) {
    auto rank = tls::tls_rank(version);
    if (!rank) return Unmet::UnknownProtocol;
    if (*rank < *tls::tls_rank(*r.min_protocol)) return Unmet::OldProtocol;
  }

  if (r.ciphers || r.exclude_ciphers || r.forward_secrecy || r.aead) {
    const tls::CipherInfo* cipher = r.catalog ? r.catalog->find(request.get(Attr::EncryptionCipher)) : nullptr;
    if (cipher == nullptr) return Unmet::UnknownCipher;
    if (r.ciphers && !r.ciphers->allows(*cipher)) return Unmet::CipherNotAllowed;
    if (r.exclude_ciphers && (excluded_by = r.exclude_ciphers->excluded_by(*cipher)) != nullptr) {
      return Unmet::CipherExcluded;
    }
    if (r.forward_secrecy && !cipher->forward_secrecy) return Unmet::NoForwardSecrecy;
    if (r.aead && !cipher->aead) return Unmet::NotAead;
  }

  if (r.min_keysize && request.keysize() < *r.min_keysize) return Unmet::SmallKey;

  switch (r.client_cert) {
    case Requirement::ClientCert::None: break;
    case Requirement::ClientCert::Trusted:
      if (request.get(Attr::CcertSubject).empty() && request.get(Attr::CcertIssuer).empty()) return Unmet::NoTrustedCert;
      break;
    case Requirement::ClientCert::Listed: {
      auto cert = match::normalize_fingerprint(request.get(Attr::CcertFingerprint));
      auto key = match::normalize_fingerprint(request.get(Attr::CcertPubkeyFingerprint));
      if (!cert && !key) return Unmet::NoCert;
      if (!r.fingerprints.contains(cert) && !r.fingerprints.contains(key)) return Unmet::CertNotListed;
      break;
    }
  }
  return Unmet::None;
}

[[gnu::noinline]] std::string reason_text(const Requirement& r, Unmet unmet, const protocol::Request& request,
                                          const std::string* excluded_by) {
  const auto cipher = [&] { return std::string(request.get(Attr::EncryptionCipher)); };
  switch (unmet) {
    case Unmet::None: break;
    case Unmet::NoTls: return "no TLS";
    case Unmet::UnknownProtocol:
      return "unknown protocol \"" + std::string(request.get(Attr::EncryptionProtocol)) + "\" (" +
             std::string(tls::to_string(*r.min_protocol)) + " or newer required)";
    case Unmet::OldProtocol:
      return "protocol " + std::string(tls::to_string(request.tls_version())) + " < " +
             std::string(tls::to_string(*r.min_protocol));
    case Unmet::UnknownCipher: {
      const std::string name = cipher();
      return "cipher " + (name.empty() ? std::string("(none)") : name) + " unknown to OpenSSL";
    }
    case Unmet::CipherNotAllowed: return "cipher " + cipher() + " not in " + r.ciphers->label();
    case Unmet::CipherExcluded: return "cipher " + cipher() + " excluded by " + *excluded_by;
    case Unmet::NoForwardSecrecy: return "cipher " + cipher() + " without forward secrecy";
    case Unmet::NotAead: return "cipher " + cipher() + " not AEAD";
    case Unmet::SmallKey: return "key size " + std::to_string(request.keysize()) + " < " + std::to_string(*r.min_keysize);
    case Unmet::NoTrustedCert: return "no trusted client certificate";
    case Unmet::NoCert: return "no client certificate";
    case Unmet::CertNotListed: return "client certificate not listed";
  }
  return {};
}

}  // namespace

std::string Requirement::check(const protocol::Request& request) const {
  const std::string* excluded_by = nullptr;
  const Unmet unmet = first_unmet(*this, request, excluded_by);
  return unmet == Unmet::None ? std::string() : reason_text(*this, unmet, request, excluded_by);
}

}  // namespace tlspolicyd::policy
