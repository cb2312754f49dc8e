// SPDX-License-Identifier: MIT
#include "maillog/services.h"

#include "doctor/placement.h"

namespace tlspolicyd::maillog {
namespace {

// syslog_name as Postfix expands it: Postfix's default
// "${multi_instance_name?{$multi_instance_name}:{postfix}}", or $name / ${name}.
std::string syslog_name(const doctor::PostfixConfig& postfix, const doctor::Service* service) {
  const std::string instance = postfix.get("multi_instance_name").value_or("");
  std::string value = postfix.get("syslog_name", service).value_or("");
  const std::string fallback = instance.empty() ? "postfix" : instance;
  if (value.empty()) return fallback;
  constexpr std::string_view Default = "${multi_instance_name?{$multi_instance_name}:{postfix}}";
  for (std::size_t pos; (pos = value.find(Default)) != std::string::npos;) value.replace(pos, Default.size(), fallback);
  for (std::string_view name : {"${multi_instance_name}", "$multi_instance_name"}) {
    for (std::size_t pos; (pos = value.find(name)) != std::string::npos;) value.replace(pos, name.size(), instance);
  }
  return value;
}

// The port of a master.cf service name: "smtp", "127.0.0.1:2525", "[::1]:submission".
std::optional<std::uint16_t> service_port(
    std::string_view name, const std::function<std::optional<std::uint16_t>(std::string_view)>& port_of) {
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
  if (name.empty()) return std::nullopt;
  unsigned value = 0;
  bool numeric = true;
  for (char c : name) {
    if (c < '0' || c > '9' || value > 65535) {
      numeric = false;
      break;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (numeric) return value > 0 && value <= 65535 ? std::optional<std::uint16_t>(value) : std::nullopt;
  return port_of(name);
}

// Merges `b` into `a`: a fact the two services disagree on becomes unknown.
template <typename T>
void merge(std::optional<T>& a, const std::optional<T>& b) {
  if (a != b) a.reset();
}

}  // namespace

ServiceFacts ServiceMap::find(std::string_view program) const {
  auto it = services.find(program);
  if (it == services.end()) return {};
  return it->second;
}

ServiceMap service_map(const std::vector<doctor::Instance>& instances,
                       const std::vector<config::ListenAddress>& ours,
                       const std::function<std::optional<std::uint16_t>(std::string_view)>& port_of) {
  ServiceMap out;
  bool any_asks = false;
  for (const doctor::Instance& inst : instances) {
    if (!inst.unreadable.empty()) continue;
    const doctor::PostfixConfig& pf = inst.postfix;
    std::optional<std::uint16_t> postscreen_port;
    bool postscreen_ports_agree = true, any_postscreen = false;
    for (const doctor::Service& s : pf.services) {
      if (s.command != "postscreen" || s.type != "inet" || pf.disabled(s)) continue;
      const auto port = service_port(s.name, port_of);
      if (any_postscreen && port != postscreen_port) postscreen_ports_agree = false;
      postscreen_port = port;
      any_postscreen = true;
    }
    for (const doctor::Service& s : pf.services) {
      if (!s.is_smtpd() || pf.disabled(s)) continue;
      ServiceFacts f;
      f.port = s.type == "pass" ? (postscreen_ports_agree ? postscreen_port : std::nullopt) : service_port(s.name, port_of);
      const std::string loglevel = pf.get("smtpd_tls_loglevel", &s).value_or("0");
      f.tls_logged = !loglevel.empty() && loglevel != "0";
      const std::string delay = pf.get("smtpd_delay_reject", &s).value_or("yes");
      const bool delay_reject = delay != "no";
      const doctor::Scope scope{inst.queue_directory, pf.chrooted(s)};
      bool asks = false;
      std::optional<std::string> context;
      bool first = true;
      for (const doctor::Placement& p : doctor::find_placements(pf, &s)) {
        if (doctor::classify(p.endpoint, scope, ours, {}).reach == doctor::Reach::Other) continue;
        if (doctor::stage_of(p.list, delay_reject) != doctor::Stage::Rcpt) continue;
        asks = true;
        auto it = p.settings.find("policy_context");
        std::optional<std::string> c = it == p.settings.end() ? std::string() : it->second;
        if (first) {
          context = c;
          first = false;
        } else {
          merge(context, c);
        }
      }
      any_asks = any_asks || asks;
      f.asks = asks;
      f.policy_context = asks ? context : std::optional<std::string>(std::string());
      const std::string program = syslog_name(pf, &s) + "/smtpd";
      auto [it, fresh] = out.services.emplace(program, f);
      if (!fresh) {
        merge(it->second.asks, f.asks);
        merge(it->second.policy_context, f.policy_context);
        merge(it->second.port, f.port);
        merge(it->second.tls_logged, f.tls_logged);
      }
    }
  }
  if (!any_asks) {
    out.assumed = true;
    for (auto& [program, f] : out.services) {
      f.asks = true;
      f.policy_context = std::string();
    }
  }
  return out;
}

}  // namespace tlspolicyd::maillog
