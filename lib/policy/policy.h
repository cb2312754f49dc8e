// SPDX-License-Identifier: MIT
// policy: the compiled rule set and its evaluation, one request at a time
// (SPEC 3.1).
//
// Rules run in order; a rule applies when its match holds. With a requirement:
// if it holds, evaluation goes on; if not, enforce answers the rule's action and
// stops, warn remembers a WARN answer and goes on, observe only goes on. Without a
// requirement: enforce answers the action and stops; warn and observe behave as on
// a violation. When nothing stops, the first WARN is answered, else the default
// action. Every unmet requirement, and every warn/observe rule without one that
// applied, is a Violation in the Decision, so the caller can log each one; the
// rules that applied and whose requirement held go to a list the caller keeps
// (metrics; no allocation per request once it has grown). The
// answer (policy::Answer) and every failure (policy::Failure) stay typed: their text
// is made by the caller, for the wire, the log or the command line. evaluate() is
// pure: no I/O, no clock, no state; a Trace, when asked for, records every rule's part.
//
// A match the regex engine cannot answer (match::Found::Error: a match limit, the
// JIT stack) fails closed: the rule applies as if its requirement failed, with a
// Failure{Match, MatchError} naming the pattern and the engine's error; in enforce
// mode the answer is MatchErrorAnswer (a temporary failure, as Postfix answers a
// failed table lookup) whatever the rule's action, so neither an exemption nor a
// skipped rejection can be had by making a regex fail; warn answers WARN with it,
// observe only reports it. The caller logs and counts it (a Violation).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "match/condition.h"
#include "policy/action.h"
#include "policy/failure.h"
#include "policy/mode.h"
#include "policy/requirement.h"
#include "protocol/request.h"

namespace tlspolicyd::policy {

// The names the default action and a TLS downgrade go by in logs and metrics, as
// if they were rules; no rule may take them (config_loader refuses them).
inline constexpr std::string_view DefaultRuleName = "default";
inline constexpr std::string_view DowngradeRuleName = "downgrade";

// The answer in enforce mode for a rule whose match the engine could not answer.
inline constexpr std::string_view MatchErrorVerb = "DEFER";
inline constexpr std::string_view MatchErrorText = "4.3.0 Temporary policy lookup failure";

struct Rule {
  std::string name;
  Mode mode = Mode::Enforce;
  match::Condition match;                   // empty: every request
  std::shared_ptr<const Requirement> require;  // nullptr: none
  Action action;
};

// What the rule would answer in enforce mode is its action, rendered only when it
// is answered (or for the first WARN): a log names it by its verb.
struct Violation {
  const Rule* rule = nullptr;
  std::optional<Failure> reason;  // nullopt for a rule without requirement
};

struct Decision {
  Answer answer;               // what Postfix is answered
  const Rule* rule = nullptr;  // the rule that answered; nullptr for the default action
  Mode mode = Mode::Enforce;   // that rule's mode
  std::optional<Failure> reason;  // why that rule answered (nullopt for a plain rule)
  std::vector<Violation> violations;
};

// The rules that applied and whose requirement held, in order.
using HeldRules = std::vector<const Rule*>;

// One rule's part in a decision, for --explain.
struct RuleTrace {
  enum class Outcome { NotEvaluated, NotMatched, Held, Violated, Applied };
  const Rule* rule = nullptr;
  Outcome outcome = Outcome::NotEvaluated;
  std::string match;   // why it matched or not
  std::optional<Failure> reason;  // why the requirement failed
  bool answered = false;  // this rule's answer went to Postfix
};
using Trace = std::vector<RuleTrace>;

class Policy {
 public:
  Policy() = default;
  // `downgrade_rule`: how a TLS downgrade is answered (name "downgrade", the mode and
  // action of the `downgrade:` section), or nullopt without TLS history.
  Policy(std::vector<Rule> rules, Action default_action, std::optional<Rule> downgrade_rule = std::nullopt)
      : rules_(std::move(rules)), default_action_(std::move(default_action)), downgrade_rule_(std::move(downgrade_rule)) {}

  // Evaluates `request`; fills `trace` (one entry per rule) when it is not null.
  // A `downgrade` (from the TLS history; nullptr: none) acts first, like a rule
  // whose requirement failed. `held`, when not null, is cleared and filled.
  [[nodiscard]] Decision evaluate(const protocol::Request& request, Trace* trace = nullptr,
                                  const Failure* downgrade = nullptr, HeldRules* held = nullptr) const;

  [[nodiscard]] const std::vector<Rule>& rules() const { return rules_; }
  [[nodiscard]] const Action& default_action() const { return default_action_; }

 private:
  template <bool Traced>
  [[nodiscard]] Decision evaluate(const protocol::Request& request, Trace* trace, const Failure* downgrade,
                                  HeldRules* held) const;

  std::vector<Rule> rules_;
  Action default_action_;
  std::optional<Rule> downgrade_rule_;
};

}  // namespace tlspolicyd::policy
