// SPDX-License-Identifier: MIT
#include "config/config.h"

#include <algorithm>
#include <array>

namespace tlspolicyd::config {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
  }
  return "info";
}

bool is_syslog_facility(std::string_view name) {
  static constexpr std::array<std::string_view, 13> Names = {"mail",   "daemon", "user",   "auth",   "authpriv",
                                                             "local0", "local1", "local2", "local3", "local4",
                                                             "local5", "local6", "local7"};
  return std::find(Names.begin(), Names.end(), name) != Names.end();
}

}  // namespace tlspolicyd::config
