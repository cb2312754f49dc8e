// SPDX-License-Identifier: MIT
// syslog_sink: log lines to the local syslog daemon, never blocking the daemon.
//
// glibc's syslog() waits when the log daemon stalls (its socket queue is full),
// and every request would wait with it. This sink sends RFC 3164 datagrams
// ("<PRI>Mmm dd hh:mm:ss ident[pid]: text") to a datagram socket (/dev/log) with
// MSG_DONTWAIT. A line that cannot go at once (log daemon gone, restarting or
// stalled) is dropped and counted; a lost socket is reopened at most once a
// second; the first line that goes through again follows a warning saying how
// many lines were lost. Single-threaded, like the logger it serves.
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace tlspolicyd::daemon {

class SyslogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  SyslogSink(std::string path, std::string ident, int facility);
  ~SyslogSink() override;
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  // Lines dropped since the last one that was sent.
  [[nodiscard]] std::uint64_t lost() const { return lost_; }
  // Lines dropped since start.
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  bool open_socket();
  bool send(int severity, std::string_view text);  // false: dropped (and counted by the caller)

  std::string path_;
  std::string tag_;  // " ident[pid]: ", the same on every line
  int facility_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::uint64_t lost_ = 0;
  std::uint64_t dropped_ = 0;
  std::time_t stamp_time_ = -1;  // the second stamp_ was made for
  char stamp_[32] = {};          // "Nov 28 22:10:00"
  std::string datagram_;
};

}  // namespace tlspolicyd::daemon
