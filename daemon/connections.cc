// SPDX-License-Identifier: MIT
#include "connections.h"

#include <unistd.h>

#include <vector>

namespace tlspolicyd::daemon {

Connections::Connections(event_base* base, Responder& responder, spdlog::logger& log, metrics::Metrics* metrics)
    : base_(base), responder_(responder), log_(log), metrics_(metrics) {}

Connections::~Connections() {
  on_empty_ = nullptr;  // the owner is going too
  close_all();
}

bool Connections::add(int in_fd, int out_fd, std::string peer) {
  auto conn = std::make_unique<Connection>(*this, responder_, next_id_++, in_fd, out_fd, std::move(peer));
  if (!conn->start()) {
    log_.error("conn={} peer={}: cannot watch the connection", conn->id(), conn->peer());
    return false;  // its destructor closes the descriptors
  }
  log_.debug("conn={} peer={}: connected", conn->id(), conn->peer());
  open_.emplace(conn->id(), std::move(conn));
  if (metrics_ != nullptr) metrics_->connection_opened();
  return true;
}

void Connections::accept(int fd, std::string peer) {
  if (stopping_) {
    ::close(fd);
    return;
  }
  if (open_.size() >= limits().connections) {
    ::close(fd);
    ++refused_;
    if (metrics_ != nullptr) metrics_->connection_refused();
    auto now = std::chrono::steady_clock::now();
    if (now - refused_logged_ >= std::chrono::seconds(10)) {
      log_.warn("connection limit of {} reached: refused {} connection(s), the last from {}", limits().connections,
                refused_, peer);
      refused_ = 0;
      refused_logged_ = now;
    }
    return;
  }
  (void)add(fd, fd, std::move(peer));
}

bool Connections::shutdown() {
  stopping_ = true;
  std::vector<std::uint64_t> ids;
  ids.reserve(open_.size());
  for (const auto& [id, conn] : open_) ids.push_back(id);
  for (std::uint64_t id : ids) {
    auto it = open_.find(id);
    if (it == open_.end()) continue;
    it->second->shutdown();
    if (it->second->state() == Connection::State::Closed) destroy(it);
  }
  return open_.empty();
}

void Connections::close_all() {
  while (!open_.empty()) destroy(open_.begin());
}

void Connections::release(Connection& conn) {
  if (auto it = open_.find(conn.id()); it != open_.end()) destroy(it);
}

void Connections::destroy(Map::iterator it) {
  open_.erase(it);
  if (metrics_ != nullptr) metrics_->connection_closed();
  if (open_.empty() && on_empty_) on_empty_();
}

const timeval* Connections::idle_timeout() {
  const std::int64_t seconds = limits().idle_timeout.count();
  auto it = idle_timeouts_.find(seconds);
  if (it == idle_timeouts_.end()) {
    const timeval tv{static_cast<time_t>(seconds), 0};
    const timeval* common = event_base_init_common_timeout(base_, &tv);
    it = idle_timeouts_.emplace(seconds, common).first;  // nullptr: none to be had
  }
  return it->second;
}

}  // namespace tlspolicyd::daemon
