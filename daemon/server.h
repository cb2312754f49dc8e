// SPDX-License-Identifier: MIT
// server: the event loop, its listeners, connections, signals and reloads.
//
// One thread runs everything on libevent; the only other thread is the
// Reloader's worker. The configuration is a shared_ptr<const Config> swapped whole
// on SIGHUP once the new one is fully built; a bad new file is logged and the old
// one stays. SIGTERM/SIGINT stop accepting, answer what has arrived, close every
// connection and end run() with 0 (or after StopTimeout at the latest). Listening
// sockets are opened once, at start: a changed `listen` needs a restart; so does
// a changed history store. systemd's sockets (socket activation) replace
// `listen`, with a warning when they differ. Under --stdio (Postfix's spawn) it
// serves that one connection only: no listeners, no metrics, start-up lines at
// debug level.
#pragma once

#include <event2/event.h>
#include <event2/listener.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "connection.h"
#include "history_service.h"
#include "listener.h"
#include "metrics/metrics.h"
#include "metrics_server.h"
#include "logging.h"
#include "reloader.h"

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

  // For connections.
  [[nodiscard]] event_base* base() const { return base_; }
  [[nodiscard]] const config::Config& config() const { return *config_; }
  [[nodiscard]] spdlog::logger& log() const { return *logger_; }
  // Evaluates one request and appends its answer to `out`; logs the decision.
  // False on an internal error: the connection must close without an answer.
  [[nodiscard]] bool answer(const protocol::Request& request, std::string& out, const Connection& conn);
  // The Request every connection parses into (one is answered at a time, and a
  // Request only views the bytes it was parsed from): always the same memory, warm
  // in the cache, and nothing to set up per read.
  [[nodiscard]] protocol::Request& scratch_request() { return scratch_request_; }
  // Destroys a connection that reached State::Closed.
  void release(Connection* conn);
  // The idle timeout to arm read events with (a libevent common timeout: re-arming
  // it per request costs O(1) with thousands of connections).
  [[nodiscard]] const timeval* idle_timeout();
  // A connection broke the protocol or a limit (for the metrics).
  void protocol_error() {
    if (metrics_) metrics_->protocol_error();
  }

 private:
  // Logs that systemd's sockets are not the configuration's listen: addresses.
  void warn_if_activation_differs(const std::vector<BoundSocket>& sockets) const;
  // The level of start-up and stop lines: debug under --stdio (one process per
  // smtpd connection), info otherwise.
  [[nodiscard]] spdlog::level::level_enum startup_level() const;

  struct Listener {
    BoundSocket socket;
    evconnlistener* ev = nullptr;
  };

  static void accept_cb(evconnlistener* l, evutil_socket_t fd, sockaddr* addr, int len, void* arg);
  static void accept_error_cb(evconnlistener* l, void* arg);
  static void signal_cb(evutil_socket_t sig, short what, void* arg);
  static void resume_accept_cb(evutil_socket_t fd, short what, void* arg);
  static void stop_timeout_cb(evutil_socket_t fd, short what, void* arg);
  static void watchdog_cb(evutil_socket_t fd, short what, void* arg);
  static void log_flush_cb(evutil_socket_t fd, short what, void* arg);

  void on_accept(int fd, const sockaddr* addr, int len);
  void count(const policy::Decision& decision, const protocol::Request& request, std::chrono::nanoseconds took);
  void on_accept_error();
  void on_signal(int sig);
  void on_reloaded(config::LoadResult result);
  void apply_reload(config::LoadResult result);
  void stop(std::string_view why);
  void close_listeners();
  bool add_connection(int in_fd, int out_fd, std::string peer);
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
  event* watchdog_ = nullptr;
  event* log_flush_ = nullptr;
  std::map<std::int64_t, const timeval*> idle_timeouts_;  // common timeouts by seconds
  std::unique_ptr<Reloader> reloader_;
  std::unique_ptr<metrics::Metrics> metrics_;  // when the configuration has metrics:
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<HistoryService> history_;  // when the configuration has a downgrade: section
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::uint64_t refused_ = 0;  // connections over the limit since the last log line
  std::string log_lines_;  // the decision log lines of the request being answered
  protocol::Request scratch_request_;
  std::chrono::steady_clock::time_point refused_logged_{};
};

}  // namespace tlspolicyd::daemon
