// SPDX-License-Identifier: MIT
#include "stderr_sink.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

namespace tlspolicyd::daemon {

StderrSink::StderrSink(int fd) : fd_(fd), kind_(Kind::Blocking) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    if (S_ISFIFO(st.st_mode)) kind_ = Kind::Pipe;
    if (S_ISSOCK(st.st_mode)) kind_ = Kind::Socket;
  }
}

StderrSink::~StderrSink() { write_pending(); }  // what the reader takes; never waits

void StderrSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (stalled_) write_pending();  // the reader may have made room since
  if (written_ > 0 && written_ >= buffer_.size() / 2) {  // drop what is written from the front
    std::memmove(buffer_.data(), buffer_.data() + written_, buffer_.size() - written_);
    buffer_.resize(buffer_.size() - written_);
    written_ = 0;
  }
  const bool first = buffer_.size() == 0;
  // Warnings and errors may use twice the room: they are the lines that matter.
  const bool important = msg.level >= spdlog::level::warn;
  const std::size_t limit = important ? 2 * MaxPending : MaxPending;
  // While dropping, other lines wait until half the room is free again.
  if (buffer_.size() >= limit || (lost_ > 0 && !important && buffer_.size() >= MaxPending / 2)) {
    ++lost_;
    ++dropped_;
    return;
  }
  if (lost_ > 0) {
    const std::string note = std::to_string(lost_) + " log line(s) lost: stderr did not take them";
    formatter_->format(spdlog::details::log_msg(msg.time, spdlog::source_loc{}, msg.logger_name,
                                                spdlog::level::warn, note),
                       buffer_);
    lost_ = 0;
  }
  formatter_->format(msg, buffer_);
  if (!wake_ || important || buffer_.size() - written_ > 65536) {
    write_pending();
    if (stalled_ && wake_) wake_();  // the owner flushes again later
  } else if (first || stalled_) {
    wake_();
  }
}

void StderrSink::flush_() { write_pending(); }

void StderrSink::write_pending() {
  while (written_ < buffer_.size()) {
    const char* p = buffer_.data() + written_;
    const std::size_t left = buffer_.size() - written_;
    ssize_t n = -1;
    switch (kind_) {
      case Kind::Socket: n = ::send(fd_, p, left, MSG_DONTWAIT | MSG_NOSIGNAL); break;
      case Kind::Pipe: {
        // Room for at least PIPE_BUF bytes when poll() says so: such a write never waits.
        pollfd pfd{fd_, POLLOUT, 0};
        if (::poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLOUT) == 0) {
          stalled_ = true;
          return;
        }
        n = ::write(fd_, p, std::min<std::size_t>(left, PIPE_BUF));
        break;
      }
      case Kind::Blocking: n = ::write(fd_, p, left); break;
    }
    if (n > 0) {
      written_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      stalled_ = true;  // the next line or flush goes on
      return;
    }
    break;  // stderr closed or broken: the log is lost, never the daemon
  }
  buffer_.clear();
  written_ = 0;
  stalled_ = false;
}

}  // namespace tlspolicyd::daemon
