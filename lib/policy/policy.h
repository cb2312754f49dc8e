// SPDX-License-Identifier: MIT
// policy: the compiled rule set and its evaluation, one request at a time.
//
// Rules run in order. A rule without a requirement answers its action and stops
// (in warn mode it remembers a WARN answer and goes on; in observe mode it only
// goes on). When nothing stops evaluation, the first remembered WARN is answered,
// else the default action. evaluate() is pure: no I/O, no clock, no state.
#pragma once

#include <string>
#include <vector>

#include "policy/action.h"
#include "policy/mode.h"
#include "protocol/request.h"

namespace tlspolicyd::policy {

struct Rule {
  std::string name;
  Mode mode = Mode::Enforce;
  Action action;
};

struct Decision {
  std::string action;          // what follows "action=" on the wire
  const Rule* rule = nullptr;  // the rule that answered; nullptr for the default action
  Mode mode = Mode::Enforce;   // that rule's mode
};

class Policy {
 public:
  Policy() = default;
  Policy(std::vector<Rule> rules, Action default_action)
      : rules_(std::move(rules)), default_action_(std::move(default_action)) {}

  [[nodiscard]] Decision evaluate(const protocol::Request& request) const;

  [[nodiscard]] const std::vector<Rule>& rules() const { return rules_; }
  [[nodiscard]] const Action& default_action() const { return default_action_; }

 private:
  std::vector<Rule> rules_;
  Action default_action_;
};

// The WARN answer for a rule in warn mode: WARN tlspolicyd rule "NAME" would answer: ACTION
[[nodiscard]] std::string warn_answer(std::string_view rule, std::string_view enforce_action);

}  // namespace tlspolicyd::policy
