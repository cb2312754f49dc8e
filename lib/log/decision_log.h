// SPDX-License-Identifier: MIT
// decision_log: the key=value lines logged for a decision (the README's Logging
// section is the contract).
//
//   action=reject rule=NAME mode=enforce reason="..." client=NAME[ADDR] helo=<...>
//     from=<...> to=<...> protocol=TLSv1 cipher=... [sasl_method=... sasl_username=...]
//     port=25 [policy_context=...] queue_id=- instance=...
//   observe: rule=NAME would=reject reason="..." client=... (the same request fields)
//
// The answer line (first word action=) says what Postfix was answered, its verb in
// lower case, the deciding rule ("default" for the default action, "downgrade"
// for the TLS history), that rule's mode (would=VERB: what enforce would have
// answered, for a WARN) and why: at most one per request, so counting lines that
// start with action= counts requests (a value may hold the text "action=", never a
// line's start). It is logged for every answer other than DUNNO, for a
// DUNNO a violation decided, and with `all` for every request. A warn or observe
// rule that was violated without deciding the answer (a census) gets a line of
// its own that starts with its mode ("observe:" or "warn:") and has no action=.
// Field names are Postfix's own where the meaning is the same (client=, helo=<>,
// from=<>, to=<>, sasl_method=, sasl_username=); sasl_* and policy_context appear
// only when set. Empty values are "-"; every value is escaped (log::KvLine), so no
// request can break or forge a line.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"
#include "protocol/request.h"

namespace tlspolicyd::log {

enum class DecisionLog : std::uint8_t { All, Violations, None };

// Appends the lines to `out`, each ending in '\n' (no value can hold one: they
// are escaped): the census lines in rule order, then the answer line; returns
// how many. Nothing is allocated when `out` has room.
std::size_t append_decision_lines(std::string& out, const policy::Decision& decision,
                                  const protocol::Request& request, DecisionLog what);

// The same lines, one string each (tests and tools).
[[nodiscard]] std::vector<std::string> decision_lines(const policy::Decision& decision,
                                                      const protocol::Request& request, DecisionLog what);

}  // namespace tlspolicyd::log
