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

TEST_CASE("decision log: one line per violation, in SPEC section 5's form") {
  Fixture f;
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);
  auto lines = log::decision_lines(d, req, DecisionLog::Violations);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "action=reject rule=baseline mode=observe would=reject reason=\"protocol TLSv1 < TLSv1.2\" "
        "client=mx.example.net[192.0.2.10] helo=mx.example.net sender=<a@partner-bank.com> recipient=<b@example.org> "
        "protocol=TLSv1 cipher=ECDHE-RSA-AES128-SHA queue_id=- instance=1f3a.66c9e0b1.4d2a1.0");
  CHECK(lines[1] ==
        "action=reject rule=partner-senders mode=enforce reason=\"protocol TLSv1 < TLSv1.2\" "
        "client=mx.example.net[192.0.2.10] helo=mx.example.net sender=<a@partner-bank.com> recipient=<b@example.org> "
        "protocol=TLSv1 cipher=ECDHE-RSA-AES128-SHA queue_id=- instance=1f3a.66c9e0b1.4d2a1.0");
  CHECK(log::decision_lines(d, req, DecisionLog::None).empty());
}

TEST_CASE("decision log: DUNNO without violations only with `all`") {
  Fixture f;
  f.sender = "a@other.example";
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);  // baseline observes a violation
  CHECK(log::decision_lines(d, req, DecisionLog::Violations).size() == 1);

  auto ok = load("rules: []\n");
  auto d2 = ok->policy.evaluate(req);
  CHECK(log::decision_lines(d2, req, DecisionLog::Violations).empty());
  auto all = log::decision_lines(d2, req, DecisionLog::All);
  REQUIRE(all.size() == 1);
  CHECK(all[0].starts_with("action=dunno rule=- mode=- reason=- client=mx.example.net[192.0.2.10]"));
}

TEST_CASE("decision log: hostile values cannot break or forge a line") {
  Fixture f;
  f.sender = "x\r\nrule=fake action=ok \"@partner-bank.com";
  auto req = f.request();
  auto d = f.config->policy.evaluate(req);
  for (const auto& line : log::decision_lines(d, req, DecisionLog::All)) {
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find("sender=\"<x\\x0d\\x0arule=fake action=ok \\\"@partner-bank.com>\"") != std::string::npos);
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
