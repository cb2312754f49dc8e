// SPDX-License-Identifier: MIT
#include "metrics_server.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

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
  if (evhttp_bind_socket_with_handle(http_, address.host.c_str(), address.port) == nullptr) {
    return std::string("cannot listen: ") + std::strerror(errno);
  }
  return {};
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
