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

namespace {

// The state of one evaluation: the first WARN and the violations so far.
struct Evaluation {
  explicit Evaluation(const protocol::Request& r) : request(r) {}

  const protocol::Request& request;
  Decision decision;
  const Rule* warned = nullptr;
  RuleTrace* warned_trace = nullptr;
  std::string warned_answer, warned_reason;

  // `rule` applies and its requirement (if any) failed with `reason`: act per its
  // mode. True when evaluation stops here.
  bool act(const Rule& rule, std::string reason, RuleTrace* t) {
    auto answer = [&] { return rule.action.render(RenderContext{request, rule.name, reason}); };
    if (rule.mode == Mode::Enforce) {
      if (rule.require || !reason.empty()) decision.violations.push_back(Violation{&rule, reason});
      decision.action = answer();
      decision.rule = &rule;
      decision.mode = rule.mode;
      decision.reason = std::move(reason);
      if (t != nullptr) t->answered = true;
      return true;
    }
    if (rule.mode == Mode::Warn && warned == nullptr) {
      warned = &rule;
      warned_trace = t;
      warned_answer = warn_answer(rule.name, answer());  // only the first WARN is rendered
      warned_reason = reason;
    }
    decision.violations.push_back(Violation{&rule, std::move(reason)});
    return false;
  }
};

}  // namespace

Decision Policy::evaluate(const protocol::Request& request, Trace* trace, std::string_view downgrade) const {
  // Two copies of the loop: without a trace (every answer), none of the code that
  // writes one is in the way.
  return trace != nullptr ? evaluate<true>(request, trace, downgrade) : evaluate<false>(request, nullptr, downgrade);
}

template <bool Traced>
Decision Policy::evaluate(const protocol::Request& request, Trace* trace, std::string_view downgrade) const {
  Evaluation ev(request);
  if constexpr (Traced) {
    trace->clear();
    if (!downgrade.empty() && downgrade_rule_) {
      trace->push_back(RuleTrace{&*downgrade_rule_, RuleTrace::Outcome::Violated, "TLS history", std::string(downgrade), false});
    }
    for (const Rule& rule : rules_) trace->push_back(RuleTrace{&rule, RuleTrace::Outcome::NotEvaluated, {}, {}, false});
  }
  const std::size_t offset = Traced ? trace->size() - rules_.size() : 0;

  // A downgrade acts first, as a rule of its own (SPEC 6).
  if (!downgrade.empty() && downgrade_rule_ &&
      ev.act(*downgrade_rule_, std::string(downgrade), Traced ? &trace->front() : nullptr)) {
    return std::move(ev.decision);
  }

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    RuleTrace* t = Traced ? &(*trace)[offset + i] : nullptr;
    const bool matched = rule.match.matches(request);
    if constexpr (Traced) {
      t->match = rule.match.explain(request);
      t->outcome = matched ? RuleTrace::Outcome::Held : RuleTrace::Outcome::NotMatched;
    }
    if (!matched) continue;

    std::string reason;
    if (rule.require) {
      reason = rule.require->check(request);
      if (reason.empty()) continue;
      if constexpr (Traced) {
        t->outcome = RuleTrace::Outcome::Violated;
        t->reason = reason;
      }
    } else if constexpr (Traced) {
      t->outcome = RuleTrace::Outcome::Applied;
    }
    if (ev.act(rule, std::move(reason), t)) return std::move(ev.decision);
  }

  Decision& decision = ev.decision;
  if (ev.warned != nullptr) {
    if (ev.warned_trace != nullptr) ev.warned_trace->answered = true;
    decision.action = std::move(ev.warned_answer);
    decision.rule = ev.warned;
    decision.mode = Mode::Warn;
    decision.reason = std::move(ev.warned_reason);
    return std::move(decision);
  }
  default_action_.render(decision.action, RenderContext{request, {}, {}});  // decision.action is empty
  return std::move(decision);
}

}  // namespace tlspolicyd::policy
