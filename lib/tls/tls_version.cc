// SPDX-License-Identifier: MIT
#include "tls/tls_version.h"

namespace tlspolicyd::tls {

TlsVersion parse_wire_tls_version(std::string_view value) {
  if (value.empty()) return TlsVersion::Plaintext;
  if (value == "TLSv1.3") return TlsVersion::TLSv1_3;
  if (value == "TLSv1.2") return TlsVersion::TLSv1_2;
  if (value == "TLSv1.1") return TlsVersion::TLSv1_1;
  if (value == "TLSv1") return TlsVersion::TLSv1;
  if (value == "SSLv3") return TlsVersion::SSLv3;
  if (value == "SSLv2") return TlsVersion::SSLv2;
  return TlsVersion::Unknown;
}

std::optional<int> tls_rank(TlsVersion v) {
  switch (v) {
    case TlsVersion::Plaintext:
    case TlsVersion::Unknown:
      return std::nullopt;
    case TlsVersion::SSLv2: return 0;
    case TlsVersion::SSLv3: return 1;
    case TlsVersion::TLSv1: return 2;
    case TlsVersion::TLSv1_1: return 3;
    case TlsVersion::TLSv1_2: return 4;
    case TlsVersion::TLSv1_3: return 5;
  }
  return std::nullopt;
}

std::string_view to_string(TlsVersion v) {
  switch (v) {
    case TlsVersion::Plaintext: return "none";
    case TlsVersion::Unknown: return "unknown";
    case TlsVersion::SSLv2: return "SSLv2";
    case TlsVersion::SSLv3: return "SSLv3";
    case TlsVersion::TLSv1: return "TLSv1";
    case TlsVersion::TLSv1_1: return "TLSv1.1";
    case TlsVersion::TLSv1_2: return "TLSv1.2";
    case TlsVersion::TLSv1_3: return "TLSv1.3";
  }
  return "unknown";
}

}  // namespace tlspolicyd::tls
