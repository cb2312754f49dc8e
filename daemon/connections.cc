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

bool Connections::add(int in_fd, int out_fd, Peer peer) {
  const bool reserved = limits().reserved.contains(peer.uid, peer.address);
  auto conn = std::make_unique<Connection>(*this, responder_, next_id_++, in_fd, out_fd, std::move(peer.name));
  // A local process that is not Postfix (limits.reserved_for) neither writes nor
  // waits for the TLS history; remote peers (other MX hosts) do.
  const bool history = !peer.local || reserved;
  if (!conn->start(reserved ? Priority::First : Priority::Last, history)) {
    log_.error("conn={} peer={}: cannot watch the connection", conn->id(), conn->peer());
    return false;  // its destructor closes the descriptors
  }
  log_.debug("conn={} peer={}: connected", conn->id(), conn->peer());
  Holder& holder = per_peer_[peer.share];
  holder.ids.insert(conn->id());
  holder.reserved = reserved;
  const std::uint64_t id = conn->id();
  open_.emplace(id, Entry{std::move(conn), std::move(peer.share)});
  if (metrics_ != nullptr) metrics_->connection_opened();
  return true;
}

void Connections::accept(int fd, Peer peer) {
  if (stopping_) {
    ::close(fd);
    return;
  }
  // A reserved remote peer (another MX) does not share with its neighbours (an IPv6 /64).
  if (peer.address && limits().reserved.contains(std::nullopt, peer.address)) {
    peer.share = net::to_string(*peer.address);
  }
  const auto held = per_peer_.find(peer.share);
  const bool over_share = held != per_peer_.end() && held->second.ids.size() >= limits().connections_per_peer;
  if (open_.size() >= limits().connections) {
    const bool reserved = limits().reserved.contains(peer.uid, peer.address);
    if (over_share || !evict_for(peer.share, reserved)) {
      return refuse(fd, peer, "connection limit", limits().connections);
    }
  } else if (over_share) {
    return refuse(fd, peer, "connection limit per peer (" + peer.share + ")", limits().connections_per_peer);
  }
  (void)add(fd, fd, std::move(peer));
}

bool Connections::evict_for(const std::string& share, bool reserved) {
  const auto mine = per_peer_.find(share);
  const std::size_t held = mine == per_peer_.end() ? 0 : mine->second.ids.size();
  auto biggest = [this](bool among_reserved) {
    auto most = per_peer_.end();
    for (auto it = per_peer_.begin(); it != per_peer_.end(); ++it) {
      if (it->second.reserved != among_reserved) continue;
      if (most == per_peer_.end() || it->second.ids.size() > most->second.ids.size() ||
          (it->second.ids.size() == most->second.ids.size() && *it->second.ids.begin() < *most->second.ids.begin())) {
        most = it;  // the most; of equals, the one with the oldest connection
      }
    }
    return most;
  };
  // Others' connections give way to a reserved peer's newcomer whatever they hold;
  // otherwise to a newcomer holding two fewer. A reserved peer's never give way
  // to another's.
  auto most = biggest(false);
  bool found = most != per_peer_.end() && (reserved || most->second.ids.size() >= held + 2);
  if (!found && reserved) {
    most = biggest(true);
    found = most != per_peer_.end() && most->second.ids.size() >= held + 2;
  }
  if (!found) return false;
  const std::string victim = most->first;
  const std::size_t count = most->second.ids.size();
  auto conn = open_.find(*most->second.ids.begin());  // its oldest
  if (conn == open_.end()) return false;
  ++evicted_;
  const auto now = std::chrono::steady_clock::now();
  if (now - evicted_logged_ >= std::chrono::seconds(10)) {
    log_.warn("connection limit of {} reached: closed {} connection(s) of the peers holding the most (the last: "
              "{}, holding {}) to serve others", limits().connections, evicted_, victim, count);
    evicted_ = 0;
    evicted_logged_ = now;
  }
  if (metrics_ != nullptr) metrics_->connection_refused();
  destroy(conn);
  return true;
}

void Connections::refuse(int fd, const Peer& peer, std::string_view limit, std::size_t value) {
  ::close(fd);
  ++refused_;
  if (metrics_ != nullptr) metrics_->connection_refused();
  auto now = std::chrono::steady_clock::now();
  if (now - refused_logged_ >= std::chrono::seconds(10)) {
    log_.warn("{} of {} reached: refused {} connection(s), the last from {}", limit, value, refused_, peer.name);
    refused_ = 0;
    refused_logged_ = now;
  }
}

bool Connections::shutdown() {
  stopping_ = true;
  std::vector<std::uint64_t> ids;
  ids.reserve(open_.size());
  for (const auto& [id, entry] : open_) ids.push_back(id);
  for (std::uint64_t id : ids) {
    auto it = open_.find(id);
    if (it == open_.end()) continue;
    it->second.conn->shutdown();
    if (it->second.conn->state() == Connection::State::Closed) destroy(it);
  }
  return open_.empty();
}

void Connections::close_all() {
  while (!open_.empty()) destroy(open_.begin());
}

void Connections::resume(std::uint64_t id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  it->second.conn->resume();
  if (it->second.conn->state() == Connection::State::Closed) destroy(it);
}

void Connections::release(Connection& conn) {
  if (auto it = open_.find(conn.id()); it != open_.end()) destroy(it);
}

void Connections::destroy(Map::iterator it) {
  if (auto peer = per_peer_.find(it->second.share); peer != per_peer_.end()) {
    peer->second.ids.erase(it->first);
    if (peer->second.ids.empty()) per_peer_.erase(peer);
  }
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
