// SPDX-License-Identifier: MIT
#include "policy/failure.h"

namespace tlspolicyd::policy {

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
