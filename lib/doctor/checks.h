// SPDX-License-Identifier: MIT
// checks: the parts of doctor::diagnose(), one file each, and what they share:
// the view of one smtpd service of one instance, its labels, and the postconf
// commands a fix names. Internal to lib/doctor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "doctor/doctor.h"
#include "doctor/placement.h"

namespace tlspolicyd::doctor::detail {

// One smtpd service of one instance, or the instance's main.cf alone.
struct ServiceView {
  const Inputs* in = nullptr;
  const Instance* instance = nullptr;
  const Service* service = nullptr;  // nullptr: main.cf alone (no smtpd in master.cf)
  std::string label;                 // "master.cf service smtp", after "instance NAME: " with several
  Scope scope;
  bool port_25 = false;
  const std::vector<config::ListenAddress>* ours = nullptr;  // never empty

  [[nodiscard]] const PostfixConfig& postfix() const { return instance->postfix; }
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const { return postfix().get(name, service); }
};

// The views of `instance`; `several`: labels name the instance.
[[nodiscard]] std::vector<ServiceView> service_views(const Inputs& in, const Instance& instance, bool several,
                                                     const std::vector<config::ListenAddress>& ours);

// "postconf [-c DIR] -e 'name = value'", or -P 'service/type/name=value' when the
// service overrides `name` in master.cf.
// `s` as one word for sh, in single quotes: a path or value a fix puts into a command.
[[nodiscard]] std::string shell_quote(const std::string& s);
[[nodiscard]] std::string postconf_set(const ServiceView& view, const std::string& name, const std::string& value);
// "postfix [-c DIR] reload".
[[nodiscard]] std::string postfix_reload(const ServiceView& view);
// `list` (a restriction list's text) with `item` added after reject_unauth_destination
// (or defer_unauth_destination), else first.
[[nodiscard]] std::string with_item(const std::string& list, const std::string& item);
// The check_policy_service a fix writes for `view`: "check_policy_service { NAME,
// timeout=10s, default_action=DUNNO }", NAME as postfix_name() gives it, or
// unix:tlspolicyd/policy.sock when nothing is reachable (see outside_queue()).
[[nodiscard]] std::string example_item(const ServiceView& view);
// Empty when `view` can reach one of tlspolicyd's sockets; else what to add to
// tlspolicyd's listen: (a socket in this queue directory, for a chrooted smtpd).
[[nodiscard]] std::string outside_queue(const ServiceView& view);
// "a, b and c".
[[nodiscard]] std::string join_names(const std::vector<std::string>& names);

// What the wiring of one service came to.
struct Wiring {
  bool asked = false;   // some placement reaches tlspolicyd
  bool astray = false;  // some placement was meant for it and misses
};

Wiring check_wiring(const ServiceView& view, std::vector<Finding>& out);
// Placements that reach tlspolicyd: when Postfix asks, and what the request holds then.
void check_stages(const ServiceView& view, const std::vector<Placement>& ours, std::vector<Finding>& out);
void check_tls_settings(const ServiceView& view, std::vector<Finding>& out);
void check_sockets(const Inputs& in, std::vector<Finding>& out);

}  // namespace tlspolicyd::doctor::detail
