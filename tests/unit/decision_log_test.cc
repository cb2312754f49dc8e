// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "config/config_loader.h"
#include "log/decision_log.h"

using namespace tlspolicyd;
using log::DecisionLog;
using protocol::Attr;

namespace {

std::shared_ptr<const config::Config> load(std::string_view yaml) {
  auto r = config::load_config_text(yaml, "t.yaml");
  REQUIRE(r.config != nullptr);
  return r.config;
}

struct Fixture {
  std::shared_ptr<const config::Config> config = load(R"(
rules:
  - name: baseline
    mode: observe
    require: { min_protocol: TLSv1.2 }
  - name: partner-senders
    match: { sender_domain: partner-bank.com }
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 Mail from ${sender_domain} requires TLS 1.2+"
)");
  std::string sender = "a@partner-bank.com";
  protocol::Request request() const {
    protocol::Request r;
    r.set(Attr::ClientName, "mx.example.net");
    r.set(Attr::ClientAddress, "192.0.2.10");
    r.set(Attr::HeloName, "mx.example.net");
    r.set(Attr::Sender, sender);
    r.set(Attr::Recipient, "b@example.org");
    r.set(Attr::EncryptionProtocol, "TLSv1");
    r.set(Attr::EncryptionCipher, "ECDHE-RSA-AES128-SHA");
    r.set(Attr::Instance, "1f3a.66c9e0b1.4d2a1.0");
    r.finalize();
    return r;
  }
};

}  // namespace

TEST_CASE("decision log: a census line per observe violation, then one answer line") {
  Fixture f;
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);
  auto lines = log::decision_lines(d, req, DecisionLog::Violations);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "observe: rule=baseline would=reject reason=\"protocol TLSv1 < TLSv1.2\" "
        "client=mx.example.net[192.0.2.10] helo=<mx.example.net> from=<a@partner-bank.com> to=<b@example.org> "
        "protocol=TLSv1 cipher=ECDHE-RSA-AES128-SHA port=- queue_id=- instance=1f3a.66c9e0b1.4d2a1.0");
  CHECK(lines[1] ==
        "action=reject rule=partner-senders mode=enforce reason=\"protocol TLSv1 < TLSv1.2\" "
        "client=mx.example.net[192.0.2.10] helo=<mx.example.net> from=<a@partner-bank.com> to=<b@example.org> "
        "protocol=TLSv1 cipher=ECDHE-RSA-AES128-SHA port=- queue_id=- instance=1f3a.66c9e0b1.4d2a1.0");
  CHECK(log::decision_lines(d, req, DecisionLog::None).empty());
  // Counting answers counts this request once, whatever `all` adds.
  for (const auto what : {DecisionLog::Violations, DecisionLog::All}) {
    std::size_t answers = 0;
    for (const auto& line : log::decision_lines(d, req, what)) answers += line.find("action=") != std::string::npos;
    CHECK(answers == 1);
  }
}

TEST_CASE("decision log: a DUNNO is logged when a violation decided it, or with `all`") {
  Fixture f;
  f.sender = "a@other.example";
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);  // baseline observes a violation; the default answers
  auto census = log::decision_lines(d, req, DecisionLog::Violations);
  REQUIRE(census.size() == 1);
  CHECK(census[0].starts_with("observe: rule=baseline would=reject "));
  auto both = log::decision_lines(d, req, DecisionLog::All);
  REQUIRE(both.size() == 2);
  CHECK(both[1].starts_with("action=dunno rule=default mode=- reason=- client=mx.example.net[192.0.2.10]"));

  auto ok = load("rules: []\n");
  auto d2 = ok->policy.evaluate(req);
  CHECK(log::decision_lines(d2, req, DecisionLog::Violations).empty());
  auto all = log::decision_lines(d2, req, DecisionLog::All);
  REQUIRE(all.size() == 1);
  CHECK(all[0].starts_with("action=dunno rule=default mode=- reason=- client=mx.example.net[192.0.2.10]"));

  // An enforce rule that answers DUNNO on a violation is a decision worth a line.
  auto lax = load("rules:\n  - name: lax\n    require: { tls: true }\n    action: dunno\n");
  protocol::Request plain;
  plain.set(Attr::ClientAddress, "192.0.2.10");
  plain.finalize();
  auto d3 = lax->policy.evaluate(plain);
  auto lines = log::decision_lines(d3, plain, DecisionLog::Violations);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("action=dunno rule=lax mode=enforce reason=\"no TLS\" client=-[192.0.2.10] helo=<> "
                             "from=<> to=<> protocol=- cipher=- port=- queue_id=- instance=-"));
}

TEST_CASE("decision log: a WARN answer names its rule and what enforce would answer; later warns are census") {
  auto c = load(R"(
rules:
  - name: first
    mode: warn
    require: { tls: true }
    action: "reject 5.7.1 first"
  - name: second
    mode: warn
    require: { tls: true }
    action: "defer 4.7.1 second"
)");
  protocol::Request req;
  req.set(Attr::ClientAddress, "192.0.2.10");
  req.finalize();
  auto d = c->policy.evaluate(req);
  auto lines = log::decision_lines(d, req, DecisionLog::Violations);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("warn: rule=second would=defer reason=\"no TLS\" client="));
  CHECK(lines[1].starts_with("action=warn rule=first mode=warn would=reject reason=\"no TLS\" client="));
}

TEST_CASE("decision log: the account, the port and policy_context, as Postfix names them") {
  auto c = load(R"(
rules:
  - name: auth-needs-tls
    match: { sasl: true }
    require: { tls: true }
    action: "530 5.7.0 Authentication requires a TLS connection"
)");
  protocol::Request req;
  req.set(Attr::ClientName, "unknown");
  req.set(Attr::ClientAddress, "203.0.113.7");
  req.set(Attr::HeloName, "laptop");
  req.set(Attr::Sender, "joe@example.org");
  req.set(Attr::Recipient, "x@example.net");
  req.set(Attr::SaslMethod, "PLAIN");
  req.set(Attr::SaslUsername, "joe");
  req.set(Attr::ServerPort, "587");
  req.set(Attr::PolicyContext, "submission");
  req.set(Attr::QueueId, "4F2A81C0D3");
  req.finalize();
  auto d = c->policy.evaluate(req);
  auto lines = log::decision_lines(d, req, DecisionLog::Violations);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "action=530 rule=auth-needs-tls mode=enforce reason=\"no TLS\" client=unknown[203.0.113.7] helo=<laptop> "
        "from=<joe@example.org> to=<x@example.net> protocol=- cipher=- sasl_method=PLAIN sasl_username=joe port=587 "
        "policy_context=submission queue_id=4F2A81C0D3 instance=-");
}

TEST_CASE("decision log: hostile values cannot break or forge a line") {
  Fixture f;
  f.sender = "x\r\nrule=fake action=ok \"@partner-bank.com";
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);
  for (const auto& line : log::decision_lines(d, req, DecisionLog::All)) {
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find("from=\"<x\\x0d\\x0arule=fake action=ok \\\"@partner-bank.com>\"") != std::string::npos);
  }
}

TEST_CASE("decision log: append_decision_lines adds the same lines, each ending in a newline") {
  Fixture f;
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);
  std::string out = "kept\n";
  CHECK(log::append_decision_lines(out, d, req, DecisionLog::Violations) == 2);
  const auto lines = log::decision_lines(d, req, DecisionLog::Violations);
  CHECK(out == "kept\n" + lines[0] + "\n" + lines[1] + "\n");
  CHECK(log::append_decision_lines(out, d, req, DecisionLog::None) == 0);
  CHECK(out == "kept\n" + lines[0] + "\n" + lines[1] + "\n");
}
