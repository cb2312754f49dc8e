// SPDX-License-Identifier: MIT
// decision_log: the key=value lines logged for a decision (SPEC section 5).
//
//   action=reject rule=NAME mode=enforce reason="..." client=NAME[ADDR] helo=...
//   sender=<...> recipient=<...> protocol=TLSv1 cipher=... queue_id=- instance=...
//
// One line per violation, in rule order (a warn or observe violation adds
// would=WORD: what enforce mode would have answered), and, when there is none, one
// line for the answer itself if it is not DUNNO or `all` is asked for. action= is
// always the answer Postfix got, its verb in lower case. Empty values are
// "-"; every value is escaped (log::KvLine), so no request can break or forge a
// line.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"
#include "protocol/request.h"

namespace tlspolicyd::log {

enum class DecisionLog : std::uint8_t { All, Violations, None };

// Appends the lines to `out`, each ending in '\n' (no value can hold one: they
// are escaped); returns how many. Nothing is allocated when `out` has room.
std::size_t append_decision_lines(std::string& out, const policy::Decision& decision,
                                  const protocol::Request& request, DecisionLog what);

// The same lines, one string each (tests and tools).
[[nodiscard]] std::vector<std::string> decision_lines(const policy::Decision& decision,
                                                      const protocol::Request& request, DecisionLog what);

}  // namespace tlspolicyd::log
