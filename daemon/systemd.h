// SPDX-License-Identifier: MIT
// systemd: socket activation and service notification (sd_listen_fds, sd_notify).
//
// Without systemd (no LISTEN_FDS, no NOTIFY_SOCKET, no WATCHDOG_USEC) every call
// here does nothing, so the daemon runs the same by hand, under another service
// manager, or under systemd with Type=simple.
#pragma once

#include <chrono>
#include <optional>
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

// How often to send WATCHDOG=1 (half the configured WatchdogSec), if at all.
[[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace tlspolicyd::daemon::systemd
