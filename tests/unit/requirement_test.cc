// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "policy/requirement.h"

using namespace tlspolicyd;
using policy::Requirement;
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

}  // namespace

TEST_CASE("requirement: plaintext satisfies no key") {
  Request plain;
  plain.finalize();
  Requirement tls;
  tls.tls = true;
  CHECK(tls.check(plain) == "no TLS");
  Requirement keysize;
  keysize.min_keysize = 1;
  CHECK(keysize.check(plain) == "no TLS");
  CHECK(tls.check(tls_request("TLSv1", "AES128-SHA")).empty());
}

TEST_CASE("requirement: min_protocol compares versions, unknown ones never pass") {
  Requirement r;
  r.min_protocol = tls::TlsVersion::TLSv1_2;
  CHECK(r.check(tls_request("TLSv1", "AES128-SHA")) == "protocol TLSv1 < TLSv1.2");
  CHECK(r.check(tls_request("TLSv1.1", "AES128-SHA")) == "protocol TLSv1.1 < TLSv1.2");
  CHECK(r.check(tls_request("TLSv1.2", "AES128-SHA")).empty());
  CHECK(r.check(tls_request("TLSv1.3", "TLS_AES_128_GCM_SHA256")).empty());
  CHECK(r.check(tls_request("TLSv1.4", "X")) == "unknown protocol \"TLSv1.4\" (TLSv1.2 or newer required)");
}

TEST_CASE("requirement: cipher keys fail closed on names OpenSSL does not know") {
  Requirement r;
  r.forward_secrecy = true;
  r.catalog = catalog();
  CHECK(r.check(tls_request("TLSv1.2", "MADE-UP-CIPHER")) == "cipher MADE-UP-CIPHER unknown to OpenSSL");
  CHECK(r.check(tls_request("TLSv1.2", "")) == "cipher (none) unknown to OpenSSL");
}

TEST_CASE("requirement: forward secrecy, AEAD, key size") {
  Requirement fs;
  fs.forward_secrecy = true;
  fs.catalog = catalog();
  CHECK(fs.check(tls_request("TLSv1.2", "AES128-SHA")) == "cipher AES128-SHA without forward secrecy");
  CHECK(fs.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-SHA")).empty());
  CHECK(fs.check(tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384")).empty());

  Requirement aead;
  aead.aead = true;
  aead.catalog = catalog();
  CHECK(aead.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-SHA")) == "cipher ECDHE-RSA-AES128-SHA not AEAD");
  CHECK(aead.check(tls_request("TLSv1.2", "AES256-GCM-SHA384")).empty());

  Requirement bits;
  bits.min_keysize = 256;
  CHECK(bits.check(tls_request("TLSv1.2", "AES128-SHA", "128")) == "key size 128 < 256");
  CHECK(bits.check(tls_request("TLSv1.2", "AES256-SHA", "256")).empty());
}

TEST_CASE("requirement: ciphers and exclusions name the cause") {
  Requirement r;
  r.catalog = catalog();
  r.ciphers = std::get<tls::CipherPolicy>(tls::CipherPolicy::parse("mozilla-intermediate", *catalog()));
  r.exclude_ciphers = std::get<tls::CipherExclusion>(tls::CipherExclusion::parse({"CHACHA20"}, *catalog()));
  CHECK(r.check(tls_request("TLSv1.2", "AES128-SHA")) == "cipher AES128-SHA not in mozilla-intermediate");
  CHECK(r.check(tls_request("TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305")) ==
        "cipher ECDHE-RSA-CHACHA20-POLY1305 excluded by CHACHA20");
  CHECK(r.check(tls_request("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")).empty());
}

TEST_CASE("requirement: client certificates, trusted or by fingerprint") {
  Requirement trusted;
  trusted.client_cert = Requirement::ClientCert::Trusted;
  Request none = tls_request("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  CHECK(trusted.check(none) == "no trusted client certificate");
  Request with = none;
  with.set(Attr::CcertSubject, "client.example.org");
  with.set(Attr::CcertFingerprint, "7A:15");
  CHECK(trusted.check(with).empty());

  Requirement listed;
  listed.client_cert = Requirement::ClientCert::Listed;
  REQUIRE(listed.fingerprints.add("7a:15").empty());
  REQUIRE(listed.fingerprints.add("0F62").empty());
  CHECK(listed.check(none) == "no client certificate");
  CHECK(listed.check(with).empty());
  Request by_key = none;
  by_key.set(Attr::CcertFingerprint, "AA:BB");
  by_key.set(Attr::CcertPubkeyFingerprint, "0F:62");
  CHECK(listed.check(by_key).empty());
  Request other = none;
  other.set(Attr::CcertFingerprint, "AA:BB");
  CHECK(listed.check(other) == "client certificate not listed");
}

TEST_CASE("requirement: keys are checked in order, the first failure is the reason") {
  Requirement r;
  r.min_protocol = tls::TlsVersion::TLSv1_2;
  r.min_keysize = 256;
  CHECK(r.check(tls_request("TLSv1", "AES128-SHA", "128")) == "protocol TLSv1 < TLSv1.2");
  CHECK(r.check(tls_request("TLSv1.2", "AES128-SHA", "128")) == "key size 128 < 256");
  CHECK_FALSE(Requirement{}.any());
  CHECK(r.any());
}
