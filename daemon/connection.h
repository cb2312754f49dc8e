// SPDX-License-Identifier: MIT
// connection: one Postfix policy connection, as an explicit state machine.
//
//   Open      reading requests; each complete request is answered at once, in order,
//             unless its TLS history is on its way (Responder::ready): then it
//             waits (a copy, nothing more is read) until resume()
//   Draining  no more reading (peer EOF, server stopping, or a request that broke a
//             limit): the waiting request and answers already formed are written,
//             then Closed
//   Closed    the host destroys the object (release) as the callback returns
//
// A protocol error (limit, line without '=', NUL) closes the connection without
// an answer to the offending request, after a warning naming the peer. A
// connection that has sent no whole request FirstRequestTimeout after it opened is closed
// (Postfix writes its request as soon as it connects); after that, an Open
// connection that reads nothing for limits.idle_timeout is closed at the next
// idle check (one every idle_timeout, so within twice that); a Draining one after
// DrainTimeout. While more than MaxPendingOutput bytes of answers wait to be
// written (a client that pipelines but does not read), no further request is
// answered (the parser holds the bytes already read) and nothing more is read; a
// peer that then reads nothing for DrainTimeout is dropped.
//
// Requests are answered by a Responder; everything else a connection needs from
// whoever owns it (the event loop, the current limits, the log, being destroyed)
// comes through the narrow ConnectionHost.
#pragma once

#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "protocol/owned_request.h"
#include "protocol/request_parser.h"

namespace tlspolicyd::daemon {

class Connection;
class Responder;

// Event priorities of the daemon's loop (event_loop.h sets them up): the connections
// of limits.reserved_for (Postfix) are served before anything else, other peers'
// after everything else; the loop looks for new events after at most
// MaxCallbacksPerTurn callbacks below First. A loop without priorities (tests)
// serves all alike.
enum class Priority : std::uint8_t { First, Normal, Last };
inline constexpr int PriorityCount = 3;
inline constexpr int MaxCallbacksPerTurn = 64;

// What a connection needs from its owner (Connections in the daemon).
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  [[nodiscard]] virtual event_base* base() = 0;
  // The limits of the configuration now in force (they change on reload).
  [[nodiscard]] virtual const config::ServerLimits& limits() = 0;
  // The idle timeout to arm the idle check with, or nullptr to use a plain one (a
  // libevent common timeout: re-arming it costs O(1) with thousands of connections).
  [[nodiscard]] virtual const timeval* idle_timeout() = 0;
  [[nodiscard]] virtual spdlog::logger& log() = 0;
  // `conn` reached State::Closed: the host destroys it. Called last in a libevent
  // callback, which touches nothing of the connection afterwards.
  virtual void release(Connection& conn) = 0;
};

class Connection {
 public:
  // Postfix never has more than one answer pending: a little pipelining room,
  // and 10 000 connections that do not read hold well under 1 GB between them.
  static constexpr std::size_t MaxPendingOutput = 16 * 1024;
  static constexpr std::chrono::seconds DrainTimeout{10};
  static constexpr std::chrono::seconds FirstRequestTimeout{10};
  // Output buffer capacity kept once everything is written (a burst's goes back).
  static constexpr std::size_t KeptOutputCapacity = 16 * 1024;

  enum class State { Open, Draining, Closed };

  // Takes ownership of in_fd and out_fd (the same fd for a socket).
  Connection(ConnectionHost& host, Responder& responder, std::uint64_t id, int in_fd, int out_fd, std::string peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the events, served at `priority`; false when the descriptors
  // cannot be watched. Without `history`, requests are answered by the rules
  // alone: the TLS history neither counts nor checks them (a local user who is
  // not Postfix must not write the history other peers are judged by).
  [[nodiscard]] bool start(Priority priority = Priority::Normal, bool history = true);
  // The TLS history of the waiting request is here (or will not come): answers it
  // and goes on.
  void resume();
  // Server stopping: answers requests that have already arrived (while fewer than
  // MaxPendingOutput bytes of answers are unread: a peer that does not read loses
  // the rest, logged), then closes.
  void shutdown();

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] std::uint64_t id() const { return id_; }
  [[nodiscard]] const std::string& peer() const { return peer_; }

 private:
  static void read_cb(evutil_socket_t fd, short what, void* arg);
  static void write_cb(evutil_socket_t fd, short what, void* arg);
  static void idle_cb(evutil_socket_t fd, short what, void* arg);

  // Runs an event handler; an exception closes this connection, logged.
  template <class F>
  void guarded(F&& f);
  void on_readable();
  void on_writable();
  enum class ReadResult { Data, Empty, End };
  // Reads once and answers what became complete; End when nothing more will come.
  ReadResult read_some();
  void answer_buffered();
  // Writes answers until done or the socket is full; then answers requests held
  // back (see MaxPendingOutput) if there is room again, and re-arms the events.
  void flush();
  void write_out();
  void drain();
  void close();
  void update_events();
  const timeval* idle_timeout();

  // What every request touches, together (a connection's memory is cold when its
  // turn comes); the rest after.
  ConnectionHost& host_;
  Responder& responder_;
  int in_fd_;
  int out_fd_;
  bool in_socket_ = false;   // recv()/send() rather than read()/write(): a shorter
  bool out_socket_ = false;  // kernel path, and no SIGPIPE from a closed peer
  State state_ = State::Open;
  bool reading_ = false;  // read event registered
  bool writing_ = false;  // write event registered
  bool write_timed_ = false;  // ... with DrainTimeout
  bool held_back_ = false;    // complete requests wait in the parser for room
  bool waiting_ = false;      // waiting_request_ waits for its TLS history
  bool history_ = true;       // requests use the TLS history
  std::size_t out_pos_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t reads_ = 0;  // reads, for the idle check
  std::string out_;
  protocol::RequestParser parser_;
  std::uint64_t reads_at_check_ = 0;  // reads_ at the last idle check
  std::uint64_t id_;
  std::string peer_;
  std::unique_ptr<protocol::OwnedRequest> waiting_request_;  // made on first use
  timeval idle_{};
  event* read_ev_ = nullptr;
  event* write_ev_ = nullptr;
  event* idle_ev_ = nullptr;
};

}  // namespace tlspolicyd::daemon
