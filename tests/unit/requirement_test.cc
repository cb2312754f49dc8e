// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "policy/requirement.h"

using namespace tlspolicyd;
using policy::Failure;
using policy::Requirement;
using policy::RequirementKey;
using policy::Unmet;
using protocol::Attr;
using protocol::Request;

namespace {

std::shared_ptr<const tls::CipherCatalog> catalog() {
  static const auto c = tls::CipherCatalog::load();
  return c;
}

// A request negotiated with `protocol` and `cipher`; the strings must outlive it.
Request tls_request(std::string_view protocol, std::string_view cipher, std::string_view keysize = "256") {
  Request r;
  r.set(Attr::EncryptionProtocol, protocol);
  r.set(Attr::EncryptionCipher, cipher);
  r.set(Attr::EncryptionKeysize, keysize);
  r.finalize();
  return r;
}

// The failure's text, or "" when the requirement holds.
std::string text(const std::optional<Failure>& failure) {
  return failure ? policy::to_string(*failure) : std::string();
}

}  // namespace

TEST_CASE("requirement: plaintext satisfies no key") {
  Request plain;
  plain.finalize();
  Requirement tls;
  tls.tls = true;
  CHECK(text(tls.check(plain)) == "no TLS");
  Requirement keysize;
  keysize.min_keysize = 1;
  CHECK(text(keysize.check(plain)) == "no TLS");
  CHECK_FALSE(tls.check(tls_request("TLSv1", "AES128-SHA")));
}

TEST_CASE("requirement: min_protocol compares versions, unknown ones never pass") {
  Requirement r;
  r.min_protocol = tls::TlsVersion::TLSv1_2;
  CHECK(text(r.check(tls_request("TLSv1", "AES128-SHA"))) == "protocol TLSv1 < TLSv1.2");
  CHECK(text(r.check(tls_request("TLSv1.1", "AES128-SHA"))) == "protocol TLSv1.1 < TLSv1.2");
  CHECK_FALSE(r.check(tls_request("TLSv1.2", "AES128-SHA")));
  CHECK_FALSE(r.check(tls_request("TLSv1.3", "TLS_AES_128_GCM_SHA256")));
  CHECK(text(r.check(tls_request("TLSv1.4", "X"))) == "unknown protocol \"TLSv1.4\" (TLSv1.2 or newer required)");
}

TEST_CASE("requirement: cipher keys fail closed on names OpenSSL does not know") {
  Requirement r;
  r.forward_secrecy = true;
  r.catalog = catalog();
  CHECK(text(r.check(tls_request("TLSv1.2", "MADE-UP-CIPHER"))) == "cipher MADE-UP-CIPHER unknown to OpenSSL");
  CHECK(text(r.check(tls_request("TLSv1.2", ""))) == "cipher (none) unknown to OpenSSL");
}

TEST_CASE("requirement: forward secrecy, AEAD, key size") {
  Requirement fs;
  fs.forward_secrecy = true;
  fs.catalog = catalog();
  CHECK(text(fs.check(tls_request("TLSv1.2", "AES128-SHA"))) == "cipher AES128-SHA without forward secrecy");
  CHECK_FALSE(fs.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-SHA")));
  CHECK_FALSE(fs.check(tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384")));

  Requirement aead;
  aead.aead = true;
  aead.catalog = catalog();
  CHECK(text(aead.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-SHA"))) == "cipher ECDHE-RSA-AES128-SHA not AEAD");
  CHECK_FALSE(aead.check(tls_request("TLSv1.2", "AES256-GCM-SHA384")));

  Requirement bits;
  bits.min_keysize = 256;
  CHECK(text(bits.check(tls_request("TLSv1.2", "AES128-SHA", "128"))) == "key size 128 < 256");
  CHECK_FALSE(bits.check(tls_request("TLSv1.2", "AES256-SHA", "256")));
}

TEST_CASE("requirement: ciphers and exclusions name the cause") {
  Requirement r;
  r.catalog = catalog();
  r.ciphers = std::get<tls::CipherPolicy>(tls::CipherPolicy::parse("mozilla-intermediate", *catalog()));
  r.exclude_ciphers = std::get<tls::CipherExclusion>(tls::CipherExclusion::parse({"CHACHA20"}, *catalog()));
  CHECK(text(r.check(tls_request("TLSv1.2", "AES128-SHA"))) == "cipher AES128-SHA not in mozilla-intermediate");
  CHECK(text(r.check(tls_request("TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305"))) ==
        "cipher ECDHE-RSA-CHACHA20-POLY1305 excluded by CHACHA20");
  CHECK_FALSE(r.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")));
}

TEST_CASE("requirement: client certificates, trusted or by fingerprint") {
  Requirement trusted;
  trusted.client_cert = Requirement::ClientCert::Trusted;
  Request none = tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  CHECK(text(trusted.check(none)) == "no trusted client certificate");
  Request with = none;
  with.set(Attr::CcertSubject, "client.example.org");
  with.set(Attr::CcertFingerprint, "7A:15");
  CHECK_FALSE(trusted.check(with));

  Requirement listed;
  listed.client_cert = Requirement::ClientCert::Listed;
  REQUIRE(listed.fingerprints.add("7a:15").empty());
  REQUIRE(listed.fingerprints.add("0F62").empty());
  CHECK(text(listed.check(none)) == "no client certificate");
  CHECK_FALSE(listed.check(with));
  Request by_key = none;
  by_key.set(Attr::CcertFingerprint, "AA:BB");
  by_key.set(Attr::CcertPubkeyFingerprint, "0F:62");
  CHECK_FALSE(listed.check(by_key));
  Request other = none;
  other.set(Attr::CcertFingerprint, "AA:BB");
  CHECK(text(listed.check(other)) == "client certificate not listed");
}

TEST_CASE("requirement: keys are checked in order, the first failure is the reason") {
  Requirement r;
  r.min_protocol = tls::TlsVersion::TLSv1_2;
  r.min_keysize = 256;
  CHECK(text(r.check(tls_request("TLSv1", "AES128-SHA", "128"))) == "protocol TLSv1 < TLSv1.2");
  CHECK(text(r.check(tls_request("TLSv1.2", "AES128-SHA", "128"))) == "key size 128 < 256");
  CHECK_FALSE(Requirement{}.any());
  CHECK(r.any());
}

TEST_CASE("requirement: each key's failure is a value: the key, what was seen, what was required") {
  struct Case {
    Requirement requirement;
    Request request;
    Failure failure;
    std::string_view text;
  };
  auto with = [](auto set) {
    Requirement r;
    r.catalog = catalog();
    set(r);
    return r;
  };
  Request plain;
  plain.finalize();
  Request listed_other = tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  listed_other.set(Attr::CcertFingerprint, "AA:BB");
  const Case cases[] = {
      {with([](Requirement& r) { r.tls = true; }), plain, {RequirementKey::Tls, Unmet::NoTls, "", ""}, "no TLS"},
      {with([](Requirement& r) { r.aead = true; }), plain, {RequirementKey::Tls, Unmet::NoTls, "", ""}, "no TLS"},
      {with([](Requirement& r) { r.min_protocol = tls::TlsVersion::TLSv1_2; }), tls_request("TLSv1", "AES128-SHA"),
       {RequirementKey::MinProtocol, Unmet::OldProtocol, "TLSv1", "TLSv1.2"}, "protocol TLSv1 < TLSv1.2"},
      {with([](Requirement& r) { r.min_protocol = tls::TlsVersion::TLSv1_3; }), tls_request("SSLv9", "AES128-SHA"),
       {RequirementKey::MinProtocol, Unmet::UnknownProtocol, "SSLv9", "TLSv1.3"},
       "unknown protocol \"SSLv9\" (TLSv1.3 or newer required)"},
      {with([](Requirement& r) {
         r.ciphers = std::get<tls::CipherPolicy>(tls::CipherPolicy::parse("mozilla-intermediate", *catalog()));
       }),
       tls_request("TLSv1.2", "AES128-SHA"),
       {RequirementKey::Ciphers, Unmet::CipherNotAllowed, "AES128-SHA", "mozilla-intermediate"},
       "cipher AES128-SHA not in mozilla-intermediate"},
      {with([](Requirement& r) {
         r.ciphers = std::get<tls::CipherPolicy>(tls::CipherPolicy::parse("mozilla-intermediate", *catalog()));
       }),
       tls_request("TLSv1.2", "MADE-UP"), {RequirementKey::Ciphers, Unmet::UnknownCipher, "MADE-UP", ""},
       "cipher MADE-UP unknown to OpenSSL"},
      {with([](Requirement& r) {
         r.exclude_ciphers = std::get<tls::CipherExclusion>(tls::CipherExclusion::parse({"CHACHA20"}, *catalog()));
       }),
       tls_request("TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305"),
       {RequirementKey::ExcludeCiphers, Unmet::CipherExcluded, "ECDHE-RSA-CHACHA20-POLY1305", "CHACHA20"},
       "cipher ECDHE-RSA-CHACHA20-POLY1305 excluded by CHACHA20"},
      {with([](Requirement& r) {
         r.exclude_ciphers = std::get<tls::CipherExclusion>(tls::CipherExclusion::parse({"CHACHA20"}, *catalog()));
       }),
       tls_request("TLSv1.2", ""), {RequirementKey::ExcludeCiphers, Unmet::UnknownCipher, "", ""},
       "cipher (none) unknown to OpenSSL"},
      {with([](Requirement& r) { r.forward_secrecy = true; }), tls_request("TLSv1.2", "AES128-SHA"),
       {RequirementKey::ForwardSecrecy, Unmet::NoForwardSecrecy, "AES128-SHA", ""},
       "cipher AES128-SHA without forward secrecy"},
      {with([](Requirement& r) { r.aead = true; }), tls_request("TLSv1.2", "ECDHE-RSA-AES128-SHA"),
       {RequirementKey::Aead, Unmet::NotAead, "ECDHE-RSA-AES128-SHA", ""}, "cipher ECDHE-RSA-AES128-SHA not AEAD"},
      {with([](Requirement& r) { r.min_keysize = 256; }), tls_request("TLSv1.2", "AES128-SHA", "128"),
       {RequirementKey::MinKeysize, Unmet::SmallKey, "128", "256"}, "key size 128 < 256"},
      {with([](Requirement& r) { r.client_cert = Requirement::ClientCert::Trusted; }),
       tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384"), {RequirementKey::ClientCert, Unmet::NoTrustedCert, "", ""},
       "no trusted client certificate"},
      {with([](Requirement& r) {
         r.client_cert = Requirement::ClientCert::Listed;
         REQUIRE(r.fingerprints.add("7a:15").empty());
       }),
       tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384"), {RequirementKey::ClientCert, Unmet::NoCert, "", ""},
       "no client certificate"},
      {with([](Requirement& r) {
         r.client_cert = Requirement::ClientCert::Listed;
         REQUIRE(r.fingerprints.add("7a:15").empty());
       }),
       listed_other, {RequirementKey::ClientCert, Unmet::CertNotListed, "", ""}, "client certificate not listed"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const std::optional<Failure> failure = c.requirement.check(c.request);
    REQUIRE(failure.has_value());
    CHECK(failure->key == c.failure.key);
    CHECK(failure->unmet == c.failure.unmet);
    CHECK(failure->seen == c.failure.seen);
    CHECK(failure->required == c.failure.required);
    CHECK(policy::to_string(*failure) == c.text);
  }
}

TEST_CASE("failure: a downgrade's text, as the TLS history reports it") {
  CHECK(policy::to_string(Failure{RequirementKey::Downgrade, Unmet::PlaintextAfterTls, "40", "TLSv1.3"}) ==
        "plaintext after 40 TLS transactions (best TLSv1.3)");
  CHECK(policy::to_string(Failure{RequirementKey::Downgrade, Unmet::LowerProtocol, "TLSv1", "TLSv1.2"}) ==
        "TLSv1 below TLSv1.2 seen before");
}
