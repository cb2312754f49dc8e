// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include "doctor/doctor.h"
#include "doctor/endpoint.h"
#include "doctor/placement.h"

using namespace tlspolicyd::doctor;
using tlspolicyd::config::ListenAddress;

namespace {

const std::string Sock = "/var/spool/postfix/tlspolicyd/policy.sock";
const std::string Policy = "check_policy_service { unix:tlspolicyd/policy.sock, timeout=10s, default_action=DUNNO }";

ListenAddress listen(const std::string& text) {
  return std::get<ListenAddress>(tlspolicyd::config::parse_listen_address(text));
}

Instance instance(const std::string& main_cf, const std::string& master_cf = "smtp inet n - y - - smtpd\n") {
  Instance i;
  i.name = "/etc/postfix";
  i.postfix.main = parse_main(main_cf);
  i.postfix.services = parse_master(master_cf);
  return i;
}

// One instance, tlspolicyd on its default socket (accepting and answering), no rules.
Inputs inputs(const std::string& main_cf, const std::string& master_cf = "smtp inet n - y - - smtpd\n") {
  Inputs in;
  in.instances.push_back(instance(main_cf, master_cf));
  in.listen.push_back(listen("unix:" + Sock));
  SocketFacts s;
  s.endpoint = "unix:" + Sock;
  s.accepting = true;
  s.answering = true;
  in.sockets.push_back(s);
  return in;
}

RuleFacts rule(const std::string& name) {
  RuleFacts r;
  r.name = name;
  return r;
}

// The first finding whose message contains `text`, if any.
std::optional<Finding> find(const std::vector<Finding>& fs, const std::string& text) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.message.find(text) != std::string::npos; });
  if (it == fs.end()) return std::nullopt;
  return *it;
}

std::size_t count(const std::vector<Finding>& fs, Severity s) {
  return static_cast<std::size_t>(std::count_if(fs.begin(), fs.end(), [&](const Finding& f) { return f.severity == s; }));
}

}  // namespace

TEST_CASE("postconf: main.cf, master.cf with -o overrides, restriction lists with groups and $names") {
  auto main = parse_main("a = 1\nlist = permit_mynetworks, $policy\n# comment\npolicy = check_policy_service { unix:/x, timeout=10s }\n");
  CHECK(main.at("a") == "1");
  auto items = split_list(main.at("list"), main);
  REQUIRE(items.size() == 3);
  CHECK(items[0] == "permit_mynetworks");
  CHECK(items[1] == "check_policy_service");
  CHECK(items[2] == "{ unix:/x, timeout=10s }");

  auto services = parse_master(
      "smtp inet n - y - - smtpd\n"
      "submission inet n - n - - smtpd -o smtpd_tls_auth_only=yes -o { smtpd_recipient_restrictions = $a, reject }\n"
      "pickup unix n - n 60 1 pickup\n");
  REQUIRE(services.size() == 3);
  CHECK(services[0].chroot == "y");
  CHECK(services[1].overrides.at("smtpd_tls_auth_only") == "yes");
  CHECK(services[1].overrides.at("smtpd_recipient_restrictions") == "$a, reject");
  PostfixConfig pf{main, services};
  CHECK(pf.get("smtpd_tls_auth_only", &services[1]) == "yes");
  CHECK(pf.get("a", &services[1]) == "1");
  CHECK_FALSE(pf.get("nothing").has_value());
}

TEST_CASE("postconf: each list item knows the parameter that holds it") {
  auto main = parse_main("list = permit_mynetworks, $policy\npolicy = check_policy_service unix:x\n");
  auto items = split_list_traced(main.at("list"), main, "list");
  REQUIRE(items.size() == 3);
  CHECK(items[0].origin == "list");
  CHECK(items[1].origin == "policy");
  CHECK(items[2].text == "unix:x");
  CHECK(items[2].origin == "policy");
}

TEST_CASE("postconf: the chroot column '-' is y below compatibility_level 1, n from 1 on") {
  const auto services = parse_master("a inet n - y - - smtpd\nb inet n - n - - smtpd\nc inet n - - - - smtpd\n");
  PostfixConfig old{parse_main(""), services};
  CHECK(old.chrooted(services[0]));
  CHECK_FALSE(old.chrooted(services[1]));
  CHECK(old.chrooted(services[2]));  // compatibility_level unset: 0
  PostfixConfig zero{parse_main("compatibility_level = 0\n"), services};
  CHECK(zero.chrooted(services[2]));
  PostfixConfig current{parse_main("compatibility_level = 3.6\n"), services};
  CHECK_FALSE(current.chrooted(services[2]));
}

TEST_CASE("postconf: master_service_disable turns services off by type or by name/type") {
  const auto services = parse_master("smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n");
  PostfixConfig all{parse_main("master_service_disable = inet\n"), services};
  CHECK(all.disabled(services[0]));
  CHECK(all.disabled(services[1]));
  CHECK_FALSE(all.disabled(services[2]));
  PostfixConfig one{parse_main("master_service_disable = submission/inet\n"), services};
  CHECK_FALSE(one.disabled(services[0]));
  CHECK(one.disabled(services[1]));
}

TEST_CASE("endpoint: unix:, local: and inet: forms, IPv6 in brackets") {
  auto u = parse_endpoint("unix:tlspolicyd/policy.sock");
  CHECK(u.kind == PolicyEndpoint::Kind::Unix);
  CHECK(u.path == "tlspolicyd/policy.sock");
  CHECK(parse_endpoint("local:/x").path == "/x");
  auto i = parse_endpoint("inet:localhost:10040");
  CHECK(i.kind == PolicyEndpoint::Kind::Inet);
  CHECK(i.host == "localhost");
  CHECK(i.port == "10040");
  auto v6 = parse_endpoint("inet:[::1]:10040");
  CHECK(v6.host == "::1");
  CHECK(v6.port == "10040");
  CHECK(parse_endpoint("spawn:x").kind == PolicyEndpoint::Kind::Other);
}

TEST_CASE("endpoint: relative paths resolve from the queue directory, absolute ones inside the chroot when chrooted") {
  const Scope chrooted{"/var/spool/postfix", true};
  const Scope plain{"/var/spool/postfix", false};
  CHECK(reached_path(parse_endpoint("unix:tlspolicyd/policy.sock"), chrooted) == Sock);
  CHECK(reached_path(parse_endpoint("unix:tlspolicyd/policy.sock"), plain) == Sock);
  CHECK(reached_path(parse_endpoint("unix:" + Sock), plain) == Sock);
  CHECK(reached_path(parse_endpoint("unix:" + Sock), chrooted) == "/var/spool/postfix" + Sock);
  CHECK(reached_path(parse_endpoint("unix:/tlspolicyd//./policy.sock"), chrooted) == Sock);
}

TEST_CASE("endpoint: our absolute path under a chroot is astray, and says where Postfix looks") {
  const std::vector<ListenAddress> ours = {listen("unix:" + Sock)};
  const Target t = classify(parse_endpoint("unix:" + Sock), Scope{"/var/spool/postfix", true}, ours, {});
  CHECK(t.reach == Reach::Astray);
  CHECK(t.ours == &ours[0]);
  CHECK(t.note.find("at /var/spool/postfix/var/spool/postfix/tlspolicyd/policy.sock") != std::string::npos);
  CHECK(classify(parse_endpoint("unix:" + Sock), Scope{"/var/spool/postfix", false}, ours, {}).reach == Reach::Ours);
}

TEST_CASE("endpoint: a relative path from another instance's queue directory is astray") {
  const std::vector<ListenAddress> ours = {listen("unix:" + Sock)};
  const Target t = classify(parse_endpoint("unix:tlspolicyd/policy.sock"), Scope{"/var/spool/postfix-mx2", true}, ours, {});
  CHECK(t.reach == Reach::Astray);
  CHECK(t.reached == "/var/spool/postfix-mx2/tlspolicyd/policy.sock");
  CHECK(t.note.find("resolves from the queue directory /var/spool/postfix-mx2") != std::string::npos);
}

TEST_CASE("endpoint: tlspolicyd 0.1.0's socket is astray; another service's is not ours") {
  const std::vector<ListenAddress> ours = {listen("unix:" + Sock)};
  const Target t = classify(parse_endpoint("unix:/run/tlspolicyd/policy.sock"), Scope{"/var/spool/postfix", false}, ours, {});
  CHECK(t.reach == Reach::Astray);
  CHECK(t.note == "Postfix looks for /run/tlspolicyd/policy.sock, where tlspolicyd does not listen "
                 "(/run/tlspolicyd/policy.sock was tlspolicyd 0.1.0's socket)");
  CHECK(classify(parse_endpoint("unix:private/policyd-spf"), Scope{"/var/spool/postfix", true}, ours, {}).reach ==
        Reach::Other);
  CHECK(classify(parse_endpoint("inet:127.0.0.1:10023"), Scope{}, ours, {}).reach == Reach::Other);
}

TEST_CASE("endpoint: inet hosts match through the addresses they resolve to") {
  const std::vector<ListenAddress> ours = {listen("inet:127.0.0.1:10040")};
  const Resolved resolved = {{"localhost", {"::1", "127.0.0.1"}}};
  const Target t = classify(parse_endpoint("inet:localhost:10040"), Scope{}, ours, resolved);
  CHECK(t.reach == Reach::Ours);
  CHECK(t.note == "localhost resolves to ::1, 127.0.0.1");
  // Not resolved (or resolving elsewhere): same port, so meant for us, and astray.
  CHECK(classify(parse_endpoint("inet:localhost:10040"), Scope{}, ours, {}).reach == Reach::Astray);
  CHECK(classify(parse_endpoint("inet:[::1]:10040"), Scope{}, ours, resolved).reach == Reach::Astray);
  CHECK(classify(parse_endpoint("inet:localhost:10041"), Scope{}, ours, resolved).reach == Reach::Other);
  const std::vector<ListenAddress> v6 = {listen("inet:[::1]:10040")};
  CHECK(classify(parse_endpoint("inet:[::1]:10040"), Scope{}, v6, {}).reach == Reach::Ours);
  CHECK(classify(parse_endpoint("inet:localhost:10040"), Scope{}, v6, resolved).reach == Reach::Ours);
}

TEST_CASE("endpoint: a wildcard listener matches any address of its family") {
  const std::vector<ListenAddress> ours = {listen("inet:0.0.0.0:10040")};
  const Target t = classify(parse_endpoint("inet:127.0.0.1:10040"), Scope{}, ours, {});
  CHECK(t.reach == Reach::Ours);
  CHECK(t.note == "tlspolicyd listens on every IPv4 address");
  CHECK(classify(parse_endpoint("inet:[::1]:10040"), Scope{}, ours, {}).reach == Reach::Astray);
}

TEST_CASE("endpoint: how Postfix should name a socket: relative in the queue directory") {
  const Scope chrooted{"/var/spool/postfix", true};
  CHECK(postfix_name(listen("unix:" + Sock), chrooted) == "unix:tlspolicyd/policy.sock");
  CHECK(postfix_name(listen("unix:/run/tlspolicyd/policy.sock"), Scope{"/var/spool/postfix", false}) ==
        "unix:/run/tlspolicyd/policy.sock");
  CHECK(postfix_name(listen("unix:/run/tlspolicyd/policy.sock"), chrooted).empty());
  CHECK(postfix_name(listen("inet:127.0.0.1:10040"), chrooted) == "inet:127.0.0.1:10040");
}

TEST_CASE("placement: a restriction class named in a list is walked where it is named") {
  const auto pf = PostfixConfig{parse_main("smtpd_restriction_classes = tls_protected\n"
                                           "tls_protected = permit_sasl_authenticated, " + Policy + "\n"
                                           "smtpd_recipient_restrictions = permit_mynetworks, tls_protected, reject\n"),
                                {}};
  const auto ps = find_placements(pf, nullptr);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].list == "smtpd_recipient_restrictions");
  CHECK(ps[0].via_class == "tls_protected");
  CHECK(ps[0].via_table.empty());
  CHECK(ps[0].item.origin == "tls_protected");
  CHECK(ps[0].before == std::vector<std::string>{"permit_mynetworks", "permit_sasl_authenticated"});
  CHECK(ps[0].settings.at("default_action") == "DUNNO");
}

TEST_CASE("placement: a class only a lookup table can return is a conditional placement") {
  const auto pf = PostfixConfig{parse_main("smtpd_restriction_classes = tls_protected\n"
                                           "tls_protected = " + Policy + "\n"
                                           "smtpd_recipient_restrictions = reject_unauth_destination, "
                                           "check_recipient_access hash:/etc/postfix/protected\n"),
                                {}};
  const auto ps = find_placements(pf, nullptr);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].via_class == "tls_protected");
  CHECK(ps[0].via_table == "check_recipient_access hash:/etc/postfix/protected");
  CHECK(ps[0].before == std::vector<std::string>{"reject_unauth_destination"});
}

TEST_CASE("placement: the stage of each list, with and without smtpd_delay_reject") {
  CHECK(stage_of("smtpd_client_restrictions", true) == Stage::Rcpt);
  CHECK(stage_of("smtpd_client_restrictions", false) == Stage::Connect);
  CHECK(stage_of("smtpd_helo_restrictions", false) == Stage::Helo);
  CHECK(stage_of("smtpd_sender_restrictions", false) == Stage::Mail);
  CHECK(stage_of("smtpd_recipient_restrictions", false) == Stage::Rcpt);
  CHECK(stage_of("smtpd_data_restrictions", true) == Stage::Data);
  CHECK(stage_of("smtpd_end_of_data_restrictions", true) == Stage::EndOfMessage);
  CHECK(to_string(Stage::EndOfMessage) == "END-OF-MESSAGE");
}

TEST_CASE("doctor: relative unix: endpoints resolve from the queue directory") {
  Inputs in = inputs("smtpd_tls_auth_only = yes\nsmtpd_recipient_restrictions = reject_unauth_destination, " + Policy + "\n");
  CHECK(diagnose(in).empty());  // chrooted, and relative: fine
}

TEST_CASE("doctor: our absolute path under chroot y is an error whose fix writes the relative form") {
  Inputs in = inputs("smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service { unix:" + Sock +
                     ", timeout=10s, default_action=DUNNO }\n");
  const auto fs = diagnose(in);
  std::optional<Finding> f = find(fs, "does not reach tlspolicyd, which listens on unix:" + Sock);
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Error);
  CHECK(f->message.find("DUNNO, so mail passes unchecked") != std::string::npos);
  CHECK(f->fix == "postconf -e 'smtpd_recipient_restrictions = reject_unauth_destination, " + Policy + "'; postfix reload");
  CHECK_FALSE(find(fs, "never asks").has_value());  // the specific error is enough
}

TEST_CASE("doctor: our absolute path with chroot n works, with an info for the relative form") {
  Inputs in = inputs("smtpd_recipient_restrictions = check_policy_service { unix:" + Sock +
                         ", timeout=10s, default_action=DUNNO }\n",
                     "smtp inet n - n - - smtpd\n");
  const auto fs = diagnose(in);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].severity == Severity::Info);
  CHECK(fs[0].message.find("works here because smtpd is not chrooted (master.cf chroot column n); "
                           "unix:tlspolicyd/policy.sock would work chrooted or not") != std::string::npos);
}

TEST_CASE("doctor: tlspolicyd 0.1.0's socket is an error naming both paths and the postconf command") {
  Inputs in = inputs("smtpd_recipient_restrictions = check_policy_service unix:/run/tlspolicyd/policy.sock\n",
                     "smtp inet n - n - - smtpd\n");
  const auto fs = diagnose(in);
  std::optional<Finding> f = find(fs, "check_policy_service unix:/run/tlspolicyd/policy.sock does not reach tlspolicyd, which "
                              "listens on unix:" + Sock);
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Error);
  CHECK(f->message.find("default_action, 451 4.3.5, so all mail there is deferred") != std::string::npos);
  CHECK(f->fix ==
        "postconf -e 'smtpd_recipient_restrictions = check_policy_service unix:tlspolicyd/policy.sock'; postfix reload");
}

TEST_CASE("doctor: a master.cf override is fixed with postconf -P") {
  Inputs in = inputs("", "submission inet n - n - - smtpd -o smtpd_recipient_restrictions=check_policy_service,"
                         "unix:/run/tlspolicyd/policy.sock,permit_sasl_authenticated,reject\n");
  std::optional<Finding> f = find(diagnose(in), "master.cf service submission, smtpd_recipient_restrictions: check_policy_service "
                                        "unix:/run/tlspolicyd/policy.sock");
  REQUIRE(f .has_value());
  CHECK(f->fix == "postconf -P 'submission/inet/smtpd_recipient_restrictions=check_policy_service,unix:tlspolicyd/"
                  "policy.sock,permit_sasl_authenticated,reject'; postfix reload");
}

TEST_CASE("doctor: an override whose value has spaces goes through a main.cf parameter (postconf -P refuses spaces)") {
  Inputs in = inputs("", "submission inet n - n - - smtpd -o { smtpd_recipient_restrictions = check_policy_service "
                         "{ unix:/run/tlspolicyd/policy.sock, timeout=10s }, permit_sasl_authenticated, reject }\n");
  std::optional<Finding> f = find(diagnose(in), "master.cf service submission, smtpd_recipient_restrictions");
  REQUIRE(f .has_value());
  CHECK(f->fix == "postconf -e 'tlspolicyd_submission_smtpd_recipient_restrictions = check_policy_service { "
                  "unix:tlspolicyd/policy.sock, timeout=10s }, permit_sasl_authenticated, reject'; postconf -P "
                  "'submission/inet/smtpd_recipient_restrictions=$tlspolicyd_submission_smtpd_recipient_restrictions'; "
                  "postfix reload");
}

TEST_CASE("doctor: asked at CONNECT with smtpd_delay_reject = no: an error when an enforcing TLS rule can match") {
  Inputs in = inputs("smtpd_delay_reject = no\nsmtpd_client_restrictions = " + Policy + "\n");
  RuleFacts relay = rule("relay-tls");
  relay.refuses_plaintext = true;
  RuleFacts auth = rule("auth-needs-tls");
  auth.refuses_plaintext = true;
  auth.needs_transaction = true;  // matches on sasl: empty at CONNECT
  in.rules = {relay, auth};
  std::optional<Finding> f = find(diagnose(in), "Postfix asks tlspolicyd at CONNECT, before the client can send STARTTLS");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Error);
  CHECK(f->message.find("rule relay-tls (enforce, requiring TLS) refuses every client it matches") != std::string::npos);
  CHECK(f->fix.starts_with("postconf -e 'smtpd_delay_reject = yes'; postfix reload"));

  in.rules = {auth};
  f = find(diagnose(in), "at CONNECT");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Warning);
  CHECK(f->message.find("rule auth-needs-tls matches on what is not known yet there") != std::string::npos);
}

TEST_CASE("doctor: asked at HELO with smtpd_delay_reject = no, except with TLS from the start (wrapper mode)") {
  Inputs in = inputs("smtpd_delay_reject = no\nsmtpd_helo_restrictions = " + Policy + "\n");
  std::optional<Finding> f = find(diagnose(in), "at HELO/EHLO, and the first EHLO comes before STARTTLS");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Warning);  // no TLS rule
  in.instances[0].postfix.main["smtpd_tls_wrappermode"] = "yes";
  CHECK_FALSE(find(diagnose(in), "before STARTTLS").has_value());
}

TEST_CASE("doctor: asked only at DATA: a warning when rules match on the recipient, else an info") {
  Inputs in = inputs("smtpd_data_restrictions = " + Policy + "\n");
  std::optional<Finding> f = find(diagnose(in), "Postfix asks tlspolicyd only at DATA");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Info);
  RuleFacts partners = rule("partners-tls");
  partners.uses_recipient = true;
  in.rules = {partners};
  f = find(diagnose(in), "Postfix asks tlspolicyd only at DATA");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Warning);
  CHECK(f->message.find("rule partners-tls (recipient, recipient_domain) cannot match mail for several recipients") !=
        std::string::npos);
  // Asked at RCPT as well: nothing to say about the DATA placement.
  in.instances[0].postfix.main["smtpd_recipient_restrictions"] = Policy;
  CHECK_FALSE(find(diagnose(in), "only at DATA").has_value());
}

TEST_CASE("doctor: asked only at MAIL (smtpd_delay_reject = no): no recipient yet") {
  Inputs in = inputs("smtpd_delay_reject = no\nsmtpd_sender_restrictions = " + Policy + "\n");
  std::optional<Finding> f = find(diagnose(in), "only at MAIL: there is no recipient yet");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Info);
}

TEST_CASE("doctor: smtpd_client_restrictions with smtpd_delay_reject = yes is asked at RCPT: an info") {
  const auto fs = diagnose(inputs("smtpd_client_restrictions = " + Policy + "\n"));
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].severity == Severity::Info);
  CHECK(fs[0].message.find("at each RCPT, with the recipient, because smtpd_delay_reject = yes") != std::string::npos);
}

TEST_CASE("doctor: a restriction class named in a list asks tlspolicyd") {
  const auto fs = diagnose(inputs("smtpd_restriction_classes = tls_protected\ntls_protected = " + Policy +
                                  "\nsmtpd_recipient_restrictions = reject_unauth_destination, tls_protected\n"));
  CHECK(fs.empty());
}

TEST_CASE("doctor: a class reached only through a lookup table is an info, never 'never asks'") {
  const auto fs = diagnose(inputs("smtpd_restriction_classes = tls_protected\ntls_protected = " + Policy +
                                  "\nsmtpd_recipient_restrictions = reject_unauth_destination, "
                                  "check_recipient_access hash:/etc/postfix/protected\n"));
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].severity == Severity::Info);
  CHECK(fs[0].message == "master.cf service smtp, smtpd_recipient_restrictions, restriction class tls_protected: "
                         "tlspolicyd is asked only for the keys of check_recipient_access hash:/etc/postfix/protected "
                         "whose result is the restriction class tls_protected (doctor cannot read the table); other "
                         "mail there is not checked");
}

TEST_CASE("doctor: a class that nothing reaches does not ask") {
  const auto fs = diagnose(inputs("smtpd_restriction_classes = tls_protected\ntls_protected = " + Policy + "\n"));
  CHECK(find(fs, "Postfix never asks tlspolicyd") .has_value());
}

TEST_CASE("doctor: inet:localhost reaches a daemon on 127.0.0.1 when localhost resolves there") {
  Inputs in = inputs("smtpd_recipient_restrictions = check_policy_service { inet:localhost:10040, timeout=10s, "
                     "default_action=DUNNO }\n",
                     "smtp inet n - n - - smtpd\n");
  in.listen = {listen("inet:127.0.0.1:10040")};
  in.sockets.clear();
  in.resolved = {{"localhost", {"127.0.0.1"}}, {"127.0.0.1", {"127.0.0.1"}}};
  const auto fs = diagnose(in);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].severity == Severity::Info);
  CHECK(fs[0].message.find("inet:localhost:10040 reaches tlspolicyd's inet:127.0.0.1:10040 (localhost resolves to "
                           "127.0.0.1)") != std::string::npos);
}

TEST_CASE("doctor: several instances: one that asks is enough; the others are named") {
  Inputs in = inputs("smtpd_recipient_restrictions = " + Policy + "\n");
  Instance mx2 = instance("multi_instance_name = postfix-mx2\nmulti_instance_enable = yes\n"
                          "queue_directory = /var/spool/postfix-mx2\n");
  mx2.config_directory = "/etc/postfix-mx2";
  mx2.name = "postfix-mx2";
  mx2.queue_directory = "/var/spool/postfix-mx2";
  in.instances.push_back(mx2);
  Instance off = instance("multi_instance_enable = no\n");
  off.name = off.config_directory = "/etc/postfix-off";
  in.instances.push_back(off);
  const auto fs = diagnose(in);
  CHECK_FALSE(find(fs, "Postfix never asks").has_value());
  std::optional<Finding> f = find(fs, "instance postfix-mx2: master.cf service smtp never asks tlspolicyd");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Warning);
  // Every step that makes the new socket work: the directory (now and at boot),
  // listen:, the service's ReadWritePaths=, the socket unit, then Postfix.
  CHECK(f->fix.starts_with("tlspolicyd listens nowhere this chrooted smtpd can reach: give it a socket in this "
                           "instance's queue directory as the package does for the default one: install -d -o root "
                           "-g tlspolicyd -m 1770 '/var/spool/postfix-mx2/tlspolicyd'"));
  CHECK(f->fix.find("d /var/spool/postfix-mx2/tlspolicyd 1770 root tlspolicyd -") != std::string::npos);
  CHECK(f->fix.find("add unix:/var/spool/postfix-mx2/tlspolicyd/policy.sock to listen:") != std::string::npos);
  CHECK(f->fix.find("ReadWritePaths=/var/spool/postfix-mx2/tlspolicyd") != std::string::npos);
  CHECK(f->fix.find("ListenStream=/var/spool/postfix-mx2/tlspolicyd/policy.sock") != std::string::npos);
  CHECK(f->fix.find("postconf -c '/etc/postfix-mx2' -e 'smtpd_recipient_restrictions = " + Policy +
                    "'; postfix -c '/etc/postfix-mx2' reload") != std::string::npos);
  std::optional<Finding> disabled = find(fs, "instance /etc/postfix-off is disabled");
  REQUIRE(disabled .has_value());
  CHECK(disabled->severity == Severity::Info);
}

TEST_CASE("doctor: an instance postconf could not read is a warning") {
  Inputs in = inputs("smtpd_recipient_restrictions = " + Policy + "\n");
  Instance bad;
  bad.name = bad.config_directory = "/etc/postfix-gone";
  bad.unreadable = "postconf -c /etc/postfix-gone -n or -M failed";
  in.instances.push_back(bad);
  std::optional<Finding> f = find(diagnose(in), "instance /etc/postfix-gone: not checked");
  REQUIRE(f .has_value());
  CHECK(f->severity == Severity::Warning);
}

TEST_CASE("doctor: a service that never asks gets the item added after reject_unauth_destination") {
  Inputs in = inputs("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, "
                     "check_client_access hash:/etc/postfix/access\n");
  const auto fs = diagnose(in);
  std::optional<Finding> f = find(fs, "master.cf service smtp never asks tlspolicyd (unix:" + Sock + ")");
  REQUIRE(f .has_value());
  CHECK(f->fix.find("postconf -e 'smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, " +
                    Policy + ", check_client_access hash:/etc/postfix/access'; postfix reload") != std::string::npos);
  CHECK(count(fs, Severity::Error) == 1);  // Postfix never asks tlspolicyd
}

TEST_CASE("doctor: a socket closed to postfix: the fixes follow the tlspolicyd group layout") {
  Inputs in = inputs("smtpd_recipient_restrictions = " + Policy + "\n");
  SocketFacts& s = in.sockets[0];
  s.path = Sock;
  s.mode = "0660";
  s.group = "tlspolicyd";

  s.access = SocketAccess::NoGroup;
  std::optional<Finding> f = find(diagnose(in), "Postfix cannot reach unix:" + Sock);
  REQUIRE(f .has_value());
  CHECK(f->message.find("the postfix user may not write to " + Sock + " (mode 0660, group tlspolicyd): postfix is not "
                        "in group tlspolicyd") != std::string::npos);
  CHECK(f->fix.starts_with("adduser postfix tlspolicyd, then postfix reload (smtpd takes its groups when it starts"));

  s.access = SocketAccess::NoWrite;
  s.mode = "0640";
  s.in_group = true;
  f = find(diagnose(in), "Postfix cannot reach");
  REQUIRE(f .has_value());
  CHECK(f->fix == "socket: { mode: \"0660\", group: tlspolicyd } in tlspolicyd.yaml, then systemctl restart tlspolicyd");

  s.access = SocketAccess::ClosedDirectory;
  s.path = "/var/spool/postfix/tlspolicyd";
  s.mode = "0750";
  s.in_group = false;
  f = find(diagnose(in), "may not search the directory /var/spool/postfix/tlspolicyd (mode 0750, group tlspolicyd)");
  REQUIRE(f .has_value());
  CHECK(f->fix.starts_with("chgrp tlspolicyd '/var/spool/postfix/tlspolicyd' && chmod g+x '/var/spool/postfix/tlspolicyd', "
                           "adduser postfix tlspolicyd, then postfix reload"));

  // A directory further up is not tlspolicyd's to open: move the socket.
  s.path = "/var/spool";
  f = find(diagnose(in), "may not search the directory /var/spool (mode 0750, group tlspolicyd)");
  REQUIRE(f .has_value());
  CHECK(f->fix.starts_with("move the socket into a directory of tlspolicyd's that postfix may search"));
}

TEST_CASE("doctor: a daemon that accepts but does not answer is hung: an error, and the restart") {
  Inputs in = inputs("smtpd_recipient_restrictions = " + Policy + "\n");
  CHECK_FALSE(find(diagnose(in), "did not answer").has_value());
  in.sockets[0].answering = false;
  std::optional<Finding> f = find(diagnose(in), "tlspolicyd accepts connections on unix:" + Sock +
                                                    " but did not answer a test request within 3 s");
  REQUIRE(f.has_value());
  CHECK(f->severity == Severity::Error);
  CHECK(f->fix == "systemctl restart tlspolicyd (journalctl -u tlspolicyd may say why)");
}

TEST_CASE("doctor: restriction classes that double at every level stay bounded, and each finding is said once") {
  // c0 = c1 c1, c1 = c2 c2, ... c19 = permit_mynetworks, <policy>: 2^20 items if
  // followed to the end; postconf accepts it.
  std::string main_cf = "smtpd_restriction_classes =";
  for (int i = 0; i < 20; ++i) main_cf += " c" + std::to_string(i);
  main_cf += "\n";
  for (int i = 0; i < 19; ++i) {
    main_cf += "c" + std::to_string(i) + " = c" + std::to_string(i + 1) + " c" + std::to_string(i + 1) + "\n";
  }
  main_cf += "c19 = permit_mynetworks, " + Policy + "\nsmtpd_recipient_restrictions = c0\n";
  const auto fs = diagnose(inputs(main_cf));
  CHECK_FALSE(find(fs, "Postfix never asks").has_value());
  std::size_t mynetworks = 0;
  for (const auto& f : fs) mynetworks += f.message.find("permit_mynetworks comes first") != std::string::npos;
  CHECK(mynetworks == 1);
}
