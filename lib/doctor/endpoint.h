// SPDX-License-Identifier: MIT
// endpoint: where a check_policy_service endpoint leads, seen from one smtpd
// service, and whether that is one of tlspolicyd's sockets.
//
// Postfix daemons chdir to their queue directory, and a chrooted one chroots
// there: a relative unix: path resolves from the queue directory (chrooted or
// not), an absolute one from / or, chrooted, from the queue directory. inet:
// endpoints match when the ports are equal and the hosts are the same text or
// resolve to a common address (the caller resolves names: see Resolved).
// Limits: paths are compared lexically (no symbolic links followed); a wildcard
// listener (0.0.0.0, ::) matches any address of its family.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/listen_address.h"

namespace tlspolicyd::doctor {

// Host name or address -> the addresses it resolves to, in numeric form.
using Resolved = std::map<std::string, std::vector<std::string>>;

struct PolicyEndpoint {
  enum class Kind { Unix, Inet, Other };
  Kind kind = Kind::Other;
  std::string text;  // as written: "unix:tlspolicyd/policy.sock", "inet:localhost:10040"
  std::string path;  // Unix: as written, relative or absolute
  std::string host;  // Inet: without brackets
  std::string port;  // Inet
};

[[nodiscard]] PolicyEndpoint parse_endpoint(std::string_view text);

// Where a smtpd service looks for one of tlspolicyd's sockets.
struct Scope {
  std::string queue_directory;
  bool chrooted = false;
};

// The absolute path, outside any chroot, that a unix: endpoint reaches from `scope`.
[[nodiscard]] std::string reached_path(const PolicyEndpoint& endpoint, const Scope& scope);

enum class Reach {
  Ours,    // Postfix connects to one of tlspolicyd's sockets
  Astray,  // it looks meant for tlspolicyd but leads elsewhere
  Other,   // another policy service
};

struct Target {
  Reach reach = Reach::Other;
  const config::ListenAddress* ours = nullptr;  // the socket it reaches (Ours) or was meant for (Astray)
  std::string reached;                         // unix: the path Postfix connects to
  std::string note;  // Ours through name resolution: "localhost resolves to 127.0.0.1"; Astray: why it misses
};

// Classifies `endpoint`: Astray when its path mentions tlspolicyd or is one of
// ours as written, or when an inet: endpoint has one of our ports.
[[nodiscard]] Target classify(const PolicyEndpoint& endpoint, const Scope& scope,
                              const std::vector<config::ListenAddress>& ours, const Resolved& resolved);

// How Postfix should name `ours` from `scope`: "unix:tlspolicyd/policy.sock" when
// the socket is in the queue directory (right chrooted or not), "unix:/abs" or
// "inet:host:port" otherwise; empty when `scope` cannot reach it (a socket
// outside the queue directory of a chrooted service).
[[nodiscard]] std::string postfix_name(const config::ListenAddress& ours, const Scope& scope);

// The lexical normal form of an absolute path ("//", "/./" and "x/.." removed).
[[nodiscard]] std::string normal_path(std::string_view path);

}  // namespace tlspolicyd::doctor
