// SPDX-License-Identifier: MIT
// doctor: finds the mistakes that make Postfix and tlspolicyd disagree.
//
// From Postfix's configuration (postconf -n / -M), tlspolicyd's listen addresses
// and facts about its sockets gathered by the caller, it reports: the policy
// service missing, or placed after a permit that skips it; no default_action (a
// stopped daemon then defers all mail) or no timeout; AUTH offered before
// STARTTLS; a TLS floor or mandatory TLS on port 25 (which pushes old senders to
// plaintext, or breaks RFC 3207); a socket Postfix cannot reach (missing, not
// listening, wrong permissions, outside a chroot). Each finding says how to fix
// it. Pure: no files, no sockets, no processes.
#pragma once

#include <string>
#include <vector>

#include "config/listen_address.h"
#include "doctor/postconf.h"

namespace tlspolicyd::doctor {

enum class Severity { Error, Warning, Info };
[[nodiscard]] std::string_view to_string(Severity s);

struct Finding {
  Severity severity;
  std::string message;
  std::string fix;  // may be empty
};

// What the caller found out about one of tlspolicyd's sockets.
struct SocketFacts {
  std::string endpoint;     // "unix:/run/tlspolicyd/policy.sock", "inet:127.0.0.1:10040"
  bool accepting = false;   // a connection succeeded
  bool missing = false;     // the socket file does not exist
  std::string problem;      // why the postfix user cannot use it (permissions), or empty
};

struct Inputs {
  PostfixConfig postfix;
  std::string queue_directory = "/var/spool/postfix";
  std::vector<config::ListenAddress> listen;  // tlspolicyd's (the default when empty)
  bool rules_use_sasl = false;                // a rule matches on sasl or sasl_username
  std::vector<SocketFacts> sockets;
};

[[nodiscard]] std::vector<Finding> diagnose(const Inputs& in);

}  // namespace tlspolicyd::doctor
