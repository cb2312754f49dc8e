// SPDX-License-Identifier: MIT
// config: one immutable, fully compiled configuration snapshot.
//
// Built whole by the loader (lists read, rules compiled, actions checked) and then
// only read: the daemon swaps the shared_ptr<const Config> on reload, so a request
// always sees one consistent generation. Defaults are those of SPEC section 3.5.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/downgrade_settings.h"
#include "config/listen_address.h"
#include "log/decision_log.h"
#include "policy/policy.h"
#include "protocol/request_parser.h"

namespace tlspolicyd::config {

enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warning, Error };
using log::DecisionLog;

struct LogSettings {
  std::string facility = "mail";
  std::string ident = "tlspolicyd";
  std::string syslog_socket = "/dev/log";  // the local syslog daemon's datagram socket
  LogLevel level = LogLevel::Info;
  DecisionLog decisions = DecisionLog::Violations;
};

struct SocketSettings {
  std::uint32_t mode = 0660;
  std::string group;  // empty: the process's own group
};

// Who the daemon runs as once its sockets and store are open (SPEC: least privilege).
struct ProcessSettings {
  std::string user;          // drop to this user when started as root
  std::string group;         // and this group (default: the user's own)
  bool run_as_root = false;  // allow staying root without `user`
};

struct ServerLimits {
  protocol::Limits request;
  std::size_t connections = 10000;
  std::chrono::seconds idle_timeout{1000};
};

inline constexpr const char* DefaultConfigPath = "/etc/tlspolicyd/tlspolicyd.yaml";
// In Postfix's queue directory, so that a chrooted smtpd (Debian's master.cf) reaches
// it too: Postfix names it unix:tlspolicyd/policy.sock, relative to the queue directory.
inline constexpr const char* DefaultListen = "unix:/var/spool/postfix/tlspolicyd/policy.sock";

struct Config {
  std::string path;                  // the file it was read from
  std::vector<ListenAddress> listen;  // as configured; empty means DefaultListen
  SocketSettings socket;
  ProcessSettings process;
  LogSettings log;
  ServerLimits limits;
  policy::Mode mode = policy::Mode::Enforce;
  policy::Policy policy;
  std::optional<DowngradeSettings> downgrade;  // absent: no TLS history
  std::optional<ListenAddress> metrics;         // inet: endpoint of the Prometheus page; absent: none
};

[[nodiscard]] std::string_view to_string(LogLevel level);

// The syslog facility names accepted in log.syslog.facility.
[[nodiscard]] bool is_syslog_facility(std::string_view name);

}  // namespace tlspolicyd::config
