// SPDX-License-Identifier: MIT
#include "metrics_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "listener.h"
#include "process_metrics.h"

namespace tlspolicyd::daemon {

struct MetricsServer::Scrape {
  MetricsServer* server = nullptr;
  int fd = -1;
  event* read_ev = nullptr;
  event* write_ev = nullptr;
  event* deadline = nullptr;
  std::string in;   // the request head so far
  std::string out;  // the response not yet sent
  std::size_t sent = 0;

  ~Scrape() {
    for (event* ev : {read_ev, write_ev, deadline}) {
      if (ev != nullptr) event_free(ev);
    }
    if (fd >= 0) ::close(fd);
  }
};

MetricsServer::MetricsServer(event_base* base, const metrics::Metrics& metrics, spdlog::logger& log)
    : base_(base), metrics_(metrics), log_(log), resume_(evtimer_new(base, &MetricsServer::resume_cb, this)) {}

MetricsServer::~MetricsServer() {
  scrapes_.clear();
  if (listener_ != nullptr) evconnlistener_free(listener_);  // closes the socket
  if (resume_ != nullptr) event_free(resume_);
}

std::string MetricsServer::listen(const config::ListenAddress& address) {
  if (resume_ == nullptr) return "cannot create a timer";
  auto opened = open_listener(address, config::SocketSettings{}, std::nullopt);
  if (auto* err = std::get_if<std::string>(&opened)) return *err;
  const int fd = std::get<BoundSocket>(opened).fd;
  listener_ = evconnlistener_new(base_, &MetricsServer::accept_cb, this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                                 0, fd);  // 0: already listening
  if (listener_ == nullptr) {
    ::close(fd);
    return "cannot watch the socket";
  }
  evconnlistener_set_error_cb(listener_, &MetricsServer::accept_error_cb);
  return {};
}

void MetricsServer::accept_cb(evconnlistener*, evutil_socket_t fd, sockaddr*, int, void* arg) {
  static_cast<MetricsServer*>(arg)->on_accept(fd);
}

void MetricsServer::accept_error_cb(evconnlistener* listener, void* arg) {
  auto* self = static_cast<MetricsServer*>(arg);
  self->log_.warn("cannot accept metrics connections: {}; pausing for a second",
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  evconnlistener_disable(listener);
  const timeval one{1, 0};
  evtimer_add(self->resume_, &one);
}

void MetricsServer::resume_cb(evutil_socket_t, short, void* arg) {
  evconnlistener_enable(static_cast<MetricsServer*>(arg)->listener_);
}

void MetricsServer::on_accept(int fd) {
  if (scrapes_.size() >= MaxConnections) {
    ::close(fd);
    log_.debug("metrics: {} connections open already; closed a new one", MaxConnections);
    return;
  }
  auto s = std::make_unique<Scrape>();
  s->server = this;
  s->fd = fd;
  s->read_ev = event_new(base_, fd, EV_READ | EV_PERSIST, &MetricsServer::read_cb, s.get());
  s->write_ev = event_new(base_, fd, EV_WRITE | EV_PERSIST, &MetricsServer::write_cb, s.get());
  s->deadline = evtimer_new(base_, &MetricsServer::deadline_cb, s.get());
  const timeval deadline{static_cast<time_t>(RequestDeadline.count()), 0};
  if (s->read_ev == nullptr || s->write_ev == nullptr || s->deadline == nullptr ||
      event_add(s->read_ev, nullptr) != 0 || event_add(s->deadline, &deadline) != 0) {
    return;  // s closes fd
  }
  const Scrape* key = s.get();
  scrapes_.emplace(key, std::move(s));
}

void MetricsServer::read_cb(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<Scrape*>(arg);
  s->server->on_readable(*s);
}

void MetricsServer::write_cb(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<Scrape*>(arg);
  s->server->on_writable(*s);
}

void MetricsServer::deadline_cb(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<Scrape*>(arg);
  s->server->finish(*s);  // too slow: no answer
}

void MetricsServer::on_readable(Scrape& s) {
  char buf[2048];
  const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return finish(s);
  s.in.append(buf, static_cast<std::size_t>(n));
  std::size_t end = s.in.find("\r\n\r\n");
  if (end == std::string::npos) end = s.in.find("\n\n");
  if (end == std::string::npos) {
    if (s.in.size() > MaxRequestBytes) finish(s);
    return;
  }
  if (end > MaxRequestBytes) return finish(s);
  s.out = response(s.in.substr(0, end));
  event_del(s.read_ev);
  on_writable(s);
}

void MetricsServer::on_writable(Scrape& s) {
  while (s.sent < s.out.size()) {
    const ssize_t n = ::send(s.fd, s.out.data() + s.sent, s.out.size() - s.sent, MSG_NOSIGNAL);
    if (n > 0) {
      s.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      event_add(s.write_ev, nullptr);  // the deadline still runs
      return;
    }
    return finish(s);
  }
  finish(s);
}

std::string MetricsServer::response(const std::string& head) const {
  // The request line: METHOD SP TARGET SP VERSION; the headers do not matter.
  const std::string line = head.substr(0, head.find_first_of("\r\n"));
  const std::size_t sp1 = line.find(' ');
  const std::string method = line.substr(0, sp1);
  std::string target = sp1 == std::string::npos ? std::string() : line.substr(sp1 + 1, line.find(' ', sp1 + 1) - sp1 - 1);
  target = target.substr(0, target.find('?'));
  struct Reply {
    std::string_view status;  // code and reason
    std::string_view headers;  // after Content-Length
    std::string body;
  };
  Reply r;
  if (method != "GET" && method != "HEAD") {
    r = {"405 Method Not Allowed", "Content-Type: text/plain\r\nAllow: GET, HEAD\r\n", "GET or HEAD\n"};
  } else if (target != "/metrics") {
    r = {"404 Not Found", "Content-Type: text/plain\r\n", "try /metrics\n"};
  } else {
    std::string page = metrics_.render();
    append_process_metrics(page);
    r = {"200 OK", "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", std::move(page)};
  }
  std::string out = "HTTP/1.1 " + std::string(r.status) + "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    "\r\n" + std::string(r.headers) + "Connection: close\r\n\r\n";
  if (method != "HEAD") out += r.body;
  return out;
}

void MetricsServer::finish(Scrape& s) { scrapes_.erase(&s); }

}  // namespace tlspolicyd::daemon
