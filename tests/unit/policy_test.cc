// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "policy/policy.h"

using namespace tlspolicyd::policy;
using tlspolicyd::protocol::Request;

namespace {
Action act(std::string_view text) { return std::get<Action>(Action::parse(text)); }
Rule plain(std::string name, Mode mode, std::string_view action) {
  Rule r;
  r.name = std::move(name);
  r.mode = mode;
  r.action = act(action);
  return r;
}
}  // namespace

TEST_CASE("policy without rules answers the default action") {
  Request r;
  r.finalize();
  Policy p({}, act("dunno"));
  Decision d = p.evaluate(r);
  CHECK(d.action == "DUNNO");
  CHECK(d.rule == nullptr);
  Policy deferring({}, act("defer_if_permit 4.7.1 later"));
  CHECK(deferring.evaluate(r).action == "DEFER_IF_PERMIT 4.7.1 later");
}

TEST_CASE("policy: a rule without requirement answers its action and stops") {
  Request r;
  r.finalize();
  std::vector<Rule> rules;
  rules.push_back(plain("first", Mode::Enforce, "reject 5.7.1 first"));
  rules.push_back(plain("second", Mode::Enforce, "reject 5.7.1 second"));
  Policy p(std::move(rules), act("dunno"));
  Decision d = p.evaluate(r);
  CHECK(d.action == "REJECT 5.7.1 first");
  REQUIRE(d.rule != nullptr);
  CHECK(d.rule->name == "first");
}

TEST_CASE("policy: warn remembers the first WARN, observe goes on") {
  Request r;
  r.finalize();
  std::vector<Rule> rules;
  rules.push_back(plain("seen", Mode::Observe, "reject 5.7.1 observed"));
  rules.push_back(plain("w1", Mode::Warn, "reject 5.7.1 Mail needs TLS"));
  rules.push_back(plain("w2", Mode::Warn, "defer later"));
  Policy p(std::move(rules), act("dunno"));
  Decision d = p.evaluate(r);
  CHECK(d.action == "WARN tlspolicyd rule \"w1\" would answer: REJECT 5.7.1 Mail needs TLS");
  REQUIRE(d.rule != nullptr);
  CHECK(d.rule->name == "w1");
  CHECK(d.mode == Mode::Warn);
}
