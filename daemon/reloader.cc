// SPDX-License-Identifier: MIT
#include "reloader.h"

#include <fcntl.h>
#include <unistd.h>

namespace tlspolicyd::daemon {

Reloader::Reloader(event_base* base, std::string path, Done done) : path_(std::move(path)), done_(std::move(done)) {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return;
  event_ = event_new(base, pipe_[0], EV_READ | EV_PERSIST, &Reloader::on_pipe, this);
  if (event_ != nullptr && event_add(event_, nullptr) != 0) {
    event_free(event_);
    event_ = nullptr;
  }
}

Reloader::~Reloader() {
  if (worker_.joinable()) worker_.join();
  if (event_ != nullptr) event_free(event_);
  for (int fd : pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void Reloader::request() {
  if (worker_.joinable()) {
    pending_ = true;
    return;
  }
  start_worker();
}

void Reloader::start_worker() {
  worker_ = std::thread([this] {
    config::LoadResult result = config::load_config_file(path_);  // never throws
    {
      std::lock_guard lock(mutex_);
      result_ = std::move(result);
    }
    const char byte = 1;
    while (::write(pipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
  });
}

void Reloader::on_pipe(evutil_socket_t fd, short, void* arg) {
  auto* self = static_cast<Reloader*>(arg);
  char buf[16];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
  std::optional<config::LoadResult> result;
  {
    std::lock_guard lock(self->mutex_);
    result.swap(self->result_);
  }
  if (!result) return;
  self->worker_.join();
  self->done_(std::move(*result));
  if (self->pending_) {
    self->pending_ = false;
    self->start_worker();
  }
}

}  // namespace tlspolicyd::daemon
