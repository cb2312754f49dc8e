// SPDX-License-Identifier: MIT
// log_flusher: writes --log-stderr's batched lines from the event loop.
//
// While it exists, the first line of a batch arms a timer, and the logger is
// flushed BatchDelay later; when stderr's reader is behind, it tries again after
// the same delay instead of waiting for it (logging.h: set_batch_waker). Loop
// thread only; the logger must outlive it.
#pragma once

#include <event2/event.h>
#include <spdlog/spdlog.h>

namespace tlspolicyd::daemon {

class LogFlusher {
 public:
  static constexpr timeval BatchDelay{0, 50000};

  LogFlusher(event_base* base, spdlog::logger& logger);
  ~LogFlusher();  // flushes what is left
  LogFlusher(const LogFlusher&) = delete;
  LogFlusher& operator=(const LogFlusher&) = delete;

 private:
  static void flush_cb(evutil_socket_t fd, short what, void* arg);

  spdlog::logger& logger_;
  event* event_ = nullptr;
};

}  // namespace tlspolicyd::daemon
