// SPDX-License-Identifier: MIT
#include "log_flusher.h"

#include "logging.h"

namespace tlspolicyd::daemon {

LogFlusher::LogFlusher(event_base* base, spdlog::logger& logger)
    : logger_(logger), event_(event_new(base, -1, 0, &LogFlusher::flush_cb, this)) {
  if (event_ == nullptr) return;  // every line is then written at once
  set_batch_waker(logger_, [this] {
    if (event_pending(event_, EV_TIMEOUT, nullptr) == 0) event_add(event_, &BatchDelay);
  });
}

LogFlusher::~LogFlusher() {
  set_batch_waker(logger_, nullptr);
  logger_.flush();
  if (event_ != nullptr) event_free(event_);
}

void LogFlusher::flush_cb(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<LogFlusher*>(arg);
  self->logger_.flush();
  if (log_waiting(self->logger_)) event_add(self->event_, &BatchDelay);  // stderr's reader is behind
}

}  // namespace tlspolicyd::daemon
