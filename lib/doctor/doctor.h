// SPDX-License-Identifier: MIT
// doctor: finds the mistakes that make Postfix and tlspolicyd disagree.
//
// From each Postfix instance's configuration (postconf -n / -M, its queue
// directory), tlspolicyd's listen addresses and rules, and facts the caller
// gathered (resolved host names, its sockets as Postfix's mail_owner sees them),
// it reports, per instance and smtpd service: the policy service missing; an
// endpoint meant for tlspolicyd that leads elsewhere (a chroot, another queue
// directory, tlspolicyd 0.1.0's socket, another port's host); a placement where
// Postfix never asks (after a permit) or asks too early (before STARTTLS with
// smtpd_delay_reject = no) or without the recipient (MAIL, DATA); a class reached
// only through a lookup table; no default_action or timeout; AUTH before
// STARTTLS; a TLS floor or mandatory TLS on port 25; a socket Postfix cannot
// reach. Each finding says what is wrong, why, and the exact fix. Pure: no files,
// sockets, processes or name lookups here.
#pragma once

#include <string>
#include <vector>

#include "config/listen_address.h"
#include "doctor/endpoint.h"
#include "doctor/postconf.h"

namespace tlspolicyd::doctor {

enum class Severity { Error, Warning, Info };
[[nodiscard]] std::string_view to_string(Severity s);

struct Finding {
  Severity severity;
  std::string message;
  std::string fix;  // may be empty
};

// Why Postfix's mail_owner cannot use a unix: socket.
enum class SocketAccess {
  Ok,
  NotSocket,        // `path` is something else
  NoGroup,          // not the owner, not in the socket's group
  NoWrite,          // the bits that apply to the user lack write
  ClosedDirectory,  // `path` is a directory on the way the user may not search
};

// How long the caller waits for tlspolicyd to answer its test request.
inline constexpr int ProbeTimeoutSeconds = 3;

// What the caller found out about one of tlspolicyd's sockets.
struct SocketFacts {
  std::string endpoint;    // "unix:/var/spool/postfix/tlspolicyd/policy.sock", "inet:127.0.0.1:10040"
  bool accepting = false;  // a connection succeeded
  bool answering = false;  // a test request got an action= answer within ProbeTimeout
  bool missing = false;    // the socket file does not exist
  // Judged as smtpd runs: uid of mail_owner, its primary group and the
  // supplementary groups initgroups() gives it.
  SocketAccess access = SocketAccess::Ok;
  std::string user = "postfix";  // mail_owner
  std::string path;              // the socket, or the closed directory
  std::string mode;              // of `path`, "0660"
  std::string group;             // of `path`
  bool in_group = false;         // `user` has `group`
};

// What doctor needs to know of one of tlspolicyd's rules.
struct RuleFacts {
  std::string name;
  // Enforce mode, with a requirement (no plaintext request meets one), or matching
  // on tls with a refusing action (match: { tls: false }, reject).
  bool refuses_plaintext = false;
  bool uses_recipient = false;     // matches on recipient or recipient_domain
  bool uses_sasl = false;          // matches on sasl, sasl_username or sasl_method
  // Matches on what is empty before MAIL FROM (sender, recipient, SASL, client
  // certificate), or before HELO (helo_name): it cannot match there.
  bool needs_transaction = false;
  bool needs_helo = false;
};

// One Postfix instance (postmulti): the default one, or one of multi_instance_directories.
struct Instance {
  std::string name;              // multi_instance_name, else its config directory
  std::string config_directory;  // for "postconf -c" in fixes; empty for /etc/postfix
  PostfixConfig postfix;
  std::string queue_directory = "/var/spool/postfix";
  std::string unreadable;  // why postconf could not read it (then nothing else is known)
};

struct Inputs {
  std::vector<Instance> instances;             // the default instance first
  std::vector<config::ListenAddress> listen;  // tlspolicyd's (the default when empty)
  std::vector<RuleFacts> rules;
  Resolved resolved;  // the hosts of policy_hosts() and of `listen`, resolved
  std::vector<SocketFacts> sockets;
};

[[nodiscard]] std::vector<Finding> diagnose(const Inputs& in);

}  // namespace tlspolicyd::doctor
