// SPDX-License-Identifier: MIT
// stderr_sink: log lines to stderr (--log-stderr), batched and never blocking
// the daemon on a reader that stalls.
//
// Lines are written in batches (the waker asks the owner to flush soon, see
// logging.h); warnings, errors and batches over 64 KiB at once. When stderr is a
// pipe or a socket (a `| logger` pipeline, journald's stream under systemd), a
// write goes only as far as the reader makes room: pipes in PIPE_BUF pieces while
// poll() says there is room, sockets with MSG_DONTWAIT. What does not fit waits,
// up to MaxPending bytes (twice that for warnings and errors); beyond that, lines
// are dropped and counted, and once there is room again a warning says how many
// were lost. Waiting lines are tried again with each new line and each flush, and
// the waker is called when a line finds the reader behind. Regular files and
// terminals take each batch whole. Single-threaded, like the logger it serves.
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <functional>

namespace tlspolicyd::daemon {

class StderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  static constexpr std::size_t MaxPending = 256 * 1024;

  explicit StderrSink(int fd = 2);
  ~StderrSink() override;
  StderrSink(const StderrSink&) = delete;
  StderrSink& operator=(const StderrSink&) = delete;

  // Called when the first line of a batch is buffered; without a waker, every
  // line is written at once.
  void set_waker(std::function<void()> wake) { wake_ = std::move(wake); }
  // Lines wait for the reader (the owner should flush again later).
  [[nodiscard]] bool waiting() const { return stalled_; }
  // Lines dropped since start.
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  enum class Kind { Blocking, Pipe, Socket };
  // Writes what the reader takes without waiting; what it does not take stays.
  void write_pending();

  int fd_;
  Kind kind_;
  spdlog::memory_buf_t buffer_;
  std::size_t written_ = 0;  // bytes at the start of buffer_ already written
  bool stalled_ = false;     // the reader took less than was pending: retry with each line
  std::uint64_t lost_ = 0;  // lines dropped and not yet reported
  std::uint64_t dropped_ = 0;  // lines dropped since start
  std::function<void()> wake_;
};

}  // namespace tlspolicyd::daemon
