// SPDX-License-Identifier: MIT
#include "process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace tlspolicyd::daemon {
namespace {

void series(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.15g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(number).append("\n");
}

// The fields of /proc/self/stat after the command name (field 3, state, first).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces and parentheses
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// The boot time from /proc/stat ("btime SECONDS"), 0 when unknown.
long long boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

void append_process_metrics(std::string& out) {
  const std::vector<std::string> f = stat_fields();
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  // man 5 proc, counted from field 3: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  if (f.size() >= 22 && ticks > 0 && page > 0) {
    const double cpu = (std::atof(f[14 - 3].c_str()) + std::atof(f[15 - 3].c_str())) / static_cast<double>(ticks);
    series(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu);
    series(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", std::atof(f[23 - 3].c_str()));
    series(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::atof(f[24 - 3].c_str()) * static_cast<double>(page));
    if (const long long boot = boot_time(); boot > 0) {
      series(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
             static_cast<double>(boot) + std::atof(f[22 - 3].c_str()) / static_cast<double>(ticks));
    }
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    double open = 0;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++open;
    }
    ::closedir(d);
    series(out, "process_open_fds", "gauge", "Number of open file descriptors.", open - 1);  // less the one reading
  }
  if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    series(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", static_cast<double>(lim.rlim_cur));
  }
}

}  // namespace tlspolicyd::daemon
