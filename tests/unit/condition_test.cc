// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <memory>

#include "match/condition.h"

using tlspolicyd::match::BoolMatcher;
using tlspolicyd::match::Condition;
using tlspolicyd::match::Field;
using tlspolicyd::protocol::Attr;
using tlspolicyd::protocol::Request;

namespace {
Condition sasl(bool want) { return Condition::key(std::make_shared<BoolMatcher>(Field::Sasl, want)); }
Condition tls(bool want) { return Condition::key(std::make_shared<BoolMatcher>(Field::Tls, want)); }
Request request(bool with_sasl, bool with_tls) {
  Request r;
  if (with_sasl) r.set(Attr::SaslMethod, "PLAIN");
  if (with_tls) r.set(Attr::EncryptionProtocol, "TLSv1.3");
  r.finalize();
  return r;
}
}  // namespace

TEST_CASE("all, any, not and keys combine as their names say") {
  const Condition both = Condition::all([] {
    std::vector<Condition> c;
    c.push_back(sasl(true));
    c.push_back(tls(true));
    return c;
  }());
  const Condition either = Condition::any([] {
    std::vector<Condition> c;
    c.push_back(sasl(true));
    c.push_back(tls(true));
    return c;
  }());
  const Condition not_sasl = Condition::negate(sasl(true));
  for (const bool s : {false, true}) {
    for (const bool t : {false, true}) {
      const Request r = request(s, t);
      CHECK(both.matches(r).yes() == (s && t));
      CHECK(either.matches(r).yes() == (s || t));
      CHECK(not_sasl.matches(r).yes() == !s);
    }
  }
  CHECK(both.uses(Field::Tls));
  CHECK_FALSE(not_sasl.uses(Field::Tls));
  CHECK(both.explain(request(true, false)) == "tls false does not match true");
  CHECK(either.explain(request(false, true)) == "any: tls true matches true");
  CHECK(not_sasl.explain(request(true, false)) == "not (sasl true matches true)");
}

TEST_CASE("every match key's name finds the key; keys that read an attribute carry its name") {
  for (std::size_t i = 0; i < tlspolicyd::match::FieldCount; ++i) {
    const auto field = static_cast<Field>(i);
    CHECK(tlspolicyd::match::find_field(tlspolicyd::match::field_name(field)) == field);
  }
  CHECK(tlspolicyd::match::field_name(Field::ClientAddress) == tlspolicyd::protocol::attr_name(Attr::ClientAddress));
  CHECK(tlspolicyd::match::field_name(Field::SenderDomain) == "sender_domain");
  CHECK(tlspolicyd::match::field_name(Field::Tls) == "tls");
  CHECK_FALSE(tlspolicyd::match::find_field("client"));
}

TEST_CASE("an empty all holds; an all of one key is that key") {
  const Condition none = Condition::all({});
  CHECK(none.empty());
  CHECK(none.matches(request(false, false)).yes());
  CHECK(none.explain(request(false, false)) == "no match keys");

  std::vector<Condition> one;
  one.push_back(tls(true));
  const Condition single = Condition::all(std::move(one));
  CHECK_FALSE(single.empty());
  CHECK(single.matches(request(false, true)).yes());
  CHECK(single.matches(request(false, false)).no());
  CHECK(single.explain(request(false, false)) == "tls false does not match true");
}

TEST_CASE("a domain key explains the form it compares, and a non-ASCII value as sent (issue 20)") {
  using tlspolicyd::match::DomainSet;
  using tlspolicyd::match::ListMatcher;
  using tlspolicyd::match::SetParts;
  auto set = std::make_shared<DomainSet>();
  REQUIRE(set->add("xn--bcher-kva.example").empty());
  SetParts<DomainSet> parts;
  parts.plain.push_back(set);
  const Condition key = Condition::key(
      std::make_shared<ListMatcher<DomainSet>>(Field::SenderDomain, "xn--bcher-kva.example", std::move(parts)));
  Request r;
  r.set(Attr::Sender, "jösé@Bücher.example");
  r.finalize();
  CHECK(key.explain(r) ==
        "sender_domain \"xn--bcher-kva.example\" (sent \"Bücher.example\") matches xn--bcher-kva.example");
  r.set(Attr::Sender, "a@XN--BCHER-KVA.example");
  CHECK(key.explain(r) == "sender_domain \"xn--bcher-kva.example\" matches xn--bcher-kva.example");
}
