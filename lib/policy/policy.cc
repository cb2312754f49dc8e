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

Decision Policy::evaluate(const protocol::Request& request, Trace* trace) const {
  Decision decision;
  const Rule* warned = nullptr;  // the first rule that remembered a WARN
  std::size_t warned_index = 0;
  std::string warned_answer, warned_reason;
  if (trace != nullptr) {
    trace->clear();
    for (const Rule& rule : rules_) trace->push_back(RuleTrace{&rule, RuleTrace::Outcome::NotEvaluated, {}, {}, false});
  }

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    RuleTrace* t = trace != nullptr ? &(*trace)[i] : nullptr;
    const bool matched = rule.match.matches(request);
    if (t != nullptr) {
      t->match = rule.match.explain(request);
      t->outcome = matched ? RuleTrace::Outcome::Held : RuleTrace::Outcome::NotMatched;
    }
    if (!matched) continue;

    std::string reason;
    if (rule.require) {
      reason = rule.require->check(request);
      if (reason.empty()) continue;
      if (t != nullptr) {
        t->outcome = RuleTrace::Outcome::Violated;
        t->reason = reason;
      }
    } else if (t != nullptr) {
      t->outcome = RuleTrace::Outcome::Applied;
    }

    std::string answer = rule.action.render(RenderContext{request, rule.name, reason});
    if (rule.mode == Mode::Enforce) {
      if (rule.require) decision.violations.push_back(Violation{&rule, reason, answer});
      decision.action = std::move(answer);
      decision.rule = &rule;
      decision.mode = rule.mode;
      decision.reason = std::move(reason);
      if (t != nullptr) t->answered = true;
      return decision;
    }
    if (rule.mode == Mode::Warn && warned == nullptr) {
      warned = &rule;
      warned_index = i;
      warned_answer = warn_answer(rule.name, answer);
      warned_reason = reason;
    }
    decision.violations.push_back(Violation{&rule, std::move(reason), std::move(answer)});
  }

  if (warned != nullptr) {
    if (trace != nullptr) (*trace)[warned_index].answered = true;
    decision.action = std::move(warned_answer);
    decision.rule = warned;
    decision.mode = Mode::Warn;
    decision.reason = std::move(warned_reason);
    return decision;
  }
  decision.action = default_action_.render(RenderContext{request, {}, {}});
  return decision;
}

}  // namespace tlspolicyd::policy
