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
  CHECK(to_string(d.answer) == "DUNNO");
  CHECK(d.rule == nullptr);
  Policy deferring({}, act("defer_if_permit 4.7.1 later"));
  CHECK(to_string(deferring.evaluate(r).answer) == "DEFER_IF_PERMIT 4.7.1 later");
}

TEST_CASE("policy: a rule without requirement answers its action and stops") {
  Request r;
  r.finalize();
  std::vector<Rule> rules;
  rules.push_back(plain("first", Mode::Enforce, "reject 5.7.1 first"));
  rules.push_back(plain("second", Mode::Enforce, "reject 5.7.1 second"));
  Policy p(std::move(rules), act("dunno"));
  Decision d = p.evaluate(r);
  CHECK(to_string(d.answer) == "REJECT 5.7.1 first");
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
  CHECK(to_string(d.answer) == "WARN tlspolicyd rule \"w1\" would answer: REJECT 5.7.1 Mail needs TLS");
  REQUIRE(d.rule != nullptr);
  CHECK(d.rule->name == "w1");
  CHECK(d.mode == Mode::Warn);
}

// ---- evaluation of loaded rule sets (SPEC 3.1)

#include "config/config_loader.h"

namespace {

std::shared_ptr<const tlspolicyd::config::Config> load(std::string_view yaml) {
  auto r = tlspolicyd::config::load_config_text(yaml, "t.yaml");
  for (const auto& e : r.errors) FAIL_CHECK(e.to_string());
  REQUIRE(r.config != nullptr);
  return r.config;
}

// Keeps the values alive for the views of the Request.
struct Req {
  std::vector<std::pair<tlspolicyd::protocol::Attr, std::string>> values;
  Request build() const {
    Request r;
    for (const auto& [a, v] : values) r.set(a, v);
    r.finalize();
    return r;
  }
};

using tlspolicyd::protocol::Attr;

const std::string Rules = R"yaml(
rules:
  - name: exempt
    match: { client_address: 192.0.2.0/24 }
    action: dunno
  - name: observed
    mode: observe
    require: { min_protocol: TLSv1.3 }
  - name: warned
    mode: warn
    match: { sender_domain: .example.net }
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 ${sender_domain} needs TLS 1.2 (${reason})"
  - name: enforced
    match: { sender_domain: bank.example }
    require: { tls: true }
    action: "550 5.7.1 ${rule}: ${reason}"
)yaml";

}  // namespace

TEST_CASE("policy: an exemption stops before any requirement") {
  auto c = load(Rules);
  Req q{{{Attr::ClientAddress, "192.0.2.7"}, {Attr::Sender, "a@bank.example"}}};
  Decision d = c->policy.evaluate(q.build());
  CHECK(to_string(d.answer) == "DUNNO");
  REQUIRE(d.rule != nullptr);
  CHECK(d.rule->name == "exempt");
  CHECK(d.violations.empty());
}

TEST_CASE("policy: enforce answers the filled-in action and stops; earlier violations are kept") {
  auto c = load(Rules);
  Req q{{{Attr::ClientAddress, "198.51.100.1"}, {Attr::Sender, "a@bank.example"}}};
  Trace trace;
  Decision d = c->policy.evaluate(q.build(), &trace);
  CHECK(to_string(d.answer) == "550 5.7.1 enforced: no TLS");
  CHECK(d.answer.kind == ActionKind::Numeric);
  CHECK(d.answer.verb == "550");
  CHECK(d.reason == Failure{RequirementKey::Tls, Unmet::NoTls, {}, {}});
  REQUIRE(d.violations.size() == 2);
  CHECK(d.violations[0].rule->name == "observed");
  CHECK(d.violations[0].reason == d.reason);
  CHECK(to_string(d.violations[0].rule->action.render({q.build(), "observed", &*d.violations[0].reason})) ==
        "REJECT 5.7.1 TLS requirement \"observed\" not met");  // what it would answer
  CHECK(d.violations[1].rule->name == "enforced");
  REQUIRE(trace.size() == 4);
  CHECK(trace[0].outcome == RuleTrace::Outcome::NotMatched);
  CHECK(trace[0].match == "client_address 198.51.100.1 does not match 192.0.2.0/24");
  CHECK(trace[1].outcome == RuleTrace::Outcome::Violated);
  CHECK_FALSE(trace[1].answered);
  CHECK(trace[2].outcome == RuleTrace::Outcome::NotMatched);
  CHECK(trace[3].outcome == RuleTrace::Outcome::Violated);
  CHECK(trace[3].answered);
}

TEST_CASE("policy: warn answers WARN with what enforce would have sent, and goes on") {
  auto c = load(Rules);
  Req q{{{Attr::Sender, "a@mx.example.net"}, {Attr::EncryptionProtocol, "TLSv1"}}};
  Decision d = c->policy.evaluate(q.build());
  CHECK(to_string(d.answer) ==
        "WARN tlspolicyd rule \"warned\" would answer: REJECT 5.7.1 mx.example.net needs TLS 1.2 (protocol TLSv1 < "
        "TLSv1.2)");
  CHECK(d.mode == Mode::Warn);
  CHECK(d.violations.size() == 2);  // observed and warned
}

TEST_CASE("policy: a requirement that holds lets evaluation go on to the default") {
  auto c = load(Rules);
  Req q{{{Attr::Sender, "a@mx.example.net"}, {Attr::EncryptionProtocol, "TLSv1.3"}}};
  Trace trace;
  Decision d = c->policy.evaluate(q.build(), &trace);
  CHECK(to_string(d.answer) == "DUNNO");
  CHECK(d.rule == nullptr);
  CHECK(d.violations.empty());
  CHECK(trace[1].outcome == RuleTrace::Outcome::Held);
  CHECK(trace[2].outcome == RuleTrace::Outcome::Held);
  HeldRules held{&c->policy.rules()[0]};  // cleared first
  (void)c->policy.evaluate(q.build(), nullptr, nullptr, &held);
  REQUIRE(held.size() == 2);  // the rules whose requirement held, in order (metrics)
  CHECK(held[0] == &c->policy.rules()[1]);
  CHECK(held[1] == &c->policy.rules()[2]);
  HeldRules traced;
  (void)c->policy.evaluate(q.build(), &trace, nullptr, &traced);
  CHECK(traced == held);  // the same with a trace
}

TEST_CASE("policy: only the first WARN is answered; a later enforce still wins") {
  auto c = load(R"(
mode: warn
rules:
  - name: one
    action: "reject first"
  - name: two
    action: "reject second"
  - name: three
    mode: enforce
    match: { sender: "<>" }
    action: "defer 4.7.1 null sender"
)");
  Req plain{{{Attr::Sender, "x@y"}}};
  Decision d = c->policy.evaluate(plain.build());
  CHECK(to_string(d.answer) == "WARN tlspolicyd rule \"one\" would answer: REJECT first");
  CHECK(d.violations.size() == 2);
  Req bounce{};
  Trace trace;
  CHECK(to_string(c->policy.evaluate(bounce.build(), &trace).answer) == "DEFER 4.7.1 null sender");
  CHECK_FALSE(trace[0].answered);  // its WARN was remembered, then the enforce rule answered
  CHECK(trace[2].answered);
  CHECK(c->policy.evaluate(plain.build(), &trace).mode == Mode::Warn);
  CHECK(trace[0].answered);
  CHECK_FALSE(trace[1].answered);
}

TEST_CASE("policy: a match the regex engine cannot answer fails closed, never a silent non-match") {
  // (a+)+$ on a long run of a's ending in b exceeds PCRE2's match limit.
  const std::string hostile = std::string(5000, 'a') + "b.example";
  auto c = load(R"yaml(
rules:
  - name: exempt-dynamic
    match: { helo_name: "/^(a+)+$/" }
    action: dunno
  - name: needs-tls
    match: { not: { helo_name: "/^(a+)+$/" } }
    require: { tls: true }
    action: reject 5.7.1 TLS required
  - name: watched
    mode: warn
    match: { any: [ { helo_name: "/^(a+)+$/" }, { sender: nobody@example.org } ] }
    action: reject 5.7.1 watched
)yaml");
  const Req req{{{Attr::HeloName, hostile}}};
  Request r = req.build();
  Trace trace;
  Decision d = c->policy.evaluate(r, &trace);
  // The exemption does not apply, nor is the rule skipped: the answer is a
  // temporary failure, and the rule a violation with the engine's error.
  CHECK(to_string(d.answer) == "DEFER 4.3.0 Temporary policy lookup failure");
  REQUIRE(d.rule != nullptr);
  CHECK(d.rule->name == "exempt-dynamic");
  REQUIRE(d.violations.size() == 1);
  REQUIRE(d.violations[0].reason);
  CHECK(d.violations[0].reason->key == RequirementKey::Match);
  CHECK(to_string(*d.violations[0].reason) == "match error: regex /^(a+)+$/ failed: match limit exceeded");
  CHECK(trace[0].outcome == RuleTrace::Outcome::Violated);
  CHECK(trace[0].match.find("cannot be matched against") != std::string::npos);

  // Alone, the warn rule answers WARN with what enforce would answer.
  auto only_warn = load(R"yaml(
rules:
  - name: watched
    mode: warn
    match: { helo_name: "/^(a+)+$/" }
    action: reject 5.7.1 watched
)yaml");
  CHECK(to_string(only_warn->policy.evaluate(r).answer) ==
        "WARN tlspolicyd rule \"watched\" would answer: DEFER 4.3.0 Temporary policy lookup failure");

  // A negated key errs as well; a warn rule remembers it and goes on.
  auto w = load(R"yaml(
rules:
  - name: needs-tls
    match: { not: { helo_name: "/^(a+)+$/" } }
    require: { tls: true }
    mode: warn
    action: reject 5.7.1 TLS required
  - name: decided
    match: { any: [ { helo_name: "/^(a+)+$/" }, { helo_name: "/b\\.example$/" } ] }
    action: reject 5.7.1 decided
)yaml");
  Decision dw = w->policy.evaluate(r);
  // An Any with a child that holds is decided despite the error.
  CHECK(to_string(dw.answer) == "REJECT 5.7.1 decided");
  REQUIRE(dw.violations.size() == 1);
  REQUIRE(dw.violations[0].reason);
  CHECK(dw.violations[0].reason->unmet == Unmet::MatchError);
  CHECK(dw.violations[0].rule->name == "needs-tls");
}

TEST_CASE("policy: the audit's HELO of many labels matches its regex up to the line limit") {
  auto c = load(R"yaml(
rules:
  - name: dynamic
    match: { helo_name: "/^([a-z0-9-]+\\.)+dynamic\\.example$/" }
    action: reject 5.7.1 dynamic
)yaml");
  std::string helo;
  while (helo.size() + 2 + 15 <= 8192 - 10) helo += "a.";  // "helo_name=" and the value in 8192 bytes
  const Req req{{{Attr::HeloName, helo + "dynamic.example"}}};
  Request r = req.build();
  CHECK(to_string(c->policy.evaluate(r).answer) == "REJECT 5.7.1 dynamic");
}
