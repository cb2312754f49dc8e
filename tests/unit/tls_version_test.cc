// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "tls/tls_version.h"

using namespace tlspolicyd::tls;

TEST_CASE("tls versions parse from OpenSSL spellings and order") {
  CHECK(parse_wire_tls_version("") == TlsVersion::Plaintext);
  CHECK(parse_wire_tls_version("TLSv1") == TlsVersion::TLSv1);
  CHECK(parse_wire_tls_version("TLSv1.1") == TlsVersion::TLSv1_1);
  CHECK(parse_wire_tls_version("TLSv1.2") == TlsVersion::TLSv1_2);
  CHECK(parse_wire_tls_version("TLSv1.3") == TlsVersion::TLSv1_3);
  CHECK(parse_wire_tls_version("SSLv3") == TlsVersion::SSLv3);
  CHECK(parse_wire_tls_version("TLSv1.0") == TlsVersion::Unknown);  // OpenSSL never says this
  CHECK(parse_wire_tls_version("tlsv1.2") == TlsVersion::Unknown);
  CHECK(parse_wire_tls_version("TLSv1/SSLv3") == TlsVersion::Unknown);
  CHECK(*tls_rank(TlsVersion::SSLv3) < *tls_rank(TlsVersion::TLSv1));
  CHECK(*tls_rank(TlsVersion::TLSv1) < *tls_rank(TlsVersion::TLSv1_1));
  CHECK(*tls_rank(TlsVersion::TLSv1_1) < *tls_rank(TlsVersion::TLSv1_2));
  CHECK(*tls_rank(TlsVersion::TLSv1_2) < *tls_rank(TlsVersion::TLSv1_3));
  CHECK_FALSE(tls_rank(TlsVersion::Plaintext).has_value());
  CHECK_FALSE(tls_rank(TlsVersion::Unknown).has_value());
  CHECK(to_string(TlsVersion::TLSv1_2) == "TLSv1.2");
  CHECK(to_string(TlsVersion::Plaintext) == "none");
}
