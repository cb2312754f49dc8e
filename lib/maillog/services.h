// SPDX-License-Identifier: MIT
// services: what Postfix's configuration says about each smtpd service, keyed by
// the program name it logs under ("postfix/submission/smtpd"): whether it asks
// tlspolicyd at RCPT, with which policy_context, on which port, and whether it
// logs its TLS handshakes.
//
// The program name is the service's syslog_name (its -o override, else main.cf's,
// else Postfix's default: the multi_instance_name or "postfix") and "/smtpd". A
// service behind postscreen (type pass) has the port of its instance's postscreen
// listener. Services that log under the same name and differ in a fact leave that
// fact unknown (nullopt). When no service asks tlspolicyd (it is not wired yet),
// every smtpd service is taken as asking it in smtpd_recipient_restrictions
// (`assumed`), so that a candidate policy can be tried on the log first. Pure:
// the caller ran postconf and knows the port of a service name (/etc/services).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/listen_address.h"
#include "doctor/doctor.h"

namespace tlspolicyd::maillog {

struct ServiceFacts {
  std::optional<bool> asks;                   // tlspolicyd is asked at RCPT
  std::optional<std::string> policy_context;  // "" when none is set
  std::optional<std::uint16_t> port;
  std::optional<bool> tls_logged;             // smtpd_tls_loglevel is 1 or more
};

struct ServiceMap {
  std::map<std::string, ServiceFacts, std::less<>> services;  // by program name
  bool assumed = false;  // no service asks tlspolicyd: every one is taken as asking
  // The facts of `program`; a program the configuration does not name (another
  // instance, a log from elsewhere) has every fact unknown.
  [[nodiscard]] ServiceFacts find(std::string_view program) const;
};

// `port_of`: the TCP port of a service name such as "submission" (nullopt: unknown).
[[nodiscard]] ServiceMap service_map(const std::vector<doctor::Instance>& instances,
                                     const std::vector<config::ListenAddress>& ours,
                                     const std::function<std::optional<std::uint16_t>(std::string_view)>& port_of);

}  // namespace tlspolicyd::maillog
