// SPDX-License-Identifier: MIT
#include "maillog/simulation.h"

#include <string>

#include "maillog/rebuilt_request.h"
#include "match/key_matcher.h"
#include "policy/template.h"

namespace tlspolicyd::maillog {
namespace {

using match::Field;

constexpr std::uint32_t bit(Field f) { return field_bit(f); }

// The fields a rule reads: its match, and its requirement's TLS and certificate.
std::uint32_t fields_of(const policy::Rule& rule) {
  std::uint32_t out = 0;
  for (std::size_t f = 0; f < match::FieldCount; ++f) {
    if (rule.match.uses(static_cast<Field>(f))) out |= bit(static_cast<Field>(f));
  }
  if (rule.require) {
    out |= TlsFields;
    if (rule.require->client_cert != policy::Requirement::ClientCert::None) out |= CertFields;
  }
  return out;
}

// The fields an action's text reads.
std::uint32_t fields_of(const policy::Action& action) {
  using policy::TemplateVar;
  std::uint32_t out = 0;
  if (action.uses(TemplateVar::HeloName)) out |= bit(Field::HeloName);
  if (action.uses(TemplateVar::SaslUsername)) out |= bit(Field::SaslUsername);
  if (action.uses(TemplateVar::EncryptionProtocol)) out |= bit(Field::EncryptionProtocol);
  if (action.uses(TemplateVar::EncryptionCipher)) out |= bit(Field::EncryptionCipher);
  return out;
}

// The first field of `mask`, by name.
std::string_view first_field(std::uint32_t mask) {
  for (std::size_t f = 0; f < match::FieldCount; ++f) {
    if ((mask & bit(static_cast<Field>(f))) != 0) return match::field_name(static_cast<Field>(f));
  }
  return "?";
}

std::string peer_of(const Rcpt& r) { return r.client_name + "[" + r.client_address + "]"; }

std::string transaction_of(const Rcpt& r) {
  if (!r.queue_id.empty()) return r.host + " " + r.queue_id;
  return r.host + " session " + std::to_string(r.session) + " " + r.sender;
}

}  // namespace

Simulation::Simulation(std::shared_ptr<const config::Config> config, ServiceMap services)
    : config_(std::move(config)), services_(std::move(services)) {
  for (const policy::Rule& rule : config_->policy.rules()) {
    rule_fields_.push_back(fields_of(rule));
    action_fields_.push_back(fields_of(rule.action));
    RuleTally t;
    t.name = rule.name;
    t.mode = rule.mode;
    summary_.rules.push_back(std::move(t));
  }
  default_action_fields_ = fields_of(config_->policy.default_action());
}

Verdict Simulation::judge(const Rcpt& rcpt) const {
  Verdict v;
  const ServiceFacts facts = services_.find(rcpt.service);
  if (facts.asks == false) {
    v.asked = false;
    v.cannot = rcpt.service + " does not ask tlspolicyd at RCPT";
    return v;
  }
  const RebuiltRequest rebuilt(rcpt, facts);
  const std::uint32_t unknown = rebuilt.unknown();
  policy::Decision d = config_->policy.evaluate(rebuilt.request());
  // The rules evaluated: up to an enforce rule that answered, else all of them.
  const auto& rules = config_->policy.rules();
  const auto answering = d.rule != nullptr ? static_cast<std::size_t>(d.rule - rules.data()) : rules.size();
  const std::size_t evaluated = answering < rules.size() && d.mode == policy::Mode::Enforce ? answering + 1 : rules.size();
  for (std::size_t i = 0; i < evaluated; ++i) {
    if (const std::uint32_t missing = rule_fields_[i] & unknown; missing != 0) {
      v.cannot = "rule " + rules[i].name + " reads " + std::string(first_field(missing)) +
                 ", which the log does not carry here";
      return v;
    }
  }
  const std::uint32_t text_fields = answering < rules.size() ? action_fields_[answering] : default_action_fields_;
  if (const std::uint32_t missing = text_fields & unknown; missing != 0) {
    v.cannot = (d.rule != nullptr ? "rule " + d.rule->name : std::string("the default action")) + "'s text holds " +
               std::string(first_field(missing)) + ", which the log does not carry here";
    return v;
  }
  v.decision = std::move(d);
  return v;
}

void Simulation::count(const Rcpt& rcpt, const Verdict& verdict) {
  Summary& s = summary_;
  ++s.rcpts;
  const std::string_view outcome = to_string(rcpt.outcome);
  ++s.outcomes[std::string(outcome.empty() ? "unknown" : outcome)];
  if (!verdict.asked) {
    ++s.not_asked;
    return;
  }
  if (!verdict.decision) {
    ++s.cannot;
    ++s.cannot_reasons[verdict.cannot];
    return;
  }
  const policy::Decision& d = *verdict.decision;
  if (d.rule == nullptr) ++s.default_action;
  const auto& rules = config_->policy.rules();
  const bool accepted = rcpt.outcome == Outcome::Delivered || rcpt.outcome == Outcome::Deferred ||
                        rcpt.outcome == Outcome::Bounced;
  std::string transaction;
  auto tally = [&](const policy::Rule* rule) {
    const auto index = static_cast<std::size_t>(rule - rules.data());
    if (index >= s.rules.size()) return;  // the downgrade rule: not simulated
    RuleTally& t = s.rules[index];
    ++t.rcpts;
    if (d.rule == rule) ++t.answered;
    if (accepted) ++t.accepted_by_postfix;
    if (transaction.empty()) transaction = transaction_of(rcpt);
    if (transaction != t.last_transaction) {
      ++t.transactions;
      t.last_transaction = transaction;
    }
    const std::string peer = peer_of(rcpt);
    if (auto it = t.peers.find(peer); it != t.peers.end()) {
      ++it->second;
    } else if (t.peers.size() < PeersKept) {
      t.peers.emplace(peer, 1);
    } else {
      ++t.other_peers;
    }
  };
  bool answering_counted = false;
  for (const policy::Violation& violation : d.violations) {
    tally(violation.rule);
    answering_counted = answering_counted || violation.rule == d.rule;
  }
  if (d.rule != nullptr && !answering_counted) tally(d.rule);
}

}  // namespace tlspolicyd::maillog
