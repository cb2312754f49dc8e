// SPDX-License-Identifier: MIT
#include "reloader.h"

#include "privileges.h"

namespace tlspolicyd::daemon {

Reloader::Reloader(event_base* base, std::string path, Done done)
    : path_(std::move(path)), owners_(file_owners()), done_(std::move(done)),
      inbox_(base, [this](std::vector<config::LoadResult> results) { finished(std::move(results)); }) {}

Reloader::~Reloader() {
  if (worker_.joinable()) worker_.join();
}

void Reloader::request() {
  if (worker_.joinable()) {
    pending_ = true;
    return;
  }
  worker_ = std::thread([this] { inbox_.post(config::load_config_file(path_, owners_)); });  // never throws
}

void Reloader::finished(std::vector<config::LoadResult> results) {
  worker_.join();
  for (auto& result : results) done_(std::move(result));
  if (pending_) {
    pending_ = false;
    request();
  }
}

}  // namespace tlspolicyd::daemon
