// SPDX-License-Identifier: MIT
// responder: the answer path without the binary: the reply bytes, the decision
// lines, the metrics, and a reload's new snapshot.
#include "responder.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "support.h"

using namespace tlspolicyd;
using test::Floor;
using test::load;

namespace {

protocol::Request request(std::string_view protocol) {
  protocol::Request r;
  r.set(protocol::Attr::Request, "smtpd_access_policy");
  r.set(protocol::Attr::ProtocolState, "RCPT");
  r.set(protocol::Attr::ClientAddress, "192.0.2.1");
  r.set(protocol::Attr::Sender, "a@example.org");
  if (!protocol.empty()) {
    r.set(protocol::Attr::EncryptionProtocol, protocol);
    r.set(protocol::Attr::EncryptionCipher, "ECDHE-RSA-AES128-SHA");
  }
  r.finalize();
  return r;
}

struct CapturedLog {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> logger;
  CapturedLog() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(text);
    sink->set_pattern("%v");
    logger = std::make_shared<spdlog::logger>("test", sink);
  }
};

}  // namespace

TEST_CASE("the reply is the policy's answer, in the wire format, appended") {
  daemon::Responder responder(load(Floor));
  std::string out = "before|";
  auto d = responder.answer(request("TLSv1"), out, 1, "peer");
  REQUIRE(d.has_value());
  CHECK(d->rule != nullptr);
  CHECK(out == "before|action=REJECT 5.7.1 protocol TLSv1 < TLSv1.2\n\n");
  out.clear();
  REQUIRE(responder.answer(request("TLSv1.3"), out, 1, "peer").has_value());
  CHECK(out == "action=DUNNO\n\n");
}

TEST_CASE("without a log, metrics or history nothing but the reply is produced (query)") {
  daemon::Responder responder(load(Floor));
  std::string out;
  REQUIRE(responder.answer(request(""), out, 1, "peer").has_value());
  CHECK(out == "action=REJECT 5.7.1 no TLS\n\n");
}

TEST_CASE("a decision is logged as its key=value lines, one per violation") {
  CapturedLog log;
  daemon::Responder responder(load(Floor), log.logger.get());
  std::string out;
  REQUIRE(responder.answer(request("TLSv1"), out, 1, "peer").has_value());
  REQUIRE(responder.answer(request("TLSv1.3"), out, 1, "peer").has_value());  // DUNNO: not logged by default
  const std::string lines = log.text.str();
  CHECK(lines.starts_with("action=reject rule=floor mode=enforce reason=\"protocol TLSv1 < TLSv1.2\""));
  CHECK(lines.find("from=<a@example.org>") != std::string::npos);
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 1);
}

TEST_CASE("answers, violations and the negotiated TLS are counted") {
  metrics::Metrics metrics;
  daemon::Responder responder(load(Floor), nullptr, &metrics);
  std::string out;
  REQUIRE(responder.answer(request("TLSv1"), out, 1, "peer").has_value());
  REQUIRE(responder.answer(request("TLSv1.3"), out, 1, "peer").has_value());
  responder.protocol_error();
  const std::string page = metrics.render();
  CHECK(page.find("tlspolicyd_requests_total 2") != std::string::npos);
  CHECK(page.find("action=\"reject\",rule=\"floor\",mode=\"enforce\"} 1") != std::string::npos);
  CHECK(page.find("action=\"dunno\",rule=\"default\",mode=\"-\"} 1") != std::string::npos);
  CHECK(page.find("tlspolicyd_violations_total{rule=\"floor\",mode=\"enforce\",requirement=\"min_protocol\"} 1") != std::string::npos);
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"floor\",mode=\"enforce\",result=\"violated\"} 1") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"floor\",mode=\"enforce\",result=\"held\"} 1") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_protocol_errors_total 1") != std::string::npos);
}

TEST_CASE("rules without requirement count as applied, whether they answer or only warn") {
  metrics::Metrics metrics;
  daemon::Responder responder(load(R"(
rules:
  - name: tag
    mode: observe
    action: "reject 5.7.1 tagged"
  - name: stop
    action: "defer 4.7.1 later"
)"),
                              nullptr, &metrics);
  std::string out;
  REQUIRE(responder.answer(request(""), out, 1, "peer").has_value());
  CHECK(out == "action=DEFER 4.7.1 later\n\n");
  const std::string page = metrics.render();
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"tag\",mode=\"observe\",result=\"applied\"} 1") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"stop\",mode=\"enforce\",result=\"applied\"} 1") !=
        std::string::npos);
  CHECK(page.find("result=\"violated\"") == std::string::npos);
}

TEST_CASE("a reload's snapshot answers the next request") {
  daemon::Responder responder(load(Floor));
  responder.set_config(load("default_action: \"defer 4.7.1 closed\"\nrules: []\n"));
  std::string out;
  REQUIRE(responder.answer(request("TLSv1"), out, 1, "peer").has_value());
  CHECK(out == "action=DEFER 4.7.1 closed\n\n");
}

TEST_CASE("a trace is filled when asked for") {
  daemon::Responder responder(load(Floor));
  policy::Trace trace;
  std::string out;
  REQUIRE(responder.answer(request("TLSv1"), out, 1, "peer", &trace).has_value());
  REQUIRE(trace.size() == 1);
  CHECK(trace[0].outcome == policy::RuleTrace::Outcome::Violated);
}
