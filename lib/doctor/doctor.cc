// SPDX-License-Identifier: MIT
#include "doctor/doctor.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "config/config.h"
#include "doctor/checks.h"

namespace tlspolicyd::doctor {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
  }
  return "info";
}

std::vector<Finding> diagnose(const Inputs& in) {
  std::vector<Finding> out;
  std::vector<config::ListenAddress> ours = in.listen;
  if (ours.empty()) ours.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));

  const bool several = in.instances.size() > 1;
  bool asked = false;
  bool astray = false;
  std::vector<detail::ServiceView> first_views;
  for (std::size_t i = 0; i < in.instances.size(); ++i) {
    const Instance& inst = in.instances[i];
    if (!inst.unreadable.empty()) {
      out.push_back({Severity::Warning, "instance " + inst.name + ": not checked: " + inst.unreadable,
                     "run postconf -c " + detail::shell_quote(inst.config_directory) + " -n to see why"});
      continue;
    }
    if (i > 0 && inst.postfix.get("multi_instance_enable").value_or("no") != "yes") {
      out.push_back({Severity::Info, "instance " + inst.name + " is disabled (multi_instance_enable = no): not checked",
                     ""});
      continue;
    }
    auto views = detail::service_views(in, inst, several, ours);
    for (const auto& v : views) {
      const detail::Wiring w = detail::check_wiring(v, out);
      asked = asked || w.asked;
      astray = astray || w.astray;
    }
    for (const auto& v : views) detail::check_tls_settings(v, out);
    if (first_views.empty()) first_views = views;
  }
  if (!asked && !astray) {
    std::string fix = "add check_policy_service { ... } to smtpd_recipient_restrictions";
    if (!first_views.empty()) {
      detail::ServiceView main_cf = first_views.front();
      main_cf.service = nullptr;  // the fix goes to main.cf
      const std::string list = "smtpd_recipient_restrictions";
      fix = postconf_set(main_cf, list,
                         detail::with_item(main_cf.get(list).value_or(""),
                                           detail::example_item(main_cf))) +
            "; " + detail::postfix_reload(main_cf);
    }
    out.push_back({Severity::Error, "Postfix never asks tlspolicyd: no check_policy_service for " + ours.front().to_string(),
                   fix});
  }
  detail::check_sockets(in, out);
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.severity < b.severity; });
  // The same finding reached twice (a class named in two lists, say) is said once.
  std::set<std::tuple<Severity, std::string, std::string>> seen;
  std::vector<Finding> unique;
  for (auto& f : out) {
    if (seen.emplace(f.severity, f.message, f.fix).second) unique.push_back(std::move(f));
  }
  out = std::move(unique);
  return out;
}

}  // namespace tlspolicyd::doctor
