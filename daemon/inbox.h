// SPDX-License-Identifier: MIT
// inbox: hands values from worker threads to the event loop.
//
// post() may be called from any thread; the values are delivered, in order and in
// batches, to `deliver` on the loop thread, woken through a pipe. It is the way
// back to the loop for the daemon's two workers: the Reloader's new configuration
// and the HistoryService's store results (the HistoryService hands jobs to its
// worker through a queue of its own).
#pragma once

#include <event2/event.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <mutex>
#include <vector>

namespace tlspolicyd::daemon {

template <class T>
class Inbox {
 public:
  using Deliver = std::function<void(std::vector<T>)>;

  Inbox(event_base* base, Deliver deliver) : deliver_(std::move(deliver)) {
    if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return;
    event_ = event_new(base, pipe_[0], EV_READ | EV_PERSIST, &Inbox::on_pipe, this);
    if (event_ != nullptr && event_add(event_, nullptr) != 0) {
      event_free(event_);
      event_ = nullptr;
    }
  }
  ~Inbox() {
    if (event_ != nullptr) event_free(event_);
    for (int fd : pipe_) {
      if (fd >= 0) ::close(fd);
    }
  }
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  [[nodiscard]] bool ok() const { return event_ != nullptr; }

  void post(T value) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      wake = items_.empty();
      items_.push_back(std::move(value));
    }
    if (!wake) return;
    const char byte = 1;
    while (::write(pipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
  }

  // Delivers what is waiting now, on the calling (loop) thread.
  void drain() {
    std::vector<T> items;
    {
      std::lock_guard lock(mutex_);
      items.swap(items_);
    }
    if (!items.empty()) deliver_(std::move(items));
  }

 private:
  static void on_pipe(evutil_socket_t fd, short, void* arg) {
    char buf[64];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    static_cast<Inbox*>(arg)->drain();
  }

  Deliver deliver_;
  int pipe_[2] = {-1, -1};
  event* event_ = nullptr;
  std::mutex mutex_;
  std::vector<T> items_;  // guarded by mutex_
};

}  // namespace tlspolicyd::daemon
