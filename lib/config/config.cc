// SPDX-License-Identifier: MIT
#include "config/config.h"

#include <algorithm>
#include <array>

#include "util/enum_table.h"

namespace tlspolicyd::config {
namespace {

// One entry per enumerator, in enum order (checked below): the names a
// configuration and the command line use.
struct LogLevelInfo {
  LogLevel level;
  std::string_view name;
};

constexpr std::array<LogLevelInfo, LogLevelCount> LogLevels = {{
    {LogLevel::Trace, "trace"},
    {LogLevel::Debug, "debug"},
    {LogLevel::Info, "info"},
    {LogLevel::Warning, "warning"},
    {LogLevel::Error, "error"},
}};
static_assert(util::indexed_by(LogLevels, &LogLevelInfo::level, LogLevelCount));

struct FacilityInfo {
  SyslogFacility facility;
  std::string_view name;
};

constexpr std::array<FacilityInfo, SyslogFacilityCount> Facilities = {{
    {SyslogFacility::Mail, "mail"},
    {SyslogFacility::Daemon, "daemon"},
    {SyslogFacility::User, "user"},
    {SyslogFacility::Auth, "auth"},
    {SyslogFacility::Authpriv, "authpriv"},
    {SyslogFacility::Local0, "local0"},
    {SyslogFacility::Local1, "local1"},
    {SyslogFacility::Local2, "local2"},
    {SyslogFacility::Local3, "local3"},
    {SyslogFacility::Local4, "local4"},
    {SyslogFacility::Local5, "local5"},
    {SyslogFacility::Local6, "local6"},
    {SyslogFacility::Local7, "local7"},
}};
static_assert(util::indexed_by(Facilities, &FacilityInfo::facility, SyslogFacilityCount));

}  // namespace

std::string_view to_string(LogLevel level) { return LogLevels[static_cast<std::size_t>(level)].name; }

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (const auto& l : LogLevels) {
    if (l.name == name) return l.level;
  }
  return std::nullopt;
}

std::string log_level_names() {
  std::string out;
  for (std::size_t i = 0; i < LogLevels.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == LogLevels.size() ? " or " : ", ");
    out += LogLevels[i].name;
  }
  return out;
}

std::string_view to_string(SyslogFacility facility) { return Facilities[static_cast<std::size_t>(facility)].name; }

std::optional<SyslogFacility> parse_syslog_facility(std::string_view name) {
  for (const auto& f : Facilities) {
    if (f.name == name) return f.facility;
  }
  return std::nullopt;
}

std::string syslog_facility_names() {
  // The local ones are a range: "local0..local7".
  std::string out;
  for (const auto& f : Facilities) {
    if (f.facility >= SyslogFacility::Local0) break;
    out += (out.empty() ? "" : ", ") + std::string(f.name);
  }
  return out + " or " + std::string(to_string(SyslogFacility::Local0)) + ".." +
         std::string(to_string(SyslogFacility::Local7));
}

bool ReservedPeers::contains(std::optional<uid_t> uid, const std::optional<net::IpAddress>& address) const {
  if (uid) return std::find(uids.begin(), uids.end(), *uid) != uids.end();
  return address && networks.contains(*address);
}

}  // namespace tlspolicyd::config
