// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "match/regex.h"

using namespace tlspolicyd::match;

TEST_CASE("regex: unanchored search, caseless when asked, on raw bytes") {
  auto r = Regex::compile("^mx[0-9]+\\.", true);
  REQUIRE(std::holds_alternative<Regex>(r));
  const Regex& re = std::get<Regex>(r);
  CHECK(re.search("MX12.example.com").yes());
  CHECK(re.search("smtp.example.com").no());
  auto cs = Regex::compile("Example", false);
  CHECK(std::get<Regex>(cs).search("an Example here").yes());
  CHECK(std::get<Regex>(cs).search("an example here").no());
  auto bytes = Regex::compile("\\xc3", false);
  CHECK(std::get<Regex>(bytes).search("j\xc3\xb6s\xc3\xa9").yes());
  CHECK(std::get<Regex>(bytes).search("invalid \xc3 utf-8").yes());
}

TEST_CASE("regex: a bad pattern is an error with PCRE2's reason") {
  auto r = Regex::compile("a(b", false);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r).find("regex /a(b/: missing closing parenthesis") == 0);
}

TEST_CASE("regex: a catastrophic pattern on a hostile value is an error, never a silent no") {
  auto r = Regex::compile("(a+)+$", false);
  REQUIRE(std::holds_alternative<Regex>(r));
  const Found f = std::get<Regex>(r).search(std::string(5000, 'a') + "b");
  REQUIRE(f.error());
  CHECK(f.regex == &std::get<Regex>(r));
  CHECK(error_text(f) == "regex /(a+)+$/ failed: match limit exceeded");
}

TEST_CASE("regex: a value up to the largest line limit never exhausts the JIT stack") {
  // The audit's pattern: one frame per repeated label; 1 364 labels broke PCRE2's
  // default 32 KiB JIT stack and the HELO silently did not match.
  auto r = Regex::compile("^([a-z0-9-]+\\.)+dynamic\\.example$", true);
  REQUIRE(std::holds_alternative<Regex>(r));
  const Regex& re = std::get<Regex>(r);
  for (std::size_t bytes : {std::size_t{2800}, std::size_t{8192}, std::size_t{65536}, std::size_t{1} << 20}) {
    CAPTURE(bytes);
    std::string helo;
    while (helo.size() + 2 + 15 <= bytes) helo += "a.";
    CHECK(re.search(helo + "dynamic.example").yes());
    // Not matching a megabyte takes more than the match limit's backtracking: an
    // error then (fails closed), never a "yes".
    const Found other = re.search(helo + "static.example");
    CHECK((bytes <= 65536 ? other.no() : !other.yes()));
  }
}

TEST_CASE("regex: three-valued answers: an error decides only what the rest leaves open") {
  const Found yes = Found::of(true), no = Found::of(false), err{Found::Error, nullptr, -47};
  CHECK(any_of(err, yes).yes());
  CHECK(any_of(no, err).error());
  CHECK(any_of(no, no).no());
  CHECK(all_of(err, no).no());
  CHECK(all_of(yes, err).error());
  CHECK(all_of(yes, yes).yes());
  CHECK(negate(err).error());
  CHECK(negate(yes).no());
  CHECK(error_text(yes).empty());
}

TEST_CASE("regex entries are written /pattern/") {
  std::string_view inner;
  CHECK(is_regex_entry("/abc/", inner));
  CHECK(inner == "abc");
  CHECK(is_regex_entry("//", inner));
  CHECK(inner.empty());
  CHECK_FALSE(is_regex_entry("/abc", inner));
  CHECK_FALSE(is_regex_entry("/", inner));
  CHECK_FALSE(is_regex_entry("abc", inner));
}
