// SPDX-License-Identifier: MIT
// config: one immutable, fully compiled configuration snapshot.
//
// Built whole by the loader (lists read, rules compiled, actions checked) and then
// only read: the daemon swaps the shared_ptr<const Config> on reload, so a request
// always sees one consistent generation. Defaults are those of SPEC section 3.5.
// The log settings' vocabulary (LogLevel, SyslogFacility: names, parsing, the
// lists error messages give) is defined here once; the daemon maps it to spdlog
// and syslog.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/downgrade_settings.h"
#include "config/listen_address.h"
#include "log/decision_log.h"
#include "match/ip_set.h"
#include "net/ip_address.h"
#include "policy/policy.h"
#include "protocol/request_parser.h"

namespace tlspolicyd::config {

// log.level and --log-level. The daemon maps each level to its logger's.
enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warning, Error };
inline constexpr std::size_t LogLevelCount = static_cast<std::size_t>(LogLevel::Error) + 1;

// "trace", "debug", "info", "warning", "error".
[[nodiscard]] std::string_view to_string(LogLevel level);
// The level named `name`, or nullopt.
[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view name);
// Every level's name, for messages: "trace, debug, info, warning or error".
[[nodiscard]] std::string log_level_names();

// log.syslog.facility. The daemon maps each facility to syslog's LOG_* code.
enum class SyslogFacility : std::uint8_t {
  Mail, Daemon, User, Auth, Authpriv,
  Local0, Local1, Local2, Local3, Local4, Local5, Local6, Local7,
};
inline constexpr std::size_t SyslogFacilityCount = static_cast<std::size_t>(SyslogFacility::Local7) + 1;

// "mail", "daemon", ..., "local7".
[[nodiscard]] std::string_view to_string(SyslogFacility facility);
// The facility named `name`, or nullopt.
[[nodiscard]] std::optional<SyslogFacility> parse_syslog_facility(std::string_view name);
// Every facility's name, for messages: "mail, daemon, user, auth, authpriv or local0..local7".
[[nodiscard]] std::string syslog_facility_names();

using log::DecisionLog;

struct LogSettings {
  SyslogFacility facility = SyslogFacility::Mail;
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

// limits.reserved_for: the peers limits.connections keeps room for (Postfix). At
// the limit a newcomer of theirs takes another peer's place; other peers never
// take theirs. A local process is known by its uid (on unix and inet listeners
// alike), a remote one by its address.
struct ReservedPeers {
  std::vector<std::string> users;  // as configured; default "postfix", "root"
  std::vector<uid_t> uids;         // those of `users` found on this host
  match::IpSet networks;           // remote peers (other MX hosts)

  [[nodiscard]] bool contains(std::optional<uid_t> uid, const std::optional<net::IpAddress>& address) const;
};

struct ServerLimits {
  protocol::Limits request;
  std::size_t connections = 10000;
  // At most this many of them from one peer (a uid for a local process, an address
  // for a remote one); the loader sets half of `connections` unless configured.
  std::size_t connections_per_peer = 5000;
  ReservedPeers reserved;
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

}  // namespace tlspolicyd::config
