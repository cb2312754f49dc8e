// SPDX-License-Identifier: MIT
// commands: the tlspolicyd subcommands (SPEC section 2), each returning its exit
// code. serve runs the daemon; check and query never open a socket, report and
// history open the history store (a Redis store is a TCP connection), doctor runs
// postconf and probes the policy endpoint it finds, simulate reads mail logs (and
// runs postconf).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlspolicyd::daemon {

// sysexits(3) codes used by the command line.
namespace exit_code {
inline constexpr int Ok = 0;
inline constexpr int Usage = 64;
inline constexpr int DataErr = 65;
inline constexpr int NoInput = 66;
inline constexpr int Unavailable = 69;
inline constexpr int Software = 70;
inline constexpr int Config = 78;
}  // namespace exit_code

struct ServeArgs {
  std::string config_path;
  std::vector<std::string> listen;
  bool stdio = false;
  bool log_stderr = false;
  bool run_as_root = false;
  std::optional<std::string> log_level;
};

struct QueryArgs {
  std::string config_path;
  bool explain = false;
  bool json = false;
  std::vector<std::string> attributes;  // NAME=VALUE
};

struct ReportArgs {
  std::string config_path;
  bool json = false;
  std::string since;  // a duration; empty: everything
};

// `history SUBCOMMAND`: look at and correct the TLS history store.
enum class HistoryAction { Show, Forget, Rebaseline, Export, Import, Learn };
[[nodiscard]] std::string_view to_string(HistoryAction action);  // "show", ...

struct HistoryArgs {
  HistoryAction action = HistoryAction::Show;
  std::string config_path;
  std::vector<std::string> keys;  // show, forget, rebaseline: as report prints them (escaped)
  std::string file;               // import: a file that export wrote ("-": stdin)
  std::vector<std::string> logs;  // learn: mail logs ("-": stdin)
  std::string since;              // learn: a duration; empty: the whole log
  std::string postconf = "postconf";  // learn: "none": do not read Postfix's configuration
};

struct SimulateArgs {
  std::string config_path;
  bool json = false;
  std::string since;        // a duration; empty: the whole log
  std::string postconf = "postconf";  // "none": do not read Postfix's configuration
  std::size_t top = 10;     // peers shown per rule
  std::vector<std::string> logs;  // "-": stdin
};

struct DoctorArgs {
  std::string config_path;
  std::string postconf = "postconf";  // run as POSTCONF -n, -M, -h NAME
};

int run_serve(const ServeArgs& args);
int run_doctor(const DoctorArgs& args);
int run_simulate(const SimulateArgs& args);
int run_report(const ReportArgs& args);
int run_history(const HistoryArgs& args);
int run_check(const std::string& config_path);
int run_query(const QueryArgs& args);

}  // namespace tlspolicyd::daemon
