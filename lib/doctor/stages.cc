// SPDX-License-Identifier: MIT
// stages: when Postfix asks tlspolicyd from each placement, and what the request
// holds then (protocol_state per list, as Postfix 3.7 was seen to send it:
// /work/shared/postfix-lab). Before STARTTLS (CONNECT, the first HELO/EHLO, with
// smtpd_delay_reject = no) every request is plaintext: an error when an
// enforcing rule with a requirement can match there (it refuses clients before
// they can start TLS), a warning otherwise (the placement enforces nothing). At MAIL there is no
// recipient, at DATA and END-OF-MESSAGE only when there is exactly one, and one
// answer covers every recipient: a warning when rules match on the recipient and
// no placement asks at RCPT, an info otherwise.
#include "doctor/checks.h"
#include "util/text.h"

namespace tlspolicyd::doctor::detail {
namespace {

std::string where(const ServiceView& view, const Placement& p) {
  return view.label + ", " + p.list + (p.via_class.empty() ? "" : ", restriction class " + p.via_class);
}

bool yes(const std::optional<std::string>& value, bool fallback) {
  if (!value) return fallback;
  const std::string v = util::lower(*value);
  return v == "yes" || v == "true";
}

std::vector<std::string> rule_names(const Inputs& in, bool RuleFacts::*flag) {
  std::vector<std::string> out;
  for (const auto& r : in.rules) {
    if (r.*flag) out.push_back(r.name);
  }
  return out;
}

void before_starttls(const ServiceView& view, const Placement& p, Stage stage, std::vector<Finding>& out) {
  std::vector<std::string> refusing;  // TLS rules that can match there
  std::vector<std::string> idle;      // TLS rules that match on what is not known yet
  for (const auto& r : view.in->rules) {
    if (!r.refuses_plaintext) continue;
    const bool can_match = !r.needs_transaction && (stage == Stage::Helo || !r.needs_helo);
    (can_match ? refusing : idle).push_back(r.name);
  }
  std::string msg = where(view, p) + ": smtpd_delay_reject = no, so Postfix asks tlspolicyd at " +
                    std::string(to_string(stage));
  if (stage == Stage::Connect) {
    msg += ", before the client can send STARTTLS: every request from this list is plaintext, without HELO name, "
           "sender or recipient";
  } else {
    msg += ", and the first EHLO comes before STARTTLS: that request is plaintext, without sender or recipient";
  }
  if (!refusing.empty()) {
    msg += "; rule" + std::string(refusing.size() > 1 ? "s " : " ") + join_names(refusing) +
           " (enforce, requiring TLS) refuse" + (refusing.size() > 1 ? "" : "s") + " every client " +
           (refusing.size() > 1 ? "they match" : "it matches") + " before it can start TLS";
  } else if (!idle.empty()) {
    msg += "; rule" + std::string(idle.size() > 1 ? "s " : " ") + join_names(idle) + " match" +
           (idle.size() > 1 ? "" : "es") + " on what is not known yet there, so this placement enforces nothing";
  } else {
    msg += "; no TLS requirement can hold there";
  }
  out.push_back({refusing.empty() ? Severity::Warning : Severity::Error, msg,
                 postconf_set(view, "smtpd_delay_reject", "yes") + "; " + postfix_reload(view) +
                     " (the default: Postfix then asks from " + p.list +
                     " at each RCPT, after STARTTLS), or move check_policy_service to smtpd_recipient_restrictions"});
}

void without_recipient(const ServiceView& view, const Placement& p, Stage stage, std::vector<Finding>& out) {
  const auto rcpt_rules = rule_names(*view.in, &RuleFacts::uses_recipient);
  std::string msg = where(view, p) + ": Postfix asks tlspolicyd only at " + std::string(to_string(stage)) + ": ";
  if (stage == Stage::Connect || stage == Stage::Helo) {
    msg += "there is no sender or recipient yet";
  } else if (stage == Stage::Mail) {
    msg += "there is no recipient yet (recipient is empty), and an answer refuses the whole transaction";
  } else {
    msg += "recipient is set only when the message has exactly one recipient, and an answer refuses the message "
           "for all its recipients";
    if (stage == Stage::EndOfMessage) msg += ", after it was received";
  }
  if (!rcpt_rules.empty()) {
    msg += "; rule" + std::string(rcpt_rules.size() > 1 ? "s " : " ") + join_names(rcpt_rules) +
           " (recipient, recipient_domain) cannot match " +
           (stage == Stage::Data || stage == Stage::EndOfMessage ? "mail for several recipients" : "there");
  }
  out.push_back({rcpt_rules.empty() ? Severity::Info : Severity::Warning, msg,
                 "to decide per recipient, move check_policy_service to smtpd_recipient_restrictions, after "
                 "reject_unauth_destination (one request per recipient)"});
}

void delayed(const ServiceView& view, const Placement& p, std::vector<Finding>& out) {
  const Stage early = stage_of(p.list, false);
  out.push_back({Severity::Info,
                 where(view, p) + ": Postfix asks tlspolicyd from this list at each RCPT, with the recipient, because "
                                  "smtpd_delay_reject = yes: every rule works; with smtpd_delay_reject = no it would ask at " +
                     std::string(to_string(early)) +
                     (early == Stage::Mail ? ", without the recipient" : ", before STARTTLS"),
                 ""});
}

}  // namespace

void check_stages(const ServiceView& view, const std::vector<Placement>& ours, std::vector<Finding>& out) {
  const bool delay_reject = yes(view.get("smtpd_delay_reject"), true);
  const bool wrapper = yes(view.get("smtpd_tls_wrappermode"), false);
  bool at_rcpt = false;        // some placement is asked at RCPT
  bool in_rcpt_list = false;   // some placement is in the relay or recipient list
  for (const auto& p : ours) {
    at_rcpt = at_rcpt || stage_of(p.list, delay_reject) == Stage::Rcpt;
    in_rcpt_list = in_rcpt_list || p.list == "smtpd_relay_restrictions" || p.list == "smtpd_recipient_restrictions";
  }
  for (const auto& p : ours) {
    const Stage stage = stage_of(p.list, delay_reject);
    if ((stage == Stage::Connect || stage == Stage::Helo) && !wrapper) {
      before_starttls(view, p, stage, out);
    } else if (stage != Stage::Rcpt && !at_rcpt) {
      without_recipient(view, p, stage, out);
    } else if (stage == Stage::Rcpt && !in_rcpt_list && p.list != "smtpd_relay_restrictions" &&
               p.list != "smtpd_recipient_restrictions") {
      delayed(view, p, out);
    }
  }
}

}  // namespace tlspolicyd::doctor::detail
