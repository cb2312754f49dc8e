// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "util/domain.h"

using namespace tlspolicyd::util;
using namespace std::string_literals;

TEST_CASE("domain: an ASCII name is compared in lower case without its trailing dot") {
  CHECK(normalize_domain("Example.ORG.") == "example.org");
  CHECK(normalize_domain(".") == "");
  CHECK(normalize_domain("") == "");
  CHECK(normalize_domain("a..b") == "a..b");
  CHECK(normalize_domain("Under_Score.example") == "under_score.example");      // no STD3 rules: as before
  CHECK(normalize_domain("XN--BCHER-KVA.example") == "xn--bcher-kva.example");  // an A-label is ASCII
  CHECK(normalize_domain("ab--cd.example") == "ab--cd.example");
}

TEST_CASE("domain: a U-label is compared as its A-label, case-folded (UTS 46, non-transitional)") {
  CHECK(normalize_domain("bücher.example") == "xn--bcher-kva.example");
  CHECK(normalize_domain("BÜCHER.EXAMPLE") == "xn--bcher-kva.example");
  CHECK(normalize_domain("Bücher.Example.") == "xn--bcher-kva.example");
  CHECK(normalize_domain("faß.de") == "xn--fa-hia.de");                    // non-transitional: ß stays (not "fass")
  CHECK(normalize_domain("u\u0308ber.example") == "xn--ber-goa.example");  // NFC: u + U+0308 is ü
  CHECK(normalize_domain("über.example") == "xn--ber-goa.example");
  CHECK(normalize_domain("mx.bücher.example") == "mx.xn--bcher-kva.example");
  CHECK(normalize_domain("a\u3002b\u00fc") == "a.xn--b-eha");  // an ideographic full stop is a dot
  CHECK(normalize_domain("ab--cd.bücher.example") == "ab--cd.xn--bcher-kva.example");  // ASCII labels as they are
}

TEST_CASE("domain: a label libidn2 refuses is compared by its bytes, and the others still convert") {
  CHECK(normalize_domain("\xff.bücher.example") == "\xff.xn--bcher-kva.example");  // not UTF-8
  CHECK(normalize_domain("\xe2\x98\x83.Example") == "\xe2\x98\x83.example");       // a snowman is disallowed
  CHECK(normalize_domain("-bü.example") == "-bü.example");                         // a leading hyphen
  CHECK(normalize_domain("bü--x.example") == "bü--x.example");                     // "--" in the 3rd and 4th place
  // A NUL byte is refused: libidn2 would read only what is before it.
  const std::string nul = "b\xc3\xbc"s + '\0' + "x.example";
  CHECK(normalize_domain(nul) == nul);
  CHECK(normalize_domain(nul) != "xn--b-eha.example");  // what "bü" would give
}

namespace {
std::string repeat(std::string_view label, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += std::string(i == 0 ? "" : ".") + std::string(label);
  return out;
}
}  // namespace

TEST_CASE("domain: a hostile name costs libidn2 little, and a listed domain still ends it") {
  // Past 254 octets of form (here 25 A-labels and "example"), the labels on the left stay bytes.
  CHECK(normalize_domain(repeat("bü", 100) + ".Example") ==
        repeat("bü", 75) + "." + repeat("xn--b-eha", 25) + ".example");
  // At most MaxIdnaLabels labels go to libidn2, even when each maps to one letter (a full-width A).
  CHECK(normalize_domain(repeat("\uff21", 40) + ".example") ==
        repeat("\uff21", 8) + "." + repeat("a", MaxIdnaLabels) + ".example");
  // A label longer than any A-label's U-label is not read.
  const std::string long_label = std::string("ü").append(MaxIdnaLabelBytes, 'a');
  CHECK(normalize_domain(long_label + ".Bücher.example") == long_label + ".xn--bcher-kva.example");
  const std::string huge(1 << 20, '\xc3');  // a megabyte of one byte, not UTF-8
  CHECK(normalize_domain(huge) == huge);
}

TEST_CASE("domain: an address keeps its local part and folds its domain") {
  CHECK(normalize_address("User@Bücher.Example") == "user@xn--bcher-kva.example");
  CHECK(normalize_address("jösé@Example.ORG") == "jösé@example.org");                 // the local part is not a domain
  CHECK(normalize_address("JÖSÉ@bücher.example.") == "jÖsÉ@xn--bcher-kva.example.");  // trailing dot kept
  CHECK(normalize_address("a@b@bücher.example") == "a@b@xn--bcher-kva.example");      // after the last '@'
  CHECK(normalize_address("Postmaster") == "postmaster");
  CHECK(normalize_address("") == "");
}

TEST_CASE("domain: a configured name gets the same form, or an error") {
  CHECK(domain_entry("BÜCHER.example.") == std::pair<std::string, std::string>("xn--bcher-kva.example", ""));
  CHECK(domain_entry("Bank.Example") == std::pair<std::string, std::string>("bank.example", ""));
  CHECK(domain_entry("\xff.example").second.find("IDNA 2008 refuses (string encoding error)") != std::string::npos);
  CHECK(domain_entry("\xe2\x98\x83.example").second.find("disallowed character") != std::string::npos);
  CHECK(domain_entry("\xe2\x98\x83.example").first.empty());
  CHECK(domain_entry(std::string(MaxIdnaLabelBytes, 'a') + "ü").second ==
        "has a label that IDNA 2008 refuses (longer than a label can be)");
  CHECK(domain_entry(repeat("bü", 30)).second == "is too long for a domain name");
  CHECK(domain_entry(std::string(5000, 'a')).second.empty());  // ASCII: as long as before
}
