// SPDX-License-Identifier: MIT
#include "policy/policy.h"

namespace tlspolicyd::policy {

std::string warn_answer(std::string_view rule, std::string_view enforce_action) {
  std::string out = "WARN tlspolicyd rule \"";
  out.append(rule);
  out.append("\" would answer: ");
  out.append(enforce_action);
  make_wire_safe(out);
  return out;
}

Decision Policy::evaluate(const protocol::Request& request) const {
  Decision warned;
  for (const Rule& rule : rules_) {
    if (rule.mode == Mode::Observe) continue;
    std::string answer = rule.action.render(RenderContext{request, rule.name, {}});
    if (rule.mode == Mode::Enforce) return Decision{std::move(answer), &rule, rule.mode};
    if (warned.rule == nullptr) warned = Decision{warn_answer(rule.name, answer), &rule, rule.mode};
  }
  if (warned.rule != nullptr) return warned;
  return Decision{default_action_.render(RenderContext{request, {}, {}}), nullptr, Mode::Enforce};
}

}  // namespace tlspolicyd::policy
