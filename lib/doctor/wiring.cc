// SPDX-License-Identifier: MIT
// wiring: each check_policy_service of one smtpd service: whether it reaches
// tlspolicyd (or was meant to and misses), what comes before it, its settings,
// how it names the socket; and a service that never asks.
#include "doctor/checks.h"
#include "policy/action.h"

namespace tlspolicyd::doctor::detail {
namespace {

std::string where(const ServiceView& view, const Placement& p) {
  return view.label + ", " + p.list + (p.via_class.empty() ? "" : ", restriction class " + p.via_class);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

// The command that rewrites the parameter holding `p` with `name` in place of its endpoint.
std::string rename_command(const ServiceView& view, const Placement& p, const std::string& name) {
  const std::string value = view.get(p.item.origin).value_or(p.item.text);
  return postconf_set(view, p.item.origin, replace_all(value, p.endpoint.text, name)) + "; " + postfix_reload(view);
}

// What Postfix does when it cannot reach the policy service of `p`.
std::string default_action_effect(const ServiceView& view, const Placement& p) {
  std::string action = p.settings.count("default_action") != 0 ? p.settings.at("default_action")
                                                               : view.get("smtpd_policy_service_default_action").value_or("");
  if (action.empty()) return "451 4.3.5, so all mail there is deferred";
  if (policy::parse_action_kind(action) == policy::ActionKind::Dunno) return "DUNNO, so mail passes unchecked";
  return action;
}

void report_astray(const ServiceView& view, const Placement& p, const Target& t, std::vector<Finding>& out) {
  const std::string name = postfix_name(*t.ours, view.scope);
  std::string fix;
  if (!name.empty()) {
    fix = rename_command(view, p, name);
  } else {
    // A chrooted smtpd of another queue directory: tlspolicyd must listen inside it.
    fix = outside_queue(view) + (p.endpoint.path == "tlspolicyd/policy.sock"
                                     ? std::string(": this item is then right as it is")
                                     : ", then: " + rename_command(view, p, "unix:tlspolicyd/policy.sock"));
  }
  out.push_back({Severity::Error,
                 where(view, p) + ": check_policy_service " + p.endpoint.text + " does not reach tlspolicyd, which listens on " +
                     t.ours->to_string() + ": " + t.note + "; Postfix cannot connect and answers every request with " +
                     "its default_action, " + default_action_effect(view, p),
                 fix});
}

// What is evaluated before `p` that keeps mail from reaching it.
void check_before(const ServiceView& view, const Placement& p, std::vector<Finding>& out) {
  bool sasl_rules = false;
  for (const auto& r : view.in->rules) sasl_rules = sasl_rules || r.uses_sasl;
  for (const std::string& item : p.before) {
    if (item == "permit") {
      out.push_back({Severity::Error,
                     where(view, p) + ": check_policy_service comes after an unconditional \"permit\": it is never asked",
                     "move check_policy_service before \"permit\""});
    } else if (item == "permit_sasl_authenticated") {
      out.push_back({sasl_rules ? Severity::Warning : Severity::Info,
                     where(view, p) +
                         ": permit_sasl_authenticated comes first: authenticated clients never reach tlspolicyd" +
                         (sasl_rules ? ", so its SASL rules never run" : ""),
                     "move check_policy_service before permit_sasl_authenticated"});
    } else if (item == "permit_mynetworks") {
      out.push_back(
          {Severity::Info, where(view, p) + ": clients in mynetworks skip tlspolicyd (permit_mynetworks comes first)", ""});
    }
  }
}

// The item of `p` with a setting added.
std::string with_setting(const Placement& p, const std::string& setting) {
  std::string item = "check_policy_service { " + p.endpoint.text;
  for (const auto& [k, v] : p.settings) item += ", " + k + "=" + v;
  return item + ", " + setting + " }";
}

void check_settings(const ServiceView& view, const Placement& p, std::vector<Finding>& out) {
  if (p.settings.count("default_action") == 0 && !view.get("smtpd_policy_service_default_action")) {
    out.push_back({Severity::Warning,
                   where(view, p) +
                       ": no default_action: when tlspolicyd is down or restarting, Postfix answers 451 4.3.5 to all mail",
                   "write " + with_setting(p, "default_action=DUNNO") + " (DUNNO lets mail flow while tlspolicyd is away)"});
  }
  if (p.settings.count("timeout") == 0 && !view.get("smtpd_policy_service_timeout")) {
    out.push_back({Severity::Info, where(view, p) + ": no timeout: Postfix waits 100 s for an answer by default",
                   "add timeout=10s to the check_policy_service settings"});
  }
}

// How `p` names a socket it reaches: notes on spellings that depend on the chroot or on DNS.
void check_spelling(const ServiceView& view, const Placement& p, const Target& t, std::vector<Finding>& out) {
  if (p.endpoint.kind == PolicyEndpoint::Kind::Inet && !t.note.empty()) {
    out.push_back({Severity::Info,
                   where(view, p) + ": " + p.endpoint.text + " reaches tlspolicyd's " + t.ours->to_string() + " (" +
                       t.note + ")" +
                       (view.scope.chrooted ? "; a chrooted smtpd looks names up in " + view.scope.queue_directory +
                                                  "/etc/hosts, which Debian copies from /etc/hosts when Postfix starts"
                                            : ""),
                   ""});
    return;
  }
  if (p.endpoint.kind != PolicyEndpoint::Kind::Unix || !p.endpoint.path.starts_with('/')) return;
  const std::string relative = postfix_name(*t.ours, Scope{view.scope.queue_directory, false});
  if (!relative.starts_with("unix:") || relative.starts_with("unix:/")) return;  // not in the queue directory
  const std::string column = view.service != nullptr ? view.service->chroot : "n";
  out.push_back({Severity::Info,
                 where(view, p) + ": " + p.endpoint.text + " works here because smtpd is " +
                     (view.scope.chrooted ? "" : "not ") + "chrooted (master.cf chroot column " + column + "); " +
                     relative + " would work chrooted or not",
                 rename_command(view, p, relative)});
}

void note_conditional(const ServiceView& view, const Placement& p, std::vector<Finding>& out) {
  out.push_back({Severity::Info,
                 where(view, p) + ": tlspolicyd is asked only for the keys of " + p.via_table +
                     " whose result is the restriction class " + p.via_class +
                     " (doctor cannot read the table); other mail there is not checked",
                 ""});
}

}  // namespace

Wiring check_wiring(const ServiceView& view, std::vector<Finding>& out) {
  Wiring w;
  std::vector<Placement> reaching;
  for (const Placement& p : find_placements(view.postfix(), view.service)) {
    const Target t = classify(p.endpoint, view.scope, *view.ours, view.in->resolved);
    if (t.reach == Reach::Other) continue;
    if (t.reach == Reach::Astray) {
      w.astray = true;
      report_astray(view, p, t, out);
      continue;
    }
    w.asked = true;
    check_before(view, p, out);
    check_settings(view, p, out);
    check_spelling(view, p, t, out);
    if (!p.via_table.empty()) note_conditional(view, p, out);
    reaching.push_back(p);
  }
  check_stages(view, reaching, out);
  if (!w.asked && !w.astray && view.service != nullptr) {
    const std::string list = "smtpd_recipient_restrictions";
    const std::string item = example_item(view);
    const std::string listen = outside_queue(view);
    out.push_back({view.port_25 ? Severity::Warning : Severity::Info,
                   view.label + " never asks tlspolicyd (" + view.ours->front().to_string() + ")",
                   (listen.empty() ? "" : listen + "; then ") + "add " + item + " to its " + list + ", after reject_unauth_destination: " +
                       postconf_set(view, list, with_item(view.get(list).value_or(""), item)) + "; " +
                       postfix_reload(view)});
  }
  return w;
}

}  // namespace tlspolicyd::doctor::detail
