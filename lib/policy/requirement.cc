// SPDX-License-Identifier: MIT
#include "policy/requirement.h"

namespace tlspolicyd::policy {

using protocol::Attr;

bool Requirement::any() const {
  return tls || min_protocol || ciphers || exclude_ciphers || forward_secrecy || aead || min_keysize ||
         client_cert != ClientCert::None;
}

namespace {

// The first key check() finds unmet. The tests run on every answer; the failure's
// values are copied apart (make_failure), so that they stay compact.
// `excluded_by` is set for CipherExcluded.
std::optional<Unmet> first_unmet(const Requirement& r, const protocol::Request& request,
                                 const std::string*& excluded_by) {
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
  return std::nullopt;
}

// The cipher key an unknown cipher fails: the first one set, in check order.
RequirementKey first_cipher_key(const Requirement& r) {
  if (r.ciphers) return RequirementKey::Ciphers;
  if (r.exclude_ciphers) return RequirementKey::ExcludeCiphers;
  if (r.forward_secrecy) return RequirementKey::ForwardSecrecy;
  return RequirementKey::Aead;
}

[[gnu::noinline]] Failure make_failure(const Requirement& r, Unmet unmet, const protocol::Request& request,
                                       const std::string* excluded_by) {
  const auto cipher = [&] { return std::string(request.get(Attr::EncryptionCipher)); };
  switch (unmet) {
    case Unmet::NoTls: return Failure{RequirementKey::Tls, unmet, {}, {}};
    case Unmet::UnknownProtocol:
      return Failure{RequirementKey::MinProtocol, unmet, std::string(request.get(Attr::EncryptionProtocol)),
                     std::string(tls::to_string(*r.min_protocol))};
    case Unmet::OldProtocol:
      return Failure{RequirementKey::MinProtocol, unmet, std::string(tls::to_string(request.tls_version())),
                     std::string(tls::to_string(*r.min_protocol))};
    case Unmet::UnknownCipher: return Failure{first_cipher_key(r), unmet, cipher(), {}};
    case Unmet::CipherNotAllowed: return Failure{RequirementKey::Ciphers, unmet, cipher(), r.ciphers->label()};
    case Unmet::CipherExcluded: return Failure{RequirementKey::ExcludeCiphers, unmet, cipher(), *excluded_by};
    case Unmet::NoForwardSecrecy: return Failure{RequirementKey::ForwardSecrecy, unmet, cipher(), {}};
    case Unmet::NotAead: return Failure{RequirementKey::Aead, unmet, cipher(), {}};
    case Unmet::SmallKey:
      return Failure{RequirementKey::MinKeysize, unmet, std::to_string(request.keysize()),
                     std::to_string(*r.min_keysize)};
    case Unmet::NoTrustedCert:
    case Unmet::NoCert:
    case Unmet::CertNotListed: return Failure{RequirementKey::ClientCert, unmet, {}, {}};
    case Unmet::PlaintextAfterTls:
    case Unmet::LowerProtocol:  // the history's, not a requirement's
    case Unmet::MatchError: break;  // the match's
  }
  return Failure{RequirementKey::Tls, Unmet::NoTls, {}, {}};
}

}  // namespace

std::optional<Failure> Requirement::check(const protocol::Request& request) const {
  const std::string* excluded_by = nullptr;
  const std::optional<Unmet> unmet = first_unmet(*this, request, excluded_by);
  if (!unmet) return std::nullopt;
  return make_failure(*this, *unmet, request, excluded_by);
}

}  // namespace tlspolicyd::policy
