// SPDX-License-Identifier: MIT
// fuzz_checks: the properties every fuzz target asserts about what leaves the
// daemon. A failed check aborts, which libFuzzer (and the replay runner) report.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "log/decision_log.h"
#include "policy/action.h"
#include "policy/policy.h"
#include "protocol/reply.h"
#include "protocol/request.h"

namespace tlspolicyd::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// Printable ASCII only: what an answer and a log line may hold.
inline bool printable(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return true;
}

// An answer as Postfix will read it: one non-empty printable line, within the
// length Postfix accepts, that the encoder takes; a verb the kind names.
inline void check_answer(const policy::Answer& answer) {
  const std::string action = policy::to_string(answer);
  check(!action.empty() && action.size() <= policy::MaxActionBytes && printable(action));
  check(!answer.verb.empty() && answer.verb.find(' ') == std::string::npos);
  check(answer.kind == policy::ActionKind::Numeric ? answer.verb.size() == 3
                                                   : answer.verb == policy::to_string(answer.kind));
  std::string wire;
  check(protocol::append_reply(wire, answer.verb, answer.text));
  check(wire == "action=" + action + "\n\n");
}

// Evaluates `request` as the daemon does (and as --explain does), with the TLS
// history's `downgrade` if any, then checks the answer and every log line it
// would write.
inline void check_decision(const policy::Policy& policy, const protocol::Request& request,
                           const policy::Failure* downgrade = nullptr) {
  const policy::Decision decision = policy.evaluate(request, nullptr, downgrade);
  check_answer(decision.answer);
  policy::Trace trace;
  const policy::Decision traced = policy.evaluate(request, &trace, downgrade);  // pure: the trace changes nothing
  check(traced.answer == decision.answer && traced.reason == decision.reason);
  check(trace.size() == policy.rules().size() || (downgrade != nullptr && trace.size() == policy.rules().size() + 1));
  for (const std::string& line : log::decision_lines(decision, request, log::DecisionLog::All)) {
    check(!line.empty() && printable(line));
  }
}

}  // namespace tlspolicyd::fuzz
