// SPDX-License-Identifier: MIT
// simulation: asks a configuration's policy what it would have answered at each
// RCPT a mail log shows (transactions.h), and sums the answers up per rule.
//
// The request is the one Postfix would have sent at RCPT (rebuilt_request.h):
// what the log does not carry is absent, never guessed, and marked unknown.
// A request whose answer depends on an unknown value is "cannot be simulated":
// a rule evaluated for it (up to the one that answered) matches on one, has a
// requirement on the TLS of a session whose TLS is unknown, or answers a text
// with one in it. Downgrade detection (the TLS history) is not simulated.
//
// The summary's memory is bounded: per rule at most PeersKept peers are counted
// by name (the rest together), and transactions are counted as runs of RCPTs of
// the same transaction, in the order the log gives them out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "maillog/services.h"
#include "maillog/transactions.h"
#include "policy/policy.h"

namespace tlspolicyd::maillog {

// What the policy would have answered at one RCPT.
struct Verdict {
  bool asked = true;                         // the service asks tlspolicyd at RCPT (or it is assumed)
  std::optional<policy::Decision> decision;  // nullopt: not asked, or cannot be simulated
  std::string cannot;  // why not: "rule NAME reads helo_name, which the log does not carry"
};

struct RuleTally {
  std::string name;
  policy::Mode mode = policy::Mode::Enforce;
  std::uint64_t rcpts = 0;         // its requirement failed, or it applied (its answer in its mode)
  std::uint64_t transactions = 0;
  std::uint64_t answered = 0;      // its answer went to Postfix (enforce, or the WARN)
  std::uint64_t accepted_by_postfix = 0;  // of `rcpts`: delivered, deferred or bounced
  std::map<std::string, std::uint64_t> peers;  // "name[address]" -> RCPTs
  std::uint64_t other_peers = 0;               // past PeersKept
  std::string last_transaction;                // for counting runs
};

struct Summary {
  std::uint64_t rcpts = 0;
  std::uint64_t not_asked = 0;
  std::uint64_t cannot = 0;
  std::map<std::string, std::uint64_t> cannot_reasons;
  std::uint64_t default_action = 0;  // answered by the default action
  std::vector<RuleTally> rules;      // in the configuration's order
  std::map<std::string, std::uint64_t> outcomes;  // Postfix's: "delivered", ... ("unknown")
};

class Simulation {
 public:
  static constexpr std::size_t PeersKept = 10000;

  Simulation(std::shared_ptr<const config::Config> config, ServiceMap services);

  // The policy's answer for `rcpt` (pure: nothing is counted).
  [[nodiscard]] Verdict judge(const Rcpt& rcpt) const;
  // Counts `rcpt` and its verdict in the summary.
  void count(const Rcpt& rcpt, const Verdict& verdict);

  [[nodiscard]] const Summary& summary() const { return summary_; }
  [[nodiscard]] const config::Config& config() const { return *config_; }
  [[nodiscard]] const ServiceMap& services() const { return services_; }

 private:
  std::shared_ptr<const config::Config> config_;
  ServiceMap services_;
  std::vector<std::uint32_t> rule_fields_;    // per rule: the match::Field bits it reads
  std::vector<std::uint32_t> action_fields_;  // per rule: those its action's text reads
  std::uint32_t default_action_fields_ = 0;
  Summary summary_;
};

}  // namespace tlspolicyd::maillog
