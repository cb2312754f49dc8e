// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "match/regex.h"

using namespace tlspolicyd::match;

TEST_CASE("regex: unanchored search, caseless when asked, on raw bytes") {
  auto r = Regex::compile("^mx[0-9]+\\.", true);
  REQUIRE(std::holds_alternative<Regex>(r));
  const Regex& re = std::get<Regex>(r);
  CHECK(re.search("MX12.example.com"));
  CHECK_FALSE(re.search("smtp.example.com"));
  auto cs = Regex::compile("Example", false);
  CHECK(std::get<Regex>(cs).search("an Example here"));
  CHECK_FALSE(std::get<Regex>(cs).search("an example here"));
  auto bytes = Regex::compile("\\xc3", false);
  CHECK(std::get<Regex>(bytes).search("j\xc3\xb6s\xc3\xa9"));
  CHECK(std::get<Regex>(bytes).search("invalid \xc3 utf-8"));
}

TEST_CASE("regex: a bad pattern is an error with PCRE2's reason") {
  auto r = Regex::compile("a(b", false);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r).find("regex /a(b/: missing closing parenthesis") == 0);
}

TEST_CASE("regex: a catastrophic pattern on a hostile value ends as no match") {
  auto r = Regex::compile("(a+)+$", false);
  REQUIRE(std::holds_alternative<Regex>(r));
  CHECK_FALSE(std::get<Regex>(r).search(std::string(5000, 'a') + "b"));
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
