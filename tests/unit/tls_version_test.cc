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
  CHECK(*tls_rank(TlsVersion::SSLv2) == 0);
  CHECK(*tls_rank(TlsVersion::SSLv2) < *tls_rank(TlsVersion::SSLv3));
  CHECK(*tls_rank(TlsVersion::TLSv1_3) == 5);
  CHECK(*tls_rank(TlsVersion::SSLv3) < *tls_rank(TlsVersion::TLSv1));
  CHECK(*tls_rank(TlsVersion::TLSv1) < *tls_rank(TlsVersion::TLSv1_1));
  CHECK(*tls_rank(TlsVersion::TLSv1_1) < *tls_rank(TlsVersion::TLSv1_2));
  CHECK(*tls_rank(TlsVersion::TLSv1_2) < *tls_rank(TlsVersion::TLSv1_3));
  CHECK_FALSE(tls_rank(TlsVersion::Plaintext).has_value());
  CHECK_FALSE(tls_rank(TlsVersion::Unknown).has_value());
  CHECK(to_string(TlsVersion::TLSv1_2) == "TLSv1.2");
  CHECK(to_string(TlsVersion::Plaintext) == "none");
}

TEST_CASE("protocol floors: a version, Postfix's >= bound, or an exclusion list") {
  auto floor = [](std::string_view text) {
    auto r = parse_protocol_floor(text);
    REQUIRE_MESSAGE(std::holds_alternative<TlsVersion>(r), text);
    return std::get<TlsVersion>(r);
  };
  auto error = [](std::string_view text) {
    auto r = parse_protocol_floor(text);
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(r), text);
    return std::get<std::string>(r);
  };
  CHECK(floor("TLSv1.2") == TlsVersion::TLSv1_2);
  CHECK(floor("TLSv1") == TlsVersion::TLSv1);
  CHECK(floor("TLSv1.0") == TlsVersion::TLSv1);
  CHECK(floor(">=TLSv1.3") == TlsVersion::TLSv1_3);
  CHECK(floor("!TLSv1, !TLSv1.1") == TlsVersion::TLSv1_2);
  CHECK(floor("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1") == TlsVersion::TLSv1_2);
  CHECK(floor("!SSLv2:!SSLv3") == TlsVersion::TLSv1);
  CHECK(floor("!TLSv1.1") == TlsVersion::TLSv1_2);  // read as a floor above the newest excluded
  CHECK(error("<=TLSv1.2").find("upper bound") != std::string::npos);
  CHECK(error(">=TLSv1.2, <=TLSv1.3").find("upper bound") != std::string::npos);
  CHECK(error("!TLSv1.3").find("excludes every protocol") != std::string::npos);
  CHECK(error("TLS1.2").find("is not a protocol") != std::string::npos);
  CHECK(error("").find("must name a protocol") != std::string::npos);
}
