// SPDX-License-Identifier: MIT
// metrics_server: serves metrics::Metrics at /metrics over HTTP (libevent's
// evhttp), on the event loop, for Prometheus. Other paths answer 404; only GET
// and HEAD are served. Meant for loopback (metrics.listen: inet:127.0.0.1:PORT).
#pragma once

#include <event2/event.h>
#include <event2/http.h>

#include <string>

#include "config/listen_address.h"
#include "metrics/metrics.h"

namespace tlspolicyd::daemon {

class MetricsServer {
 public:
  MetricsServer(event_base* base, const metrics::Metrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds; returns empty or why it failed.
  [[nodiscard]] std::string listen(const config::ListenAddress& address);

 private:
  static void handle(evhttp_request* request, void* arg);
  static void accept_error_cb(evconnlistener* listener, void* arg);
  static void resume_cb(evutil_socket_t fd, short what, void* arg);

  const metrics::Metrics& metrics_;
  evhttp* http_ = nullptr;
};

}  // namespace tlspolicyd::daemon
