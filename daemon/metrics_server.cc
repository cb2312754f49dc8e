// SPDX-License-Identifier: MIT
#include "metrics_server.h"

#include "logging.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <cstring>

namespace tlspolicyd::daemon {

MetricsServer::MetricsServer(event_base* base, const metrics::Metrics& metrics)
    : metrics_(metrics), http_(evhttp_new(base)) {
  if (http_ == nullptr) return;
  evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_timeout(http_, 10);
  evhttp_set_max_headers_size(http_, 8192);
  evhttp_set_max_body_size(http_, 0);
  evhttp_set_gencb(http_, &MetricsServer::handle, this);
}

MetricsServer::~MetricsServer() {
  if (http_ != nullptr) evhttp_free(http_);
}

std::string MetricsServer::listen(const config::ListenAddress& address) {
  if (http_ == nullptr) return "cannot create the HTTP server";
  evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(http_, address.host.c_str(), address.port);
  if (bound == nullptr) return std::string("cannot listen: ") + std::strerror(errno);
  // evhttp's own listener would retry a failing accept() at once, forever (out
  // of descriptors: a busy loop): paused for a second instead, and said once.
  evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bound), &MetricsServer::accept_error_cb);
  return {};
}

// The listener's argument is evhttp's: only the listener itself is at hand.
void MetricsServer::accept_error_cb(evconnlistener* listener, void*) {
  const int err = EVUTIL_SOCKET_ERROR();
  const std::string message = std::string("cannot accept metrics connections: ") +
                              evutil_socket_error_to_string(err) + "; pausing for a second";
  log_from_libevent(EVENT_LOG_WARN, message.c_str());
  evconnlistener_disable(listener);
  const timeval one{1, 0};
  event_base_once(evconnlistener_get_base(listener), -1, EV_TIMEOUT, &MetricsServer::resume_cb, listener, &one);
}

void MetricsServer::resume_cb(evutil_socket_t, short, void* listener) {
  evconnlistener_enable(static_cast<evconnlistener*>(listener));
}

void MetricsServer::handle(evhttp_request* request, void* arg) {
  auto* self = static_cast<MetricsServer*>(arg);
  const char* uri = evhttp_request_get_uri(request);
  const std::string path = uri != nullptr ? std::string(uri).substr(0, std::string(uri).find('?')) : "";
  if (path != "/metrics") {
    evhttp_send_error(request, HTTP_NOTFOUND, "try /metrics");
    return;
  }
  evbuffer* body = evbuffer_new();
  const std::string text = self->metrics_.render();
  evbuffer_add(body, text.data(), text.size());
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  evhttp_send_reply(request, HTTP_OK, "OK", body);
  evbuffer_free(body);
}

}  // namespace tlspolicyd::daemon
