// SPDX-License-Identifier: MIT
// connection: one Postfix policy connection, as an explicit state machine.
//
//   Open      reading requests; each complete request is answered at once, in order
//   Draining  no more reading (peer EOF, server stopping, or a request that broke a
//             limit): answers already formed are written, then Closed
//   Closed    the owner (Server) destroys the object after the callback returns
//
// A protocol error (limit, line without '=', NUL) closes the connection without
// an answer to the offending request, after a warning naming the peer. An Open
// connection that reads nothing for limits.idle_timeout is closed at the next
// idle check (one every idle_timeout, so within twice that); a Draining one after
// DrainTimeout. While more than MaxPendingOutput bytes of answers wait to be
// written (a client that pipelines but does not read), reading pauses.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "protocol/request_parser.h"

namespace tlspolicyd::daemon {

class Server;

class Connection {
 public:
  static constexpr std::size_t MaxPendingOutput = 256 * 1024;
  static constexpr std::chrono::seconds DrainTimeout{10};

  enum class State { Open, Draining, Closed };

  // Takes ownership of in_fd and out_fd (the same fd for a socket).
  Connection(Server& server, std::uint64_t id, int in_fd, int out_fd, std::string peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the events; false when the descriptors cannot be watched.
  [[nodiscard]] bool start();
  // Server stopping: answers requests that have already arrived, then closes.
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
  void flush();
  void drain();
  void close();
  void update_events();
  const timeval* idle_timeout();

  // What every request touches, together (a connection's memory is cold when its
  // turn comes); the rest after.
  Server& server_;
  int in_fd_;
  int out_fd_;
  bool in_socket_ = false;   // recv()/send() rather than read()/write(): a shorter
  bool out_socket_ = false;  // kernel path, and no SIGPIPE from a closed peer
  State state_ = State::Open;
  bool reading_ = false;  // read event registered
  bool writing_ = false;  // write event registered
  std::size_t out_pos_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t reads_ = 0;  // reads, for the idle check
  std::string out_;
  protocol::RequestParser parser_;
  std::uint64_t reads_at_check_ = 0;  // reads_ at the last idle check
  std::uint64_t id_;
  std::string peer_;
  timeval idle_{};
  event* read_ev_ = nullptr;
  event* write_ev_ = nullptr;
  event* idle_ev_ = nullptr;
};

}  // namespace tlspolicyd::daemon
