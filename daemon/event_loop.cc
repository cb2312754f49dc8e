// SPDX-License-Identifier: MIT
#include "event_loop.h"

#include "connection.h"

namespace tlspolicyd::daemon {

event_base* new_event_loop() {
  event_config* cfg = event_config_new();
  if (cfg == nullptr) return nullptr;
  event_config_set_max_dispatch_interval(cfg, nullptr, MaxCallbacksPerTurn, static_cast<int>(Priority::Normal));
  event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (base != nullptr && event_base_priority_init(base, PriorityCount) != 0) {
    event_base_free(base);
    return nullptr;
  }
  return base;
}

}  // namespace tlspolicyd::daemon
