// SPDX-License-Identifier: MIT
// event_loop: the daemon's libevent loop, with the priorities connections are
// served at (connection.h, Priority).
//
// At most MaxCallbacksPerTurn callbacks below Priority::First run before the
// loop looks for new events, so a request of limits.reserved_for (Postfix)
// never waits behind thousands of other peers' ready connections.
#pragma once

#include <event2/event.h>

namespace tlspolicyd::daemon {

// A new loop, or nullptr when libevent cannot make one.
[[nodiscard]] event_base* new_event_loop();

}  // namespace tlspolicyd::daemon
