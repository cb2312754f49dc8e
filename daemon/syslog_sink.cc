// SPDX-License-Identifier: MIT
#include "syslog_sink.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tlspolicyd::daemon {
namespace {

int severity_of(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return LOG_DEBUG;
    case spdlog::level::info: return LOG_INFO;
    case spdlog::level::warn: return LOG_WARNING;
    case spdlog::level::err: return LOG_ERR;
    case spdlog::level::critical: return LOG_CRIT;
    default: return LOG_INFO;
  }
}

}  // namespace

SyslogSink::SyslogSink(std::string path, std::string ident, int facility)
    : path_(std::move(path)), tag_(" " + ident + "[" + std::to_string(::getpid()) + "]: "), facility_(facility) {
  open_socket();
}

SyslogSink::~SyslogSink() {
  if (fd_ >= 0) ::close(fd_);
}

bool SyslogSink::open_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

bool SyslogSink::send(int severity, std::string_view text) {
  const std::time_t now = std::time(nullptr);
  if (now != stamp_time_) {
    std::tm local{};
    ::localtime_r(&now, &local);
    std::strftime(stamp_, sizeof stamp_, "%b %e %H:%M:%S", &local);
    stamp_time_ = now;
  }
  datagram_.clear();
  datagram_.append("<").append(std::to_string(facility_ | severity)).append(">");
  datagram_.append(stamp_).append(tag_);
  datagram_.append(text);

  if (fd_ < 0) {
    const auto t = std::chrono::steady_clock::now();
    if (t < next_attempt_) return false;
    next_attempt_ = t + std::chrono::seconds(1);
    if (!open_socket()) return false;
  }
  if (::send(fd_, datagram_.data(), datagram_.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
  if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != EMSGSIZE) {
    // The log daemon went away (restart, socket removed): reopen later.
    ::close(fd_);
    fd_ = -1;
    next_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  }
  return false;
}

void SyslogSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t text;
  formatter_->format(msg, text);
  std::string_view line(text.data(), text.size());
  while (!line.empty() && line.back() == '\n') line.remove_suffix(1);  // the pattern's own end of line
  if (lost_ > 0) {
    const std::string note = "warning: " + std::to_string(lost_) +
                             " log line(s) lost: the system log (" + path_ + ") was unavailable or full";
    if (!send(LOG_WARNING, note)) {
      ++lost_;
      ++dropped_;
      return;
    }
    lost_ = 0;
  }
  if (!send(severity_of(msg.level), line)) {
    ++lost_;
    ++dropped_;
  }
}

}  // namespace tlspolicyd::daemon
