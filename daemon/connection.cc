// SPDX-License-Identifier: MIT
#include "connection.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "responder.h"

namespace tlspolicyd::daemon {
namespace {

constexpr std::size_t ReadChunk = 16 * 1024;

timeval to_timeval(std::chrono::seconds s) { return timeval{static_cast<time_t>(s.count()), 0}; }

bool is_socket(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

std::string limit_text(protocol::ParseError error, const protocol::Limits& limits) {
  std::string text(protocol::to_string(error));
  switch (error) {
    case protocol::ParseError::LineTooLong: return text + " (limit " + std::to_string(limits.line_bytes) + " bytes)";
    case protocol::ParseError::RequestTooLarge:
      return text + " (limit " + std::to_string(limits.request_bytes) + " bytes)";
    case protocol::ParseError::TooManyAttributes:
      return text + " (limit " + std::to_string(limits.attributes) + ")";
    default: return text;
  }
}

}  // namespace

Connection::Connection(ConnectionHost& host, Responder& responder, std::uint64_t id, int in_fd, int out_fd,
                       std::string peer)
    : host_(host), responder_(responder), in_fd_(in_fd), out_fd_(out_fd), parser_(host.limits().request), id_(id),
      peer_(std::move(peer)) {}

Connection::~Connection() {
  if (read_ev_ != nullptr) event_free(read_ev_);
  if (idle_ev_ != nullptr) event_free(idle_ev_);
  if (write_ev_ != nullptr) event_free(write_ev_);
  ::close(in_fd_);
  if (out_fd_ != in_fd_) ::close(out_fd_);
}

bool Connection::start(Priority priority, bool history) {
  history_ = history;
  if (!set_nonblocking(in_fd_) || !set_nonblocking(out_fd_)) return false;
  in_socket_ = is_socket(in_fd_);
  out_socket_ = is_socket(out_fd_);
  read_ev_ = event_new(host_.base(), in_fd_, EV_READ | EV_PERSIST, &Connection::read_cb, this);
  idle_ev_ = evtimer_new(host_.base(), &Connection::idle_cb, this);
  write_ev_ = event_new(host_.base(), out_fd_, EV_WRITE | EV_PERSIST, &Connection::write_cb, this);
  if (read_ev_ == nullptr || write_ev_ == nullptr || idle_ev_ == nullptr) return false;
  if (event_base_get_npriorities(host_.base()) == PriorityCount) {
    for (event* ev : {read_ev_, write_ev_, idle_ev_}) event_priority_set(ev, static_cast<int>(priority));
  }
  idle_ = to_timeval(std::min(FirstRequestTimeout, host_.limits().idle_timeout));  // the first check
  if (event_add(read_ev_, nullptr) != 0 || event_add(idle_ev_, &idle_) != 0) return false;
  reading_ = true;
  return true;
}

const timeval* Connection::idle_timeout() {
  if (const timeval* common = host_.idle_timeout()) return common;
  idle_ = to_timeval(host_.limits().idle_timeout);  // no common timeout: a plain one
  return &idle_;
}

void Connection::read_cb(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  self->guarded([self] { self->on_readable(); });
  if (self->state_ == State::Closed) self->host_.release(*self);
}

void Connection::idle_cb(evutil_socket_t, short, void* arg) {
  // Checked once an idle_timeout: a connection that read nothing since the last
  // check is idle (so it is closed after one to two idle_timeouts of silence);
  // the answer path never touches a timer.
  auto* self = static_cast<Connection*>(arg);
  if (self->state_ != State::Open) return;
  if (self->requests_ == 0) {  // connected, and never a whole request (a byte is not one)
    self->host_.log().info("conn={} peer={}: sent no request in {}s; closing", self->id_, self->peer_,
                           self->idle_.tv_sec);
    self->close();
    self->host_.release(*self);
    return;
  }
  if (self->reads_ != self->reads_at_check_ || !self->reading_) {  // busy, or waiting for the peer to read
    self->reads_at_check_ = self->reads_;
    event_add(self->idle_ev_, self->idle_timeout());
    return;
  }
  self->host_.log().info("conn={} peer={}: idle for {}s after {} request(s); closing", self->id_, self->peer_,
                           self->host_.limits().idle_timeout.count(), self->requests_);
  self->close();
  self->host_.release(*self);
}

void Connection::write_cb(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<Connection*>(arg);
  self->guarded([self, what] {
    if (what & EV_TIMEOUT) {
      self->host_.log().warn("conn={} peer={}: peer does not read its answers; closing", self->id_, self->peer_);
      self->close();
    } else {
      self->on_writable();
    }
  });
  if (self->state_ == State::Closed) self->host_.release(*self);
}

template <class F>
void Connection::guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    // Never a guessed answer: this connection ends, the daemon goes on.
    host_.log().error("conn={} peer={}: internal error: {}; closing without an answer", id_, peer_, e.what());
    close();
  }
}

Connection::ReadResult Connection::read_some() {
  char buf[ReadChunk];
  ssize_t n = in_socket_ ? ::recv(in_fd_, buf, sizeof buf, 0) : ::read(in_fd_, buf, sizeof buf);
  ++reads_;
  if (n > 0) {
    parser_.set_limits(host_.limits().request);
    // Parsed in this buffer, not copied to the connection's (a copy's memory is
    // cold: one connection's turn comes after all the others'); only an
    // unfinished request is kept.
    parser_.borrow(std::string_view(buf, static_cast<std::size_t>(n)));
    struct Release {  // before `buf` goes, even when an answer throws
      protocol::RequestParser& parser;
      ~Release() { parser.release(); }
    } release{parser_};
    answer_buffered();
    return ReadResult::Data;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return ReadResult::Empty;
  if (n < 0) {
    // A reset is any client's to send, as often as it likes: not worth a line each.
    host_.log().log(errno == ECONNRESET ? spdlog::level::debug : spdlog::level::info,
                    "conn={} peer={}: read error: {}; closing", id_, peer_, std::strerror(errno));
  } else if (held_back_) {
    host_.log().info("conn={} peer={}: closed by peer with {} bytes of requests unanswered: it did not read its "
                     "answers", id_, peer_, parser_.buffered());
  } else if (parser_.mid_request()) {
    host_.log().warn("conn={} peer={}: connection closed in the middle of a request ({} bytes unanswered)", id_,
                       peer_, parser_.buffered());
  } else {
    host_.log().debug("conn={} peer={}: closed by peer after {} request(s)", id_, peer_, requests_);
  }
  return ReadResult::End;
}

void Connection::on_readable() {
  if (read_some() == ReadResult::End) drain();
  if (state_ != State::Closed) flush();
}

void Connection::answer_buffered() {
  // Not the connection's: the same memory for every connection, so a request's
  // fields are written where the cache already is.
  protocol::Request& request = responder_.scratch_request();
  held_back_ = false;
  while (state_ == State::Open && !waiting_) {
    if (out_.size() - out_pos_ > MaxPendingOutput) {
      // The peer is not reading: the rest waits in the parser until it does.
      held_back_ = true;
      return;
    }
    protocol::ParseStatus status = parser_.next(request);
    if (status == protocol::ParseStatus::NeedMore) return;
    if (status == protocol::ParseStatus::Error) {
      host_.log().warn("conn={} peer={}: {} after {} request(s); closing without an answer", id_, peer_,
                         limit_text(parser_.error(), parser_.limits()), requests_);
      responder_.protocol_error();
      drain();
      return;
    }
    ++requests_;
    if (history_ && !responder_.ready(request, id_)) {
      // Its TLS history is on its way: keep a copy (the parser moves on) and read
      // nothing more until resume().
      if (!waiting_request_) waiting_request_ = std::make_unique<protocol::OwnedRequest>();
      waiting_request_->assign(request);
      waiting_ = true;
      return;
    }
    if (!responder_.answer(request, out_, id_, peer_, nullptr, history_)) {
      drain();
      return;
    }
  }
}

void Connection::resume() {
  if (!waiting_ || state_ == State::Closed) return;
  guarded([this] {
    waiting_ = false;
    if (!responder_.answer(waiting_request_->request(), out_, id_, peer_)) {
      drain();
    } else {
      answer_buffered();
    }
    flush();
  });
}

void Connection::flush() {
  for (;;) {
    write_out();
    if (state_ == State::Closed) return;
    if (out_pos_ == out_.size() && state_ == State::Draining && !waiting_) {
      close();
      return;
    }
    // Requests held back while the peer did not read: answer them now that it has.
    if (!held_back_ || state_ != State::Open || out_.size() - out_pos_ > MaxPendingOutput) break;
    answer_buffered();
  }
  update_events();
}

void Connection::write_out() {
  while (out_pos_ < out_.size()) {
    const char* data = out_.data() + out_pos_;
    const std::size_t size = out_.size() - out_pos_;
    ssize_t n = out_socket_ ? ::send(out_fd_, data, size, MSG_NOSIGNAL) : ::write(out_fd_, data, size);
    if (n > 0) {
      out_pos_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    host_.log().info("conn={} peer={}: write error: {}; closing", id_, peer_, std::strerror(errno));
    close();
    return;
  }
  if (out_pos_ == out_.size()) {
    out_pos_ = 0;
    if (out_.capacity() > KeptOutputCapacity) {
      std::string().swap(out_);  // what a pipelining burst grew goes back
    } else {
      out_.clear();
    }
  }
}

void Connection::on_writable() { flush(); }

void Connection::update_events() {
  const std::size_t unread = out_.size() - out_pos_;
  const bool want_read = state_ == State::Open && unread <= MaxPendingOutput && !held_back_ && !waiting_;
  if (want_read != reading_) {
    if (want_read) {
      event_add(read_ev_, nullptr);
    } else {
      event_del(read_ev_);
    }
    reading_ = want_read;
  }
  // Whenever reading waits for the peer to read (paused, or draining), the peer
  // must make room within DrainTimeout (reset by each write that goes through).
  const bool want_write = unread > 0;
  const bool timed = want_write && !want_read;
  if (want_write != writing_ || timed != write_timed_) {
    if (want_write) {
      const timeval drain_timeout = to_timeval(DrainTimeout);
      event_add(write_ev_, timed ? &drain_timeout : nullptr);
    } else {
      event_del(write_ev_);
    }
    writing_ = want_write;
    write_timed_ = timed;
  }
}

void Connection::drain() {
  if (state_ == State::Open) state_ = State::Draining;  // flush() then re-arms the events
}

void Connection::shutdown() {
  if (state_ != State::Open) return;
  guarded([this] {
    // Answer what the peer has sent already: read until the socket is empty (a
    // peer that keeps sending gets a bounded number of reads).
    for (int reads = 0; reads < 16 && state_ == State::Open; ++reads) {
      if (read_some() != ReadResult::Data) break;
    }
    if (state_ == State::Open && held_back_) {
      host_.log().info("conn={} peer={}: stopping with {} bytes of requests unanswered: the peer does not read its "
                       "answers", id_, peer_, parser_.buffered());
    } else if (state_ == State::Open && parser_.mid_request()) {
      host_.log().info("conn={} peer={}: stopping with an unfinished request", id_, peer_);
    }
    drain();
    flush();
  });
}

void Connection::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  if (reading_) event_del(read_ev_);
  event_del(idle_ev_);
  if (writing_) event_del(write_ev_);
  reading_ = writing_ = write_timed_ = false;
}

}  // namespace tlspolicyd::daemon
