// SPDX-License-Identifier: MIT
// Cipher catalog and cipher requirements, against the linked OpenSSL (Debian 12:
// OpenSSL 3.0).
#include <doctest/doctest.h>

#include "tls/cipher_policy.h"

using namespace tlspolicyd::tls;

namespace {

const CipherCatalog& catalog() {
  static const auto c = CipherCatalog::load();
  REQUIRE(c != nullptr);
  return *c;
}

const CipherInfo& info(std::string_view name) {
  const CipherInfo* i = catalog().find(name);
  REQUIRE_MESSAGE(i != nullptr, name);
  return *i;
}

CipherPolicy policy(const std::string& spec) {
  auto p = CipherPolicy::parse(spec, catalog());
  if (auto* e = std::get_if<std::string>(&p)) FAIL(*e);
  return std::get<CipherPolicy>(p);
}

}  // namespace

TEST_CASE("catalog classifies what Postfix reports") {
  const auto& tls13 = info("TLS_AES_256_GCM_SHA384");
  CHECK(tls13.tls13);
  CHECK(tls13.forward_secrecy);
  CHECK(tls13.aead);
  CHECK(tls13.bits == 256);
  CHECK(info("TLS_AES_128_CCM_8_SHA256").tls13);
  const auto& ecdhe = info("ECDHE-RSA-AES256-GCM-SHA384");
  CHECK_FALSE(ecdhe.tls13);
  CHECK(ecdhe.forward_secrecy);
  CHECK(ecdhe.aead);
  const auto& cbc = info("ECDHE-RSA-AES128-SHA");
  CHECK(cbc.forward_secrecy);
  CHECK_FALSE(cbc.aead);
  const auto& rsa = info("AES128-SHA");
  CHECK_FALSE(rsa.forward_secrecy);
  CHECK_FALSE(rsa.aead);
  CHECK(rsa.bits == 128);
  CHECK_FALSE(info("AES256-GCM-SHA384").forward_secrecy);  // static RSA key exchange, AEAD
  CHECK(info("AES256-GCM-SHA384").aead);
  CHECK(info("ECDHE-ECDSA-CHACHA20-POLY1305").aead);
  CHECK(info("DHE-RSA-AES128-GCM-SHA256").forward_secrecy);
  CHECK(catalog().find("NOT-A-CIPHER") == nullptr);
  CHECK(catalog().find("DES-CBC3-SHA") == nullptr);  // not in Debian 12's OpenSSL 3
  CHECK(catalog().openssl_version().starts_with("OpenSSL 3"));
}

TEST_CASE("grade high expands exactly as Postfix 3.8+ does: 123 TLS <= 1.2 names plus TLS 1.3") {
  CipherPolicy high = policy("high");
  CHECK(high.size() == 123);  // with the 3 default TLS 1.3 suites: Postfix's 126
  CHECK(high.allows(info("ECDHE-RSA-AES256-GCM-SHA384")));
  CHECK(high.allows(info("AES128-SHA")));       // grades are not "strong": CBC and static RSA are in
  CHECK(high.allows(info("ADH-AES256-GCM-SHA384")));  // and anonymous suites, as in Postfix
  CHECK(high.allows(info("TLS_AES_128_CCM_8_SHA256")));  // every TLS 1.3 suite passes a grade
  CHECK_FALSE(high.allows(info("NULL-SHA256")));
  CipherPolicy medium = policy("medium");
  CHECK(medium.size() == 123);  // OpenSSL 3 has nothing MEDIUM that Postfix keeps
  CHECK(policy("low").size() == medium.size());
  CHECK(policy("export").size() == medium.size());
}

TEST_CASE("grade null selects only NULL ciphers, TLS 1.3 still passes") {
  CipherPolicy null = policy("null");
  CHECK(null.allows(info("NULL-SHA256")));
  CHECK_FALSE(null.allows(info("AES128-SHA")));
  CHECK(null.allows(info("TLS_AES_256_GCM_SHA384")));
}

TEST_CASE("named sets are closed, TLS 1.3 included") {
  CipherPolicy modern = policy("mozilla-modern");
  CHECK(modern.allows(info("TLS_AES_128_GCM_SHA256")));
  CHECK(modern.allows(info("TLS_CHACHA20_POLY1305_SHA256")));
  CHECK_FALSE(modern.allows(info("TLS_AES_128_CCM_SHA256")));
  CHECK_FALSE(modern.allows(info("ECDHE-RSA-AES256-GCM-SHA384")));
  CipherPolicy inter = policy("mozilla-intermediate");
  CHECK(inter.allows(info("ECDHE-RSA-AES256-GCM-SHA384")));
  CHECK(inter.allows(info("DHE-RSA-CHACHA20-POLY1305")));
  CHECK_FALSE(inter.allows(info("ECDHE-RSA-AES128-SHA")));
  CHECK_FALSE(inter.allows(info("AES256-GCM-SHA384")));
  CipherPolicy nist = policy("nist-800-52r2");
  CHECK(nist.allows(info("TLS_AES_128_CCM_SHA256")));
  CHECK_FALSE(nist.allows(info("TLS_CHACHA20_POLY1305_SHA256")));
  CHECK_FALSE(nist.allows(info("ECDHE-RSA-CHACHA20-POLY1305")));
  CHECK(nist.allows(info("ECDHE-RSA-AES128-SHA256")));
  CHECK_FALSE(nist.allows(info("ECDHE-RSA-AES128-SHA")));
}

TEST_CASE("OpenSSL cipher strings: HIGH is OpenSSL's keyword; TLS 1.3 names constrain TLS 1.3") {
  CipherPolicy aesgcm = policy("ECDHE+AESGCM");
  CHECK(aesgcm.allows(info("ECDHE-RSA-AES128-GCM-SHA256")));
  CHECK_FALSE(aesgcm.allows(info("ECDHE-RSA-CHACHA20-POLY1305")));
  CHECK(aesgcm.allows(info("TLS_CHACHA20_POLY1305_SHA256")));  // no TLS 1.3 name: all pass
  CipherPolicy both = policy("ECDHE+AESGCM:TLS_AES_256_GCM_SHA384");
  CHECK(both.allows(info("TLS_AES_256_GCM_SHA384")));
  CHECK_FALSE(both.allows(info("TLS_AES_128_GCM_SHA256")));
  CipherPolicy only13 = policy("TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256");
  CHECK_FALSE(only13.allows(info("ECDHE-RSA-AES128-GCM-SHA256")));
  CHECK(only13.allows(info("TLS_CHACHA20_POLY1305_SHA256")));
  CipherPolicy upper = policy("HIGH");
  CHECK(upper.size() > 0);
  CHECK(upper.label() == "HIGH");
}

TEST_CASE("cipher strings OpenSSL cannot use are config errors") {
  auto nothing = CipherPolicy::parse("NO-SUCH-CIPHER", catalog());
  REQUIRE(std::holds_alternative<std::string>(nothing));
  CHECK(std::get<std::string>(nothing).find("OpenSSL selects no cipher") != std::string::npos);
  auto bad13 = CipherPolicy::parse("TLS_NOT_A_SUITE", catalog());
  REQUIRE(std::holds_alternative<std::string>(bad13));
  CHECK(std::get<std::string>(bad13).find("is not a TLS 1.3 suite") != std::string::npos);
}

TEST_CASE("exclusions: aliases and names exclude what OpenSSL selects, TLS 1.3 only when named") {
  auto parsed = CipherExclusion::parse({"aNULL, eNULL", "EXPORT", "DES", "3DES", "MD5", "PSK", "RC4", "kRSA+SHA1"},
                                       catalog());
  REQUIRE(std::holds_alternative<CipherExclusion>(parsed));
  const auto& e = std::get<CipherExclusion>(parsed);
  REQUIRE(e.excluded_by(info("ADH-AES256-GCM-SHA384")) != nullptr);
  CHECK(*e.excluded_by(info("ADH-AES256-GCM-SHA384")) == "aNULL");
  CHECK(*e.excluded_by(info("NULL-SHA256")) == "eNULL");
  CHECK(*e.excluded_by(info("PSK-AES128-GCM-SHA256")) == "PSK");
  CHECK(*e.excluded_by(info("AES128-SHA")) == "kRSA+SHA1");
  CHECK(e.excluded_by(info("AES128-GCM-SHA256")) == nullptr);
  CHECK(e.excluded_by(info("ECDHE-RSA-AES128-GCM-SHA256")) == nullptr);
  CHECK(e.excluded_by(info("TLS_AES_128_GCM_SHA256")) == nullptr);  // OpenSSL's TLS 1.3 defaults do not leak in

  auto named = std::get<CipherExclusion>(CipherExclusion::parse({"TLS_AES_128_CCM_8_SHA256"}, catalog()));
  CHECK(named.excluded_by(info("TLS_AES_128_CCM_8_SHA256")) != nullptr);
  CHECK(named.excluded_by(info("TLS_AES_128_GCM_SHA256")) == nullptr);

  auto bad = CipherExclusion::parse({"!RC4"}, catalog());
  REQUIRE(std::holds_alternative<std::string>(bad));
  CHECK(std::get<std::string>(bad).find("must not start with") != std::string::npos);
}
