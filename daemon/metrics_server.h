// SPDX-License-Identifier: MIT
// metrics_server: serves metrics::Metrics at /metrics over HTTP, on the event
// loop, for Prometheus. Meant for loopback (metrics.listen: inet:127.0.0.1:PORT).
//
// One request per connection, answered with "Connection: close": GET or HEAD of
// /metrics (a query string is ignored) gets the page, another path 404, another
// method 405. Bounded like a policy connection, because anyone who can reach
// the port may connect: at most MaxConnections at once (more are closed at
// accept), a request head of at most MaxRequestBytes, and RequestDeadline for the
// whole exchange from the connection's start (a client that trickles a byte at
// a time gains nothing); past a bound the connection is closed without an
// answer. A failed accept() (out of descriptors) pauses the listener for a
// second, logged, instead of spinning. Loop thread only.
#pragma once

#include <event2/event.h>
#include <event2/listener.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/listen_address.h"
#include "metrics/metrics.h"

namespace tlspolicyd::daemon {

class MetricsServer {
 public:
  static constexpr std::size_t MaxConnections = 16;
  static constexpr std::size_t MaxRequestBytes = 8192;
  static constexpr std::chrono::seconds RequestDeadline{5};

  MetricsServer(event_base* base, const metrics::Metrics& metrics, spdlog::logger& log);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds; returns empty or why it failed.
  [[nodiscard]] std::string listen(const config::ListenAddress& address);

 private:
  struct Scrape;  // one HTTP connection

  static void accept_cb(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len, void* arg);
  static void accept_error_cb(evconnlistener* listener, void* arg);
  static void resume_cb(evutil_socket_t fd, short what, void* arg);
  static void read_cb(evutil_socket_t fd, short what, void* arg);
  static void write_cb(evutil_socket_t fd, short what, void* arg);
  static void deadline_cb(evutil_socket_t fd, short what, void* arg);

  void on_accept(int fd);
  void on_readable(Scrape& s);
  void on_writable(Scrape& s);
  // The answer to the request head in s.in.
  [[nodiscard]] std::string response(const std::string& head) const;
  void finish(Scrape& s);

  event_base* base_;
  const metrics::Metrics& metrics_;
  spdlog::logger& log_;
  evconnlistener* listener_ = nullptr;
  event* resume_ = nullptr;
  std::unordered_map<const Scrape*, std::unique_ptr<Scrape>> scrapes_;
};

}  // namespace tlspolicyd::daemon
