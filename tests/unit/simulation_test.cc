// SPDX-License-Identifier: MIT
// simulation and services: the policy's answer for an RCPT a log shows, what
// cannot be simulated (never guessed), the summary, and the facts Postfix's
// configuration gives per service.
#include <doctest/doctest.h>

#include "config/config_loader.h"
#include "doctor/postconf.h"
#include "maillog/services.h"
#include "maillog/simulation.h"

using namespace tlspolicyd;
using maillog::Rcpt;
using maillog::SaslState;

namespace {

std::shared_ptr<const config::Config> load(std::string_view yaml) {
  auto r = config::load_config_text(yaml, "t.yaml");
  for (const auto& e : r.errors) MESSAGE(e.to_string());
  REQUIRE(r.config);
  return r.config;
}

constexpr std::string_view Rules = R"yaml(
rules:
  - name: partner
    match: { sender_domain: partner.example }
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 TLS 1.2 please (${reason})"
  - name: auth
    match: { sasl: true }
    require: { tls: true }
    action: "530 5.7.0 Authentication requires TLS"
  - name: census
    require: { min_protocol: TLSv1.3 }
    mode: observe
    action: "reject 5.7.1 TLS 1.3 only"
)yaml";

Rcpt rcpt(std::string sender, std::string protocol) {
  Rcpt r;
  r.host = "mx";
  r.service = "postfix/smtpd";
  r.client_name = "mx.partner.example";
  r.client_address = "192.0.2.1";
  r.sender = std::move(sender);
  r.recipient = "a@example.org";
  r.tls_known = true;
  r.tls_lines = true;
  r.protocol = std::move(protocol);
  r.queue_id = "ABCDE12345";
  return r;
}

std::string action(const maillog::Verdict& v) { return v.decision ? policy::to_string(v.decision->answer) : "-"; }

}  // namespace

TEST_CASE("simulation: the answer the daemon would give, and what Postfix did, per rule") {
  maillog::Simulation sim(load(Rules), {});
  auto plain = rcpt("x@partner.example", "");
  plain.outcome = maillog::Outcome::Delivered;
  auto v = sim.judge(plain);
  CHECK(v.cannot == "");
  CHECK(action(v) == "REJECT 5.7.1 TLS 1.2 please (no TLS)");
  sim.count(plain, v);
  auto tls13 = rcpt("y@partner.example", "TLSv1.3");
  v = sim.judge(tls13);
  CHECK(action(v) == "DUNNO");
  sim.count(tls13, v);
  auto tls12 = rcpt("z@other.example", "TLSv1.2");
  tls12.outcome = maillog::Outcome::Delivered;
  v = sim.judge(tls12);
  CHECK(action(v) == "DUNNO");
  REQUIRE(v.decision->violations.size() == 1);  // the census
  sim.count(tls12, v);
  tls12.recipient = "b@example.org";  // a second recipient of the same message
  sim.count(tls12, sim.judge(tls12));
  const auto& s = sim.summary();
  CHECK(s.rcpts == 4);
  CHECK(s.default_action == 3);
  REQUIRE(s.rules.size() == 3);
  CHECK(s.rules[0].rcpts == 1);
  CHECK(s.rules[0].answered == 1);
  CHECK(s.rules[0].accepted_by_postfix == 1);  // delivered then: a new refusal
  CHECK(s.rules[0].peers.at("mx.partner.example[192.0.2.1]") == 1);
  CHECK(s.rules[1].rcpts == 0);
  CHECK(s.rules[2].rcpts == 2);  // TLS 1.2 fails the census; the plaintext one was refused before it
  CHECK(s.rules[2].answered == 0);
  CHECK(s.rules[2].transactions == 1);  // the same queue id: one transaction
  CHECK(s.outcomes.at("delivered") == 3);
}

TEST_CASE("simulation: what the log does not carry is never guessed") {
  maillog::Simulation sim(load(R"yaml(
rules:
  - name: helo
    match: { helo_name: /dynamic/ }
    action: "reject 5.7.1 no"
  - name: partner
    match: { sender_domain: partner.example }
    require: { tls: true }
    action: "reject 5.7.1 TLS please"
)yaml"),
                          {});
  auto r = rcpt("x@other.example", "TLSv1.3");
  auto v = sim.judge(r);  // an accepted RCPT: HELO unknown
  CHECK_FALSE(v.decision);
  CHECK(v.cannot == "rule helo reads helo_name, which the log does not carry here");
  r.helo_known = true;  // a reject line names it
  r.helo = "host.dynamic.example";
  CHECK(action(sim.judge(r)) == "REJECT 5.7.1 no");

  // TLS: a session without a TLS line is plaintext only if its service logs handshakes.
  maillog::Simulation tls(load(Rules), {});
  auto plain = rcpt("x@partner.example", "");
  plain.tls_lines = false;  // the service has logged no handshake (yet): smtpd_tls_loglevel 0?
  CHECK(tls.judge(plain).cannot == "rule partner reads tls, which the log does not carry here");
  maillog::ServiceMap logged;
  logged.services["postfix/smtpd"] = maillog::ServiceFacts{true, "", 25, true};
  maillog::Simulation told(load(Rules), logged);
  CHECK(action(told.judge(plain)) == "REJECT 5.7.1 TLS 1.2 please (no TLS)");  // postconf: loglevel 1
  logged.services["postfix/smtpd"].tls_logged = false;
  plain.tls_lines = true;
  CHECK_FALSE(maillog::Simulation(load(Rules), logged).judge(plain).decision);  // loglevel 0: a stray line is not enough
  auto before_log = rcpt("x@partner.example", "");
  before_log.tls_known = false;  // the session began before the log
  CHECK_FALSE(tls.judge(before_log).decision);

  // SASL: authenticated, user not logged: `sasl: true` decides, sasl_username cannot.
  auto authed = rcpt("u@other.example", "");
  authed.sasl = SaslState::UnknownUser;
  CHECK(action(tls.judge(authed)) == "530 5.7.0 Authentication requires TLS");
  maillog::Simulation by_user(load(R"yaml(
rules:
  - name: alice
    match: { sasl_username: alice }
    require: { tls: true }
    action: "reject 5.7.1 no"
)yaml"),
                              {});
  CHECK(by_user.judge(authed).cannot == "rule alice reads sasl_username, which the log does not carry here");
  // A text built from what the log lacks.
  maillog::Simulation text(load(R"yaml(
rules:
  - name: t
    require: { tls: true }
    action: "reject 5.7.1 hello ${helo_name}"
)yaml"),
                           {});
  CHECK(text.judge(rcpt("a@b.example", "")).cannot ==
        "rule t's text holds helo_name, which the log does not carry here");
  CHECK(action(text.judge(rcpt("a@b.example", "TLSv1.2"))) == "DUNNO");  // not answered: no text

  // The port and policy_context, unknown without Postfix's configuration.
  maillog::Simulation ctx(load(R"yaml(
rules:
  - name: sub
    match: { policy_context: submission }
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 no"
)yaml"),
                          {});
  auto sub = ctx.judge(rcpt("a@b.example", "TLSv1.1"));
  CHECK(sub.cannot == "rule sub reads policy_context, which the log does not carry here");
  ctx.count(rcpt("a@b.example", "TLSv1.1"), sub);
  CHECK(ctx.summary().cannot == 1);
  CHECK(ctx.summary().cannot_reasons.size() == 1);
}

TEST_CASE("services: ports, policy_context, TLS logging and whether tlspolicyd is asked, per syslog name") {
  const auto listen = std::get<config::ListenAddress>(config::parse_listen_address("unix:/var/spool/postfix/tlspolicyd/policy.sock"));
  auto port_of = [](std::string_view name) -> std::optional<std::uint16_t> {
    if (name == "smtp") return 25;
    if (name == "submission") return 587;
    return std::nullopt;
  };
  doctor::Instance inst;
  inst.postfix.main = doctor::parse_main(
      "smtpd_tls_loglevel = 1\n"
      "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service "
      "{ unix:tlspolicyd/policy.sock, default_action=DUNNO }\n"
      "tlspolicyd_submission = check_policy_service { unix:tlspolicyd/policy.sock, policy_context=submission }\n");
  inst.postfix.services = doctor::parse_master(
      "smtp       inet  n       -       y       -       1       postscreen\n"
      "smtpd      pass  -       -       y       -       -       smtpd\n"
      "submission inet  n       -       y       -       -       smtpd -o syslog_name=postfix/submission "
      "-o smtpd_recipient_restrictions=$tlspolicyd_submission,permit_sasl_authenticated,reject\n"
      "127.0.0.1:10025 inet n  -       n       -       -       smtpd -o syslog_name=postfix/reinject "
      "-o smtpd_recipient_restrictions=permit_mynetworks,reject -o smtpd_tls_loglevel=0\n");
  auto map = maillog::service_map({inst}, {listen}, port_of);
  CHECK_FALSE(map.assumed);
  const auto smtpd = map.find("postfix/smtpd");
  CHECK(smtpd.asks == true);
  CHECK(smtpd.port == 25);  // behind postscreen
  CHECK(smtpd.policy_context == "");
  CHECK(smtpd.tls_logged == true);
  const auto sub = map.find("postfix/submission/smtpd");
  CHECK(sub.port == 587);
  CHECK(sub.policy_context == "submission");
  const auto reinject = map.find("postfix/reinject/smtpd");
  CHECK(reinject.asks == false);
  CHECK(reinject.port == 10025);
  CHECK(reinject.tls_logged == false);
  CHECK_FALSE(map.find("postfix-out/smtpd").asks.has_value());  // not in this configuration

  maillog::Simulation sim(load(Rules), map);
  auto r = rcpt("x@partner.example", "");
  r.service = "postfix/reinject/smtpd";
  const auto v = sim.judge(r);
  CHECK_FALSE(v.asked);
  CHECK(v.cannot == "postfix/reinject/smtpd does not ask tlspolicyd at RCPT");

  // Not wired yet: every smtpd service is taken as asking, without a context.
  inst.postfix.main.erase("smtpd_recipient_restrictions");
  inst.postfix.services.resize(3);
  inst.postfix.services[2].overrides.erase("smtpd_recipient_restrictions");
  auto unwired = maillog::service_map({inst}, {listen}, port_of);
  CHECK(unwired.assumed);
  CHECK(unwired.find("postfix/submission/smtpd").asks == true);
  CHECK(unwired.find("postfix/submission/smtpd").policy_context == "");
}
