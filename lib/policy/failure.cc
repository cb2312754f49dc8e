// SPDX-License-Identifier: MIT
#include "policy/failure.h"

namespace tlspolicyd::policy {

std::string_view to_string(RequirementKey key) {
  switch (key) {
    case RequirementKey::Tls: return "tls";
    case RequirementKey::MinProtocol: return "min_protocol";
    case RequirementKey::Ciphers: return "ciphers";
    case RequirementKey::ExcludeCiphers: return "exclude_ciphers";
    case RequirementKey::ForwardSecrecy: return "forward_secrecy";
    case RequirementKey::Aead: return "aead";
    case RequirementKey::MinKeysize: return "min_keysize";
    case RequirementKey::ClientCert: return "client_cert";
    case RequirementKey::Downgrade: return "downgrade";
    case RequirementKey::Match: return "match";
  }
  return "?";
}

FailureText text_parts(const Failure& f) {
  const std::string_view seen = f.seen, required = f.required;
  switch (f.unmet) {
    case Unmet::NoTls: return {"no TLS"};
    case Unmet::UnknownProtocol: return {"unknown protocol \"", seen, "\" (", required, " or newer required)"};
    case Unmet::OldProtocol: return {"protocol ", seen, " < ", required};
    case Unmet::UnknownCipher:
      return {"cipher ", seen.empty() ? std::string_view("(none)") : seen, " unknown to OpenSSL"};
    case Unmet::CipherNotAllowed: return {"cipher ", seen, " not in ", required};
    case Unmet::CipherExcluded: return {"cipher ", seen, " excluded by ", required};
    case Unmet::NoForwardSecrecy: return {"cipher ", seen, " without forward secrecy"};
    case Unmet::NotAead: return {"cipher ", seen, " not AEAD"};
    case Unmet::SmallKey: return {"key size ", seen, " < ", required};
    case Unmet::NoTrustedCert: return {"no trusted client certificate"};
    case Unmet::NoCert: return {"no client certificate"};
    case Unmet::CertNotListed: return {"client certificate not listed"};
    case Unmet::PlaintextAfterTls: return {"plaintext after ", seen, " TLS transactions (best ", required, ")"};
    case Unmet::LowerProtocol: return {seen, " below ", required, " seen before"};
    case Unmet::MatchError: return {"match error: ", seen};
  }
  return {};
}

std::string to_string(const Failure& failure) {
  std::string out;
  for (const std::string_view part : text_parts(failure)) out.append(part);
  return out;
}

}  // namespace tlspolicyd::policy
