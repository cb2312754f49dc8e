// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "match/value_sets.h"

using namespace tlspolicyd::match;
using tlspolicyd::tls::TlsVersion;

namespace {
template <class Set>
Set make(std::initializer_list<std::string_view> entries) {
  Set s;
  for (auto e : entries) {
    std::string err = s.add(e);
    REQUIRE_MESSAGE(err.empty(), e << ": " << err);
  }
  return s;
}
}  // namespace

TEST_CASE("address set: user@dom, user@, @dom, @.dom, <>, /regex/") {
  auto s = make<AddressSet>({"Alice@Example.ORG", "postmaster@", "@partner.example", "@.law.example", "<>", "/^bounce-/"});
  CHECK(s.contains("alice@example.org").yes());
  CHECK(s.contains("bob@example.org").no());
  CHECK(s.contains("postmaster@anything.example").yes());
  CHECK(s.contains("x@partner.example").yes());
  CHECK(s.contains("x@sub.partner.example").no());  // @dom is exact
  CHECK(s.contains("x@sub.law.example").yes());
  CHECK(s.contains("x@a.b.law.example").yes());
  CHECK(s.contains("x@law.example").no());  // @.dom: subdomains only
  CHECK(s.contains("").yes());                      // <> is the null sender
  CHECK(s.contains("bounce-123@lists.example").yes());
  CHECK(s.contains("x@partner.example.").yes());  // a trailing dot is the same domain
}

TEST_CASE("address set: the null sender matches only <>") {
  auto s = make<AddressSet>({"@example.org"});
  CHECK(s.contains("").no());
}

TEST_CASE("address set: entries that are not address forms") {
  AddressSet s;
  CHECK(s.add("example.org").find("not an address form") != std::string::npos);
  CHECK(s.add("a@").empty());
  CHECK(s.add("@").find("has no domain") != std::string::npos);
  CHECK(s.add("@.").find("has no domain") != std::string::npos);
  CHECK(s.add("//").find("empty /regex/") != std::string::npos);
  CHECK(s.add("/(/").find("missing closing parenthesis") != std::string::npos);
  CHECK(s.add("a@b c").find("not a domain name") != std::string::npos);
}

TEST_CASE("domain set: exact, subdomains only, regex, case and trailing dot") {
  auto s = make<DomainSet>({"Example.COM", ".law.example", "/^mx[0-9]+\\.bank\\.example$/"});
  CHECK(s.contains("example.com").yes());
  CHECK(s.contains("sub.example.com").no());
  CHECK(s.contains("a.law.example").yes());
  CHECK(s.contains("law.example").no());
  CHECK(s.contains("outlaw.example").no());
  CHECK(s.contains("mx12.bank.example").yes());
  CHECK(s.contains("mx.bank.example").no());
  CHECK(s.contains(tlspolicyd::util::normalize_domain("EXAMPLE.com.")).yes());
  DomainSet bad;
  CHECK(bad.add("a@example.com").find("is an address") != std::string::npos);
  CHECK(bad.add(".").find("has no domain") != std::string::npos);
  CHECK(bad.add("two words").find("not a domain name") != std::string::npos);
}

TEST_CASE("domain set: a U-label entry matches its A-label and the reverse (issue 20)") {
  using tlspolicyd::util::normalize_domain;
  auto s = make<DomainSet>({"bücher.example", ".XN--FA-HIA.DE"});
  CHECK(s.contains(normalize_domain("xn--bcher-kva.example")).yes());
  CHECK(s.contains(normalize_domain("BÜCHER.example")).yes());
  CHECK(s.contains(normalize_domain("bücher.example.")).yes());
  CHECK(s.contains(normalize_domain("mx.faß.de")).yes());
  CHECK(s.contains(normalize_domain("mx.FASS.de")).no());  // non-transitional: ß is not ss
  CHECK(s.contains(normalize_domain("faß.de")).no());      // .dom: subdomains only
  CHECK(s.contains(normalize_domain("mx.\xff.faß.de")).yes());  // a bad label spoils only itself
  auto r = make<DomainSet>({"/^xn--bcher-kva\\./"});  // a /regex/ sees the A-label
  CHECK(r.contains(normalize_domain("bücher.example")).yes());
  DomainSet bad;
  CHECK(bad.add("\xe2\x98\x83.example") == "\"\\xe2\\x98\\x83.example\" has a label that IDNA 2008 refuses "
                                          "(string contains a disallowed character)");
  CHECK(bad.add(".bü--x.example").find("IDNA 2008 refuses") != std::string::npos);
  CHECK(bad.add("\xc2\xad").find("has no domain") != std::string::npos);  // a soft hyphen maps to nothing
  CHECK(bad.add("\xef\xbc\xa0x.example").find("is an address") != std::string::npos);  // a full-width '@'
}

TEST_CASE("address set: the domain of an entry and of a request compare as A-labels") {
  using tlspolicyd::util::normalize_address;
  auto s = make<AddressSet>({"Jösé@Bücher.example", "@xn--fa-hia.de", "@.bücher.example"});
  CHECK(s.contains(normalize_address("jösé@xn--bcher-kva.example")).yes());
  CHECK(s.contains(normalize_address("jösé@BÜCHER.example")).yes());
  CHECK(s.contains(normalize_address("JÖSÉ@bücher.example")).no());  // the local part: ASCII case only
  CHECK(s.contains(normalize_address("a@FAß.de")).yes());
  CHECK(s.contains(normalize_address("a@faß.de.")).yes());
  CHECK(s.contains(normalize_address("a@mx.XN--BCHER-KVA.example")).yes());
  AddressSet bad;
  CHECK(bad.add("a@\xff.example").find("IDNA 2008 refuses") != std::string::npos);
}

TEST_CASE("network set: absent addresses are in no set") {
  auto s = make<NetworkSet>({"192.0.2.0/24", "2001:db8::/32"});
  CHECK(s.contains(tlspolicyd::net::parse_ip("192.0.2.9")));
  CHECK_FALSE(s.contains(std::nullopt));
  NetworkSet bad;
  CHECK(bad.add("192.0.2.1/24").find("host bits") != std::string::npos);
}

TEST_CASE("text sets: exact and regex, case-sensitive or not") {
  auto cs = make<TextSet<false>>({"RCPT", "/^END/"});
  CHECK(cs.contains("RCPT").yes());
  CHECK(cs.contains("rcpt").no());
  CHECK(cs.contains("END-OF-MESSAGE").yes());
  auto ci = make<TextSet<true>>({"PLAIN"});
  CHECK(ci.contains("plain").yes());
}

TEST_CASE("port set") {
  auto s = make<PortSet>({"465", "587"});
  CHECK(s.contains(std::uint16_t{587}));
  CHECK_FALSE(s.contains(std::uint16_t{25}));
  CHECK_FALSE(s.contains(std::nullopt));
  PortSet bad;
  CHECK_FALSE(bad.add("0").empty());
  CHECK_FALSE(bad.add("65536").empty());
  CHECK_FALSE(bad.add("smtp").empty());
}

TEST_CASE("fingerprint set: compared without ':' and case") {
  auto s = make<FingerprintSet>({"7A:15:72:91", "0f623a3d"});
  CHECK(s.contains(normalize_fingerprint("7a1572:91")));
  CHECK(s.contains(normalize_fingerprint("0F:62:3A:3D")));
  CHECK_FALSE(s.contains(normalize_fingerprint("00:11")));
  CHECK_FALSE(s.contains(std::nullopt));
  FingerprintSet bad;
  CHECK_FALSE(bad.add("xyz").empty());
  CHECK_FALSE(bad.add("ABC").empty());  // odd number of hex digits
}

TEST_CASE("protocol set: comparisons, none, unknown never compares") {
  auto s = make<ProtocolSet>({"<TLSv1.2"});
  CHECK(s.contains(TlsVersion::TLSv1));
  CHECK(s.contains(TlsVersion::TLSv1_1));
  CHECK_FALSE(s.contains(TlsVersion::TLSv1_2));
  CHECK_FALSE(s.contains(TlsVersion::Plaintext));  // plaintext never compares
  CHECK_FALSE(s.contains(TlsVersion::Unknown));
  auto ge = make<ProtocolSet>({">=TLSv1.2"});
  CHECK(ge.contains(TlsVersion::TLSv1_3));
  CHECK_FALSE(ge.contains(TlsVersion::TLSv1_1));
  auto exact = make<ProtocolSet>({"TLSv1.0", "none"});
  CHECK(exact.contains(TlsVersion::TLSv1));
  CHECK(exact.contains(TlsVersion::Plaintext));
  CHECK_FALSE(exact.contains(TlsVersion::TLSv1_1));
  auto le = make<ProtocolSet>({"<=TLSv1.1", ">TLSv1.2", "=TLSv1.2"});
  CHECK(le.contains(TlsVersion::TLSv1_1));
  CHECK(le.contains(TlsVersion::TLSv1_3));
  CHECK(le.contains(TlsVersion::TLSv1_2));
  ProtocolSet bad;
  CHECK_FALSE(bad.add("TLS1.2").empty());
  CHECK_FALSE(bad.add(">=").empty());
}

TEST_CASE("normalisers") {
  CHECK(xtext_decode("Postfix+20Lab+20CA") == "Postfix Lab CA");
  CHECK(xtext_decode("a+2Bb+") == "a+b+");
  CHECK(xtext_decode("+zz") == "+zz");
  CHECK(normalize_fingerprint("ab:CD:01") == "ABCD01");
  CHECK_FALSE(normalize_fingerprint(""));
}
