// SPDX-License-Identifier: MIT
// server: the daemon's event loop, its listeners, signals and reloads.
//
// Threads: the loop's thread answers every request; the Reloader's worker loads a
// new configuration and the HistoryService's worker talks to the history store,
// both handing their results to the loop through an Inbox. The configuration is a
// shared_ptr<const Config> swapped whole on SIGHUP once the new one is fully
// built; a bad new file is logged and the old one stays. SIGTERM/SIGINT stop
// accepting, answer what has arrived (but for a peer that does not read its
// answers: Connection::shutdown), close every connection and end run() with 0
// (or after StopTimeout at the latest). Listening sockets are opened once, at
// start: a changed `listen` needs a restart; so does a changed history store.
// systemd's sockets (socket activation) replace `listen`, with a warning when they
// differ. Under --stdio (Postfix's spawn) it serves that one connection only: no
// listeners, no metrics, start-up lines at debug level.
//
// What it wires together: Connections (the open connections), Responder (the
// answer path), HistoryService, Metrics and its MetricsServer, LogFlusher and
// systemd's Watchdog.
#pragma once

#include <event2/event.h>
#include <event2/listener.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connections.h"
#include "history_service.h"
#include "listener.h"
#include "log_flusher.h"
#include "logging.h"
#include "metrics/metrics.h"
#include "metrics_server.h"
#include "reloader.h"
#include "responder.h"
#include "systemd.h"

namespace tlspolicyd::daemon {

struct ServeOptions {
  std::string config_path;
  std::vector<config::ListenAddress> listen;  // from --listen; empty: the config's
  bool stdio = false;                         // one connection on stdin/stdout
  std::optional<config::LogLevel> log_level;  // from --log-level; wins over the file
};

class Server {
 public:
  static constexpr std::chrono::seconds StopTimeout{5};

  Server(ServeOptions options, std::shared_ptr<const config::Config> config, Logger logger);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listeners (or the stdio connection) and the signal handlers.
  // Returns 0, or the exit code to end with (69 when a socket cannot be opened).
  [[nodiscard]] int open();
  // Serves until stopped; returns the exit code.
  [[nodiscard]] int run();

 private:
  struct Listener {
    BoundSocket socket;
    evconnlistener* ev = nullptr;
  };

  // Opens --listen's, systemd's or the configuration's sockets; 0 or an exit code.
  [[nodiscard]] int open_listeners();
  // Logs that systemd's sockets are not the configuration's listen: addresses.
  void warn_if_activation_differs(const std::vector<BoundSocket>& sockets) const;
  // The level of start-up and stop lines: debug under --stdio (one process per
  // smtpd connection), info otherwise.
  [[nodiscard]] spdlog::level::level_enum startup_level() const;

  static void accept_cb(evconnlistener* l, evutil_socket_t fd, sockaddr* addr, int len, void* arg);
  static void accept_error_cb(evconnlistener* l, void* arg);
  static void signal_cb(evutil_socket_t sig, short what, void* arg);
  static void resume_accept_cb(evutil_socket_t fd, short what, void* arg);
  static void stop_timeout_cb(evutil_socket_t fd, short what, void* arg);

  void on_accept_error();
  void on_signal(int sig);
  void on_reloaded(config::LoadResult result);
  void apply_reload(config::LoadResult result);
  void stop(std::string_view why);
  void close_listeners();
  [[nodiscard]] bool add_signal(int sig);

  ServeOptions options_;
  std::shared_ptr<const config::Config> config_;
  std::uint64_t generation_ = 1;
  Logger logger_;
  event_base* base_ = nullptr;
  std::vector<Listener> listeners_;
  std::vector<event*> signals_;
  event* resume_accept_ = nullptr;
  event* stop_timer_ = nullptr;
  bool stopping_ = false;
  std::unique_ptr<LogFlusher> log_flusher_;
  std::unique_ptr<systemd::Watchdog> watchdog_;
  std::unique_ptr<Reloader> reloader_;
  std::unique_ptr<metrics::Metrics> metrics_;  // when the configuration has metrics:
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<HistoryService> history_;  // when the configuration has a downgrade: section
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace tlspolicyd::daemon
