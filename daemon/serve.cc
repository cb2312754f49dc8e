// SPDX-License-Identifier: MIT
// serve: loads the configuration, sets up logging and runs the Server.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>

#include "commands.h"
#include "config/config_loader.h"
#include "privileges.h"
#include "server.h"

namespace tlspolicyd::daemon {
namespace {

// Lets the daemon hold as many connections as the hard limit allows (the soft
// limit is often 1024, far below limits.connections).
void raise_fd_limit(spdlog::logger& log, std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur != rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted + 64) {
    log.warn("open file limit {} is below limits.connections {}; raise LimitNOFILE", rl.rlim_cur, wanted);
  }
}

}  // namespace

int run_serve(const ServeArgs& args) {
  // A peer that goes away must never kill the daemon with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  // With --stdio, stderr is Postfix's socket: nothing may be written to it.
  const LogTarget target = args.stdio ? LogTarget::Syslog : (args.log_stderr ? LogTarget::Stderr : LogTarget::Syslog);

  ServeOptions options;
  options.config_path = args.config_path;
  options.stdio = args.stdio;
  for (const auto& text : args.listen) {
    auto parsed = config::parse_listen_address(text);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      if (!args.stdio) std::fprintf(stderr, "tlspolicyd: --listen %s: %s\n", text.c_str(), err->c_str());
      return exit_code::Usage;
    }
    options.listen.push_back(std::get<config::ListenAddress>(parsed));
  }

  config::LoadResult loaded = config::load_config_file(args.config_path, file_owners());
  if (!loaded.errors.empty()) {
    Logger log = make_logger(target, config::LogSettings{});
    for (const auto& e : loaded.errors) {
      log->error("{}", e.to_string());
      if (target == LogTarget::Syslog && !args.stdio) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    }
    log->error("not starting: {} configuration error(s)", loaded.errors.size());
    return exit_code::Config;
  }

  if (args.log_level) options.log_level = config::parse_log_level(*args.log_level);
  config::LogSettings log_settings = loaded.config->log;
  log_settings.level = options.log_level.value_or(log_settings.level);
  Logger log = make_logger(target, log_settings);
  if (!args.stdio) raise_fd_limit(*log, loaded.config->limits.connections);

  const config::ProcessSettings process = loaded.config->process;
  Server server(std::move(options), std::move(loaded.config), log);
  if (int rc = server.open(); rc != 0) return rc;
  // Sockets bound and the store open: root is not needed any more.
  PrivilegeResult dropped = drop_privileges(process, args.run_as_root);
  if (dropped.exit_code != 0) {
    log->error("{}", dropped.message);
    return dropped.exit_code;
  }
  log->log(args.stdio ? spdlog::level::debug : spdlog::level::info, "{}", dropped.message);
  return server.run();
}

}  // namespace tlspolicyd::daemon
