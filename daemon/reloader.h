// SPDX-License-Identifier: MIT
// reloader: builds a new configuration off the event loop.
//
// request() starts loading the file on a worker thread (lists from files and all);
// the result comes back to the loop thread through an Inbox, and `done` runs there.
// A request while a load runs is remembered and run once that load is finished, so
// the newest file always wins and at most one load runs at a time. The worker only
// reads files and builds values: it never touches the loop, the log or the server.
// Who may own the files (file_owners()) is fixed when the Reloader is made, as
// the daemon starts: a reload trusts the owners the start trusted.
#pragma once

#include <event2/event.h>

#include <functional>
#include <string>
#include <thread>

#include "config/config_loader.h"
#include "inbox.h"

namespace tlspolicyd::daemon {

class Reloader {
 public:
  using Done = std::function<void(config::LoadResult)>;

  Reloader(event_base* base, std::string path, Done done);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // False when the notification pipe could not be made.
  [[nodiscard]] bool ok() const { return inbox_.ok(); }
  void request();

 private:
  void finished(std::vector<config::LoadResult> results);

  std::string path_;
  config::FileOwners owners_;
  Done done_;
  std::thread worker_;
  bool pending_ = false;
  Inbox<config::LoadResult> inbox_;
};

}  // namespace tlspolicyd::daemon
