// SPDX-License-Identifier: MIT
#include "doctor/doctor.h"

#include <algorithm>
#include <array>

namespace tlspolicyd::doctor {
namespace {

constexpr std::array<const char*, 7> Lists = {
    "smtpd_client_restrictions", "smtpd_helo_restrictions",       "smtpd_sender_restrictions",
    "smtpd_relay_restrictions",  "smtpd_recipient_restrictions",  "smtpd_data_restrictions",
    "smtpd_end_of_data_restrictions"};

// A check_policy_service item: its endpoint and its { name=value } settings.
struct PolicyRef {
  std::string endpoint;  // normalised: unix:/abs/path or inet:host:port
  std::map<std::string, std::string> settings;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::string normalise(std::string endpoint, const std::string& queue_dir) {
  if (endpoint.starts_with("local:")) endpoint = "unix:" + endpoint.substr(6);
  if (endpoint.starts_with("unix:") && endpoint.size() > 5 && endpoint[5] != '/') {
    endpoint = "unix:" + queue_dir + "/" + endpoint.substr(5);  // relative to the queue directory
  }
  return endpoint;
}

PolicyRef parse_ref(const std::string& item, const std::string& queue_dir) {
  PolicyRef ref;
  std::string body = item;
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') body = body.substr(1, body.size() - 2);
  bool first = true;
  for (std::string part : split_list(body)) {
    if (first) {
      ref.endpoint = normalise(part, queue_dir);
      first = false;
      continue;
    }
    auto eq = part.find('=');
    if (eq != std::string::npos) ref.settings[trim(part.substr(0, eq))] = trim(part.substr(eq + 1));
  }
  return ref;
}

std::string our_endpoint(const config::ListenAddress& a) {
  if (a.kind == config::ListenAddress::Kind::Unix) return "unix:" + a.path;
  if (a.host.find(':') != std::string::npos) return "inet:[" + a.host + "]:" + std::to_string(a.port);
  return "inet:" + a.host + ":" + std::to_string(a.port);
}

bool is_ours(const std::string& endpoint, const std::vector<std::string>& ours) {
  return std::find(ours.begin(), ours.end(), endpoint) != ours.end();
}

// The services that take mail from the network with smtpd.
std::vector<const Service*> smtpd_services(const PostfixConfig& pf) {
  std::vector<const Service*> out;
  for (const auto& s : pf.services) {
    if (s.command == "smtpd" && s.type == "inet") out.push_back(&s);
  }
  return out;
}

std::string label(const Service* s) { return s == nullptr ? std::string("main.cf") : "master.cf service " + s->name; }

bool is_port_25(const Service* s) { return s != nullptr && (s->name == "smtp" || s->name.ends_with(":25") || s->name.ends_with(":smtp")); }

}  // namespace

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
  auto add = [&](Severity sev, std::string msg, std::string fix) {
    out.push_back(Finding{sev, std::move(msg), std::move(fix)});
  };
  const PostfixConfig& pf = in.postfix;

  std::vector<std::string> ours;
  for (const auto& a : in.listen) ours.push_back(our_endpoint(a));
  if (ours.empty()) ours.emplace_back("unix:/run/tlspolicyd/policy.sock");
  const std::string example =
      "check_policy_service { " + ours.front() + ", timeout=10s, default_action=DUNNO }";

  // Where does Postfix ask us? main.cf, and each smtpd service with its overrides.
  std::vector<const Service*> scopes = smtpd_services(pf);
  if (scopes.empty()) scopes.push_back(nullptr);  // no master.cf given: main.cf alone
  bool asked_somewhere = false;
  for (const Service* svc : scopes) {
    bool asked = false;
    for (const char* list : Lists) {
      auto value = pf.get(list, svc);
      if (!value) continue;
      auto items = split_list(*value, pf.main);
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i] != "check_policy_service" || i + 1 >= items.size()) continue;
        PolicyRef ref = parse_ref(items[i + 1], in.queue_directory);
        if (!is_ours(ref.endpoint, ours)) continue;
        asked = true;
        const std::string where = label(svc) + ", " + list;
        // What comes before it.
        for (std::size_t j = 0; j < i; ++j) {
          if (items[j] == "permit") {
            add(Severity::Error, where + ": check_policy_service comes after an unconditional \"permit\": it is never asked",
                "move check_policy_service before \"permit\"");
          } else if (items[j] == "permit_sasl_authenticated") {
            add(in.rules_use_sasl ? Severity::Warning : Severity::Info,
                where + ": permit_sasl_authenticated comes first: authenticated clients never reach tlspolicyd" +
                    (in.rules_use_sasl ? ", so its SASL rules never run" : ""),
                "move check_policy_service before permit_sasl_authenticated");
          } else if (items[j] == "permit_mynetworks") {
            add(Severity::Info, where + ": clients in mynetworks skip tlspolicyd (permit_mynetworks comes first)", "");
          }
        }
        if (!ref.settings.count("default_action") && !pf.get("smtpd_policy_service_default_action", svc)) {
          add(Severity::Warning,
              where + ": no default_action: when tlspolicyd is down or restarting, Postfix answers 451 4.3.5 to all mail",
              "write " + example + " (DUNNO lets mail flow while tlspolicyd is away)");
        }
        if (!ref.settings.count("timeout") && !pf.get("smtpd_policy_service_timeout", svc)) {
          add(Severity::Info, where + ": no timeout: Postfix waits 100 s for an answer by default",
              "add timeout=10s to the check_policy_service settings");
        }
        if (svc != nullptr && (svc->chroot == "y") && ref.endpoint.starts_with("unix:/") &&
            !ref.endpoint.starts_with("unix:" + in.queue_directory + "/")) {
          add(Severity::Error,
              where + ": smtpd runs chrooted in " + in.queue_directory + " and cannot see " + ref.endpoint.substr(5),
              "give tlspolicyd a socket under " + in.queue_directory + " (e.g. " + in.queue_directory +
                  "/tlspolicyd/policy.sock, written unix:tlspolicyd/policy.sock), use inet:127.0.0.1:PORT, or set "
                  "the chroot column of " + svc->name + " to n");
        }
      }
    }
    asked_somewhere = asked_somewhere || asked;
    if (!asked && svc != nullptr) {
      add(is_port_25(svc) ? Severity::Warning : Severity::Info,
          label(svc) + " never asks tlspolicyd (" + ours.front() + ")",
          "add " + example + " to its smtpd_recipient_restrictions, after reject_unauth_destination");
    }
  }
  if (!asked_somewhere) {
    add(Severity::Error, "Postfix never asks tlspolicyd: no check_policy_service for " + ours.front(),
        "in main.cf: smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, " + example);
  }

  // TLS settings per smtpd service (main.cf alone when master.cf is not known).
  for (const Service* svc : scopes) {
    const bool sasl = pf.get("smtpd_sasl_auth_enable", svc).value_or("no") == "yes";
    const std::string auth_only = pf.get("smtpd_tls_auth_only", svc).value_or("no");
    const std::string wrapper = pf.get("smtpd_tls_wrappermode", svc).value_or("no");
    if (sasl && auth_only != "yes" && wrapper != "yes") {
      add(Severity::Warning,
          label(svc) + ": AUTH is offered before STARTTLS (smtpd_sasl_auth_enable=yes, smtpd_tls_auth_only=" +
              auth_only + "): passwords can cross the network in plaintext",
          "set smtpd_tls_auth_only = yes");
    }
    if (svc != nullptr && !is_port_25(svc)) continue;  // main.cf alone stands for port 25 too
    const std::string level = pf.get("smtpd_tls_security_level", svc).value_or("");
    if (level == "encrypt") {
      add(Severity::Error,
          label(svc) + ": smtpd_tls_security_level=encrypt on port 25: a public MX must not require TLS of everyone "
                       "(RFC 3207); senders without TLS cannot reach you at all",
          "use smtpd_tls_security_level = may and require TLS per sender, recipient or client with tlspolicyd rules");
    }
    const std::string protocols = pf.get("smtpd_tls_protocols", svc).value_or("");
    const bool floor = protocols.find("!TLSv1") != std::string::npos || protocols.find(">=TLSv1.1") != std::string::npos ||
                       protocols.find(">=TLSv1.2") != std::string::npos || protocols.find(">=TLSv1.3") != std::string::npos;
    if (floor) {
      add(Severity::Warning,
          label(svc) + ": smtpd_tls_protocols = " + protocols +
              " refuses old TLS at the handshake: those senders retry in plaintext, which is worse",
          "keep smtpd_tls_protocols = >=TLSv1 on port 25 and require TLS 1.2 per peer with tlspolicyd (min_protocol)");
    }
  }

  for (const auto& s : in.sockets) {
    if (s.missing) {
      add(Severity::Error, "nothing listens on " + s.endpoint + ": the socket does not exist; is tlspolicyd running?",
          "systemctl start tlspolicyd (its log says why it stopped)");
    } else if (!s.problem.empty()) {
      add(Severity::Error, "Postfix cannot reach " + s.endpoint + ": " + s.problem,
          s.endpoint.starts_with("unix:")
              ? "give the socket a group postfix is in and mode 0660 (socket: { mode: \"0660\", group: postfix }), "
                "and make its directory searchable"
              : "");
    } else if (!s.accepting) {
      add(Severity::Error, "nothing accepts connections on " + s.endpoint + ": is tlspolicyd running?",
          "systemctl start tlspolicyd (or check its log)");
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.severity < b.severity; });
  return out;
}

}  // namespace tlspolicyd::doctor
