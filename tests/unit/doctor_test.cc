// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "doctor/doctor.h"

using namespace tlspolicyd::doctor;

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

TEST_CASE("doctor: relative unix: endpoints resolve from the queue directory") {
  Inputs in;
  in.instances.emplace_back();
  in.instances[0].postfix.main = parse_main(
      "smtpd_tls_auth_only = yes\n"
      "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service { unix:tlspolicyd/policy.sock, "
      "timeout=10s, default_action=DUNNO }\n");
  in.instances[0].postfix.services = parse_master("smtp inet n - y - - smtpd\n");
  in.listen.push_back(std::get<tlspolicyd::config::ListenAddress>(
      tlspolicyd::config::parse_listen_address("unix:/var/spool/postfix/tlspolicyd/policy.sock")));
  SocketFacts sock;
  sock.endpoint = "unix:/var/spool/postfix/tlspolicyd/policy.sock";
  sock.accepting = true;
  in.sockets.push_back(sock);
  CHECK(diagnose(in).empty());  // chrooted, but inside the queue directory: fine
}
