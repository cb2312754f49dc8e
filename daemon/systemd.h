// SPDX-License-Identifier: MIT
// systemd: socket activation and service notification (sd_listen_fds, sd_notify).
//
// Without systemd (no LISTEN_FDS, no NOTIFY_SOCKET, no WATCHDOG_USEC) everything
// here does nothing, so the daemon runs the same by hand, under another service
// manager, or under systemd with Type=simple.
#pragma once

#include <event2/event.h>

#include <string>
#include <vector>

#include "listener.h"

namespace tlspolicyd::daemon::systemd {

// The listening sockets systemd passed (tlspolicyd.socket), or none. Consumes the
// LISTEN_* environment so children do not see it.
[[nodiscard]] std::vector<BoundSocket> activated_sockets();

// Tells the service manager something ("READY=1", "RELOADING=1", "STOPPING=1",
// "STATUS=..."). Harmless without one.
void notify(const std::string& state);

// Sends WATCHDOG=1 from the event loop every half WatchdogSec while it exists
// (when the loop turns, requests are being answered); nothing without WatchdogSec.
class Watchdog {
 public:
  explicit Watchdog(event_base* base);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  event* event_ = nullptr;
};

}  // namespace tlspolicyd::daemon::systemd
