// SPDX-License-Identifier: MIT
// main: the tlspolicyd command line (SPEC section 2). `serve` is the default
// subcommand: `tlspolicyd -c FILE` is `tlspolicyd serve -c FILE`.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string_view>

#include "commands.h"
#include "config/config.h"

#ifndef TLSPOLICYD_VERSION
#define TLSPOLICYD_VERSION "unknown"
#endif

using namespace tlspolicyd::daemon;

namespace {

bool is_subcommand(std::string_view arg) {
  for (std::string_view name : {"serve", "check", "query", "simulate", "report", "history", "doctor"}) {
    if (arg == name) return true;
  }
  return false;
}

bool is_top_level_flag(std::string_view arg) { return arg == "--version" || arg == "--help" || arg == "-h"; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (!is_subcommand(args.front()) && !is_top_level_flag(args.front()))) {
    args.insert(args.begin(), "serve");
  }

  CLI::App app{"tlspolicyd: a Postfix policy server that decides whether the TLS a client negotiated is good enough"};
  app.name("tlspolicyd");
  app.set_version_flag("--version", std::string("tlspolicyd ") + TLSPOLICYD_VERSION);
  app.require_subcommand(1);
  const std::string default_config = tlspolicyd::config::DefaultConfigPath;

  ServeArgs serve;
  serve.config_path = default_config;
  auto* serve_cmd = app.add_subcommand("serve", "Run the policy server in the foreground (the default)");
  serve_cmd->add_option("-c,--config", serve.config_path, "Configuration file")->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "unix:PATH or inet:HOST:PORT; replaces the config's listen list");
  serve_cmd->add_flag("--stdio", serve.stdio, "Serve one connection on stdin/stdout (Postfix spawn(8))");
  std::vector<std::string> levels;
  for (std::size_t i = 0; i < tlspolicyd::config::LogLevelCount; ++i) {
    levels.emplace_back(tlspolicyd::config::to_string(static_cast<tlspolicyd::config::LogLevel>(i)));
  }
  serve_cmd->add_option("--log-level", serve.log_level, tlspolicyd::config::log_level_names())
      ->check(CLI::IsMember(levels));
  serve_cmd->add_flag("--log-stderr", serve.log_stderr, "Log to stderr instead of syslog");
  serve_cmd->add_flag("--run-as-root", serve.run_as_root, "Stay root when the configuration names no user:");

  std::string check_config = default_config;
  auto* check_cmd = app.add_subcommand("check", "Validate the configuration and every file it references");
  check_cmd->add_option("-c,--config", check_config, "Configuration file")->capture_default_str();

  QueryArgs query;
  query.config_path = default_config;
  auto* query_cmd = app.add_subcommand("query", "Evaluate one request (NAME=VALUE arguments, or the wire format on stdin)");
  query_cmd->add_option("-c,--config", query.config_path, "Configuration file")->capture_default_str();
  query_cmd->add_flag("--explain", query.explain, "Show how every rule decided");
  query_cmd->add_flag("--json", query.json, "Print the result as one JSON object");
  query_cmd->add_option("attributes", query.attributes, "Request attributes as NAME=VALUE");

  SimulateArgs simulate;
  simulate.config_path = default_config;
  auto* simulate_cmd = app.add_subcommand("simulate", "Replay Postfix's mail log through the rules: what would they refuse?");
  simulate_cmd->add_option("-c,--config", simulate.config_path, "Configuration file")->capture_default_str();
  simulate_cmd->add_flag("--json", simulate.json, "Print one JSON object per RCPT, then a summary");
  simulate_cmd->add_option("--since", simulate.since, "Only log lines within DURATION before now (e.g. 30d)");
  simulate_cmd->add_option("--postconf", simulate.postconf, "Command to run in place of postconf; none: do not")
      ->capture_default_str();
  simulate_cmd->add_option("--top", simulate.top, "Peers shown per rule")->capture_default_str();
  simulate_cmd->add_option("logs", simulate.logs, "Mail log files (.gz too), - for stdin")->required();

  ReportArgs report;
  report.config_path = default_config;
  auto* report_cmd = app.add_subcommand("report", "Summarise the TLS history store");
  report_cmd->add_option("-c,--config", report.config_path, "Configuration file")->capture_default_str();
  report_cmd->add_flag("--json", report.json, "Print one JSON object");
  report_cmd->add_option("--since", report.since, "Only peers seen within DURATION (e.g. 7d)");

  HistoryArgs history;
  history.config_path = default_config;
  auto* history_cmd = app.add_subcommand("history", "Look at and correct the TLS history store");
  history_cmd->require_subcommand(1);
  struct HistorySub {
    HistoryAction action;
    const char* help;
  };
  for (const HistorySub& sub :
       {HistorySub{HistoryAction::Show, "Print the record of each KEY"},
        HistorySub{HistoryAction::Forget, "Remove the record of each KEY (running daemons drop it within 5 s)"},
        HistorySub{HistoryAction::Rebaseline, "Accept each KEY's last protocol as its best (running daemons follow)"},
        HistorySub{HistoryAction::Export, "Print every record as JSON Lines"},
        HistorySub{HistoryAction::Import, "Add the records of FILE (what export wrote) to the store"},
        HistorySub{HistoryAction::Learn, "Count the transactions of Postfix's mail logs into the store, once"}}) {
    const std::string name(to_string(sub.action));
    auto* cmd = history_cmd->add_subcommand(name, sub.help);
    cmd->add_option("-c,--config", history.config_path, "Configuration file")->capture_default_str();
    cmd->callback([&history, action = sub.action] { history.action = action; });
    if (sub.action == HistoryAction::Import) {
      cmd->add_option("file", history.file, "A file that export wrote, - for stdin")->required();
    } else if (sub.action == HistoryAction::Learn) {
      cmd->add_option("--since", history.since, "Only log lines within DURATION before now (e.g. 30d)");
      cmd->add_option("--postconf", history.postconf, "Command to run in place of postconf; none: do not")
          ->capture_default_str();
      cmd->add_option("logs", history.logs, "Mail log files (.gz too), - for stdin")->required();
    } else if (sub.action != HistoryAction::Export) {
      cmd->add_option("keys", history.keys, "Keys as report prints them")->required();
    }
  }

  DoctorArgs doctor;
  doctor.config_path = default_config;
  auto* doctor_cmd = app.add_subcommand("doctor", "Check how Postfix is wired to tlspolicyd");
  doctor_cmd->add_option("-c,--config", doctor.config_path, "Configuration file")->capture_default_str();
  doctor_cmd->add_option("--postconf", doctor.postconf, "Command to run in place of postconf")->capture_default_str();

  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_code::Ok : exit_code::Usage;
  }

  if (*serve_cmd) return run_serve(serve);
  if (*check_cmd) return run_check(check_config);
  if (*query_cmd) return run_query(query);
  if (*simulate_cmd) return run_simulate(simulate);
  if (*report_cmd) return run_report(report);
  if (*history_cmd) return run_history(history);
  if (*doctor_cmd) return run_doctor(doctor);
  return exit_code::Usage;
}
