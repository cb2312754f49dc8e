// SPDX-License-Identifier: MIT
// decision_log: the one key=value line logged per decision (SPEC section 5).
//
//   action=reject rule=NAME mode=enforce reason="..." client=NAME[ADDR] helo=...
//   sender=<...> recipient=<...> protocol=TLSv1 cipher=... queue_id=- instance=...
//
// action is the answer's first word in lower case; empty values are written "-";
// every value is escaped (log::KvLine), so no request can break or forge a line.
#pragma once

#include <string>

#include "policy/policy.h"
#include "protocol/request.h"

namespace tlspolicyd::log {

[[nodiscard]] std::string decision_line(const policy::Decision& decision, const protocol::Request& request);

}  // namespace tlspolicyd::log
