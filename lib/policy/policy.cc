// SPDX-License-Identifier: MIT
#include "policy/policy.h"

namespace tlspolicyd::policy {
namespace {

// The WARN answer for a rule in warn mode: WARN tlspolicyd rule "NAME" would answer: ACTION
Answer warn_answer(std::string_view rule, const Answer& enforce) {
  Answer out{ActionKind::Warn, std::string(to_string(ActionKind::Warn)), "tlspolicyd rule \""};
  out.text.append(rule);
  out.text.append("\" would answer: ");
  append_wire(out.text, enforce);
  make_wire_safe(out.text, MaxActionBytes - out.verb.size() - 1);
  return out;
}

const Failure* ptr(const std::optional<Failure>& f) { return f ? &*f : nullptr; }

bool is_match_error(const std::optional<Failure>& f) { return f && f->unmet == Unmet::MatchError; }

// What a rule answers in enforce mode for `reason`: its action, or for a match
// error the fixed temporary failure.
void render_enforced(Answer& out, const Rule& rule, const protocol::Request& request,
                     const std::optional<Failure>& reason) {
  if (is_match_error(reason)) {
    out = Answer{ActionKind::Defer, std::string(MatchErrorVerb), std::string(MatchErrorText)};
    return;
  }
  rule.action.render(out, RenderContext{request, rule.name, ptr(reason)});
}

// The state of one evaluation: the first WARN and the violations so far.
struct Evaluation {
  explicit Evaluation(const protocol::Request& r) : request(r) {}

  const protocol::Request& request;
  Decision decision;
  static constexpr std::size_t NoWarn = static_cast<std::size_t>(-1);
  std::size_t warned = NoWarn;  // the first WARN's violation (its answer is rendered at the end)
  RuleTrace* warned_trace = nullptr;

  // `rule` applies and its requirement (if any) failed with `reason`: act per its
  // mode. True when evaluation stops here.
  bool act(const Rule& rule, std::optional<Failure> reason, RuleTrace* t) {
    if (rule.mode == Mode::Enforce) {
      if (rule.require || reason) decision.violations.push_back(Violation{&rule, reason});
      render_enforced(decision.answer, rule, request, reason);
      decision.rule = &rule;
      decision.mode = rule.mode;
      decision.reason = std::move(reason);
      if (t != nullptr) t->answered = true;
      return true;
    }
    decision.violations.push_back(Violation{&rule, std::move(reason)});
    if (rule.mode == Mode::Warn && warned == NoWarn) {
      warned = decision.violations.size() - 1;
      warned_trace = t;
    }
    return false;
  }

  // The end without an enforced answer: the first WARN's, else none.
  bool answer_warned() {
    if (warned == NoWarn) return false;
    const Violation& v = decision.violations[warned];
    if (warned_trace != nullptr) warned_trace->answered = true;
    Answer enforced;
    render_enforced(enforced, *v.rule, request, v.reason);
    decision.answer = warn_answer(v.rule->name, enforced);
    decision.rule = v.rule;
    decision.mode = Mode::Warn;
    decision.reason = v.reason;
    return true;
  }
};

}  // namespace

Decision Policy::evaluate(const protocol::Request& request, Trace* trace, const Failure* downgrade,
                          HeldRules* held) const {
  // Two copies of the loop: without a trace (every answer), none of the code that
  // writes one is in the way.
  if (held != nullptr) held->clear();
  return trace != nullptr ? evaluate<true>(request, trace, downgrade, held)
                          : evaluate<false>(request, nullptr, downgrade, held);
}

template <bool Traced>
Decision Policy::evaluate(const protocol::Request& request, Trace* trace, const Failure* downgrade,
                          HeldRules* held) const {
  Evaluation ev(request);
  if constexpr (Traced) {
    trace->clear();
    if (downgrade != nullptr && downgrade_rule_) {
      trace->push_back(RuleTrace{&*downgrade_rule_, RuleTrace::Outcome::Violated, "TLS history", *downgrade, false});
    }
    for (const Rule& rule : rules_) trace->push_back(RuleTrace{&rule, RuleTrace::Outcome::NotEvaluated, {}, {}, false});
  }
  const std::size_t offset = Traced ? trace->size() - rules_.size() : 0;

  // A downgrade acts first, as a rule of its own (SPEC 6).
  if (downgrade != nullptr && downgrade_rule_ &&
      ev.act(*downgrade_rule_, *downgrade, Traced ? &trace->front() : nullptr)) {
    return std::move(ev.decision);
  }

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    RuleTrace* t = Traced ? &(*trace)[offset + i] : nullptr;
    const match::Found matched = rule.match.matches(request);
    if constexpr (Traced) {
      t->match = rule.match.explain(request);
      t->outcome = matched.no() ? RuleTrace::Outcome::NotMatched : RuleTrace::Outcome::Held;
    }
    if (matched.no()) continue;

    std::optional<Failure> reason;
    if (matched.error()) {
      // Fails closed: the rule applies and counts as failed (see policy.h).
      reason = Failure{RequirementKey::Match, Unmet::MatchError, match::error_text(matched), {}};
      if constexpr (Traced) {
        t->outcome = RuleTrace::Outcome::Violated;
        t->reason = reason;
      }
    } else if (rule.require) {
      reason = rule.require->check(request);
      if (!reason) {
        if (held != nullptr) held->push_back(&rule);
        continue;
      }
      if constexpr (Traced) {
        t->outcome = RuleTrace::Outcome::Violated;
        t->reason = reason;
      }
    } else if constexpr (Traced) {
      t->outcome = RuleTrace::Outcome::Applied;
    }
    if (ev.act(rule, std::move(reason), t)) return std::move(ev.decision);
  }

  if (!ev.answer_warned()) default_action_.render(ev.decision.answer, RenderContext{request, {}, nullptr});
  return std::move(ev.decision);
}

}  // namespace tlspolicyd::policy
