// SPDX-License-Identifier: MIT
#include "doctor/checks.h"

namespace tlspolicyd::doctor::detail {
namespace {

bool names_port_25(const std::string& name) { return name == "smtp" || name.ends_with(":25") || name.ends_with(":smtp"); }

// An smtpd on port 25: by its name, or behind a postscreen on port 25 (type pass).
bool is_port_25(const Service& s, const PostfixConfig& pf) {
  if (s.type != "pass") return names_port_25(s.name);
  for (const auto& other : pf.services) {
    if (other.command == "postscreen" && names_port_25(other.name)) return true;
  }
  return false;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string postconf_command(const ServiceView& view) {
  return view.instance->config_directory.empty() ? "postconf" : "postconf -c " + view.instance->config_directory;
}

}  // namespace

std::vector<ServiceView> service_views(const Inputs& in, const Instance& instance, bool several,
                                       const std::vector<config::ListenAddress>& ours) {
  const std::string prefix = several ? "instance " + instance.name + ": " : "";
  std::vector<ServiceView> out;
  for (const auto& s : instance.postfix.services) {
    if (!s.is_smtpd() || instance.postfix.disabled(s)) continue;
    ServiceView v;
    v.in = &in;
    v.instance = &instance;
    v.service = &s;
    v.label = prefix + "master.cf service " + s.name;
    v.scope = Scope{instance.queue_directory, instance.postfix.chrooted(s)};
    v.port_25 = is_port_25(s, instance.postfix);
    v.ours = &ours;
    out.push_back(std::move(v));
  }
  if (out.empty()) {  // no master.cf known: main.cf alone, standing for port 25
    ServiceView v;
    v.in = &in;
    v.instance = &instance;
    v.label = prefix + "main.cf";
    v.scope = Scope{instance.queue_directory, false};
    v.port_25 = true;
    v.ours = &ours;
    out.push_back(std::move(v));
  }
  return out;
}

std::string postconf_set(const ServiceView& view, const std::string& name, const std::string& value) {
  const Service* s = view.service;
  if (s != nullptr && s->overrides.count(name) != 0) {
    return postconf_command(view) + " -P " + shell_quote(s->name + "/" + s->type + "/" + name + "=" + value);
  }
  return postconf_command(view) + " -e " + shell_quote(name + " = " + value);
}

std::string postfix_reload(const ServiceView& view) {
  return view.instance->config_directory.empty() ? "postfix reload"
                                                 : "postfix -c " + view.instance->config_directory + " reload";
}

std::string with_item(const std::string& list, const std::string& item) {
  std::vector<std::string> items = split_list(list);
  auto at = items.begin();
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (*it == "reject_unauth_destination" || *it == "defer_unauth_destination") at = it + 1;
    if (takes_argument(*it) && it + 1 != items.end()) ++it;
  }
  items.insert(at, item);
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += takes_argument(items[i - 1]) ? " " : ", ";
    out += items[i];
  }
  return out;
}

std::string example_item(const ServiceView& view) {
  std::string name;
  for (const auto& a : *view.ours) {
    name = postfix_name(a, view.scope);
    if (!name.empty()) break;
  }
  if (name.empty()) name = "unix:tlspolicyd/policy.sock";  // once tlspolicyd listens in this queue directory (outside_queue)
  return "check_policy_service { " + name + ", timeout=10s, default_action=DUNNO }";
}

std::string outside_queue(const ServiceView& view) {
  for (const auto& a : *view.ours) {
    if (!postfix_name(a, view.scope).empty()) return "";
  }
  return "tlspolicyd listens nowhere this chrooted smtpd can reach: add unix:" + view.scope.queue_directory +
         "/tlspolicyd/policy.sock to listen: in tlspolicyd.yaml (one socket in each instance's queue directory; "
         "systemctl restart tlspolicyd)";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace tlspolicyd::doctor::detail
