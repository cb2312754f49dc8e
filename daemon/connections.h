// SPDX-License-Identifier: MIT
// connections: the daemon's open policy connections, and the only place that
// creates and destroys them.
//
// accept() takes a new socket unless the daemon is stopping or its peer holds
// limits.connections_per_peer of them (a local process's uid, a remote peer's
// address: see Peer). At limits.connections, a newcomer takes the place of the
// oldest connection of the peer that holds the most, if that peer holds at least
// two more than the newcomer's (so peers in demand share the limit evenly); a
// newcomer of limits.reserved_for (Postfix) takes the place of any other peer's,
// and theirs never give way to others': no group of local users or hosts can
// lock Postfix out. Else the newcomer is refused. Refused or evicted: closed at
// once, counted, logged at most every 10 s. Reserved peers' connections are
// served first (Priority); a local process that is not reserved is answered
// without the TLS history (Connection::start).
// Every connection is destroyed through one path, which keeps the metrics' gauge
// true, and `on_empty` runs when the last one goes (the Server stops the loop
// then, when it is stopping or serves --stdio). As the ConnectionHost, it gives
// connections the loop, the current limits, the idle timeout and the log. Loop
// thread only.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "connection.h"
#include "listener.h"
#include "metrics/metrics.h"
#include "responder.h"

namespace tlspolicyd::daemon {

class Connections final : public ConnectionHost {
 public:
  // `metrics` may be null. All must outlive this object.
  Connections(event_base* base, Responder& responder, spdlog::logger& log, metrics::Metrics* metrics);
  ~Connections() override;
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Serves in_fd/out_fd (taken over: closed on every path). False when the
  // connection could not be started (logged).
  bool add(int in_fd, int out_fd, Peer peer);
  // A socket from a listener: add()ed, or refused while stopping or at a limit.
  void accept(int fd, Peer peer);
  // Stopping: no more accept()s; each connection answers what has arrived (see
  // Connection::shutdown) and closes. True when none is left.
  bool shutdown();
  // Closes every connection at once (the stop timeout).
  void close_all();
  // Connection `id`'s waiting request can be answered (HistoryService): it is,
  // if the connection is still open.
  void resume(std::uint64_t id);
  [[nodiscard]] std::size_t size() const { return open_.size(); }
  // Runs when the last connection has gone.
  void set_on_empty(std::function<void()> on_empty) { on_empty_ = std::move(on_empty); }

  // ConnectionHost
  [[nodiscard]] event_base* base() override { return base_; }
  [[nodiscard]] const config::ServerLimits& limits() override { return responder_.config().limits; }
  [[nodiscard]] const timeval* idle_timeout() override;
  [[nodiscard]] spdlog::logger& log() override { return log_; }
  void release(Connection& conn) override;

 private:
  struct Entry {
    std::unique_ptr<Connection> conn;
    std::string share;  // Peer::share
  };
  using Map = std::unordered_map<std::uint64_t, Entry>;
  void destroy(Map::iterator it);
  void refuse(int fd, const Peer& peer, std::string_view limit, std::size_t value);
  // At the limit: closes the oldest connection of the peer holding the most
  // among those that give way to `share` (see the header); false when none does.
  bool evict_for(const std::string& share, bool reserved);

  event_base* base_;
  Responder& responder_;
  spdlog::logger& log_;
  metrics::Metrics* metrics_;
  Map open_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::function<void()> on_empty_;
  std::map<std::int64_t, const timeval*> idle_timeouts_;  // common timeouts by seconds
  struct Holder {
    std::set<std::uint64_t> ids;  // its open connections, oldest first
    bool reserved = false;        // in limits.reserved_for (as of its last connection)
  };
  std::unordered_map<std::string, Holder> per_peer_;  // by Peer::share
  std::uint64_t refused_ = 0;  // connections over a limit since the last log line
  std::uint64_t evicted_ = 0;  // connections closed to make room, since the last log line
  std::chrono::steady_clock::time_point evicted_logged_{};
  std::chrono::steady_clock::time_point refused_logged_{};
};

}  // namespace tlspolicyd::daemon
