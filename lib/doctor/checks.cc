// SPDX-License-Identifier: MIT
#include "doctor/checks.h"

#include <cctype>

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

std::string postconf_command(const ServiceView& view) {
  return view.instance->config_directory.empty() ? "postconf"
                                                 : "postconf -c " + shell_quote(view.instance->config_directory);
}

// A main.cf parameter name for a service's override: letters, digits and '_'.
std::string parameter_for(const Service& s, const std::string& name) {
  std::string out = "tlspolicyd_" + s.name + "_" + name;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

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
    const std::string entry = s->name + "/" + s->type + "/" + name;
    if (value.find_first_of(" \t") == std::string::npos) return postconf_command(view) + " -P " + shell_quote(entry + "=" + value);
    // postconf -P refuses a value with spaces (the "{ unix:..., timeout=10s }"
    // form has them): the value goes to main.cf, the override names it.
    const std::string parameter = parameter_for(*s, name);
    return postconf_command(view) + " -e " + shell_quote(parameter + " = " + value) + "; " + postconf_command(view) +
           " -P " + shell_quote(entry + "=$" + parameter);
  }
  return postconf_command(view) + " -e " + shell_quote(name + " = " + value);
}

std::string postfix_reload(const ServiceView& view) {
  return view.instance->config_directory.empty() ? "postfix reload"
                                                 : "postfix -c " + shell_quote(view.instance->config_directory) + " reload";
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
  const std::string dir = view.scope.queue_directory + "/tlspolicyd";
  return "tlspolicyd listens nowhere this chrooted smtpd can reach: give it a socket in this instance's queue "
         "directory as the package does for the default one: install -d -o root -g tlspolicyd -m 1770 " +
         shell_quote(dir) + " (and the same line in /etc/tmpfiles.d/tlspolicyd-local.conf: d " + dir +
         " 1770 root tlspolicyd -); add unix:" + dir + "/policy.sock to listen: in tlspolicyd.yaml; systemctl edit "
         "tlspolicyd: [Service] ReadWritePaths=" + dir + "; if tlspolicyd.socket is enabled, systemctl edit "
         "tlspolicyd.socket: [Socket] ListenStream=" + dir + "/policy.sock; systemctl restart tlspolicyd.socket "
         "tlspolicyd";
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
