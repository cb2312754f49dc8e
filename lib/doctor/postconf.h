// SPDX-License-Identifier: MIT
// postconf: Postfix's configuration as `postconf -n` and `postconf -M` print it.
//
// main.cf: "name = value" lines (values already joined onto one line). master.cf:
// one service a line, "name type private unpriv chroot wakeup maxproc command
// args", with "-o name=value" (or "-o { name = value }") overrides. Restriction
// lists split into items at whitespace and commas, a "{ ... }" group being one
// item; "$name" items expand from main.cf and the service's -o overrides, as
// Postfix does. Limits: "$name" is expanded only as a whole item (not inside a
// word), and ${name?value} forms are kept as they are.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlspolicyd::doctor {

struct Service {
  std::string name;     // "smtp", "submission", "127.0.0.1:2525"
  std::string type;     // "inet", "unix", ...
  std::string chroot;   // "y", "n" or "-" (Postfix's default, n since 3.0)
  std::string command;  // "smtpd"
  std::map<std::string, std::string> overrides;  // -o name=value

  // smtpd taking mail from the network: type inet, or pass (behind postscreen).
  [[nodiscard]] bool is_smtpd() const { return command == "smtpd" && (type == "inet" || type == "pass"); }
};

// A restriction list item and the parameter whose value holds it as written.
struct ListItem {
  std::string text;
  std::string origin;  // "smtpd_recipient_restrictions", or the $name it came from
};

struct PostfixConfig {
  std::map<std::string, std::string> main;  // postconf -n
  std::vector<Service> services;            // postconf -M

  // A parameter for a service: its -o override, else main.cf, else nullopt.
  [[nodiscard]] std::optional<std::string> get(const std::string& name, const Service* service = nullptr) const;
  // main.cf with the service's -o overrides on top: what "$name" expands from there.
  [[nodiscard]] std::map<std::string, std::string> params(const Service* service) const;
  // Whether master(8) runs the service chrooted in the queue directory: column y or
  // n; "-" is y below compatibility_level 1 and n from 1 on (master_ent.c, 3.x).
  [[nodiscard]] bool chrooted(const Service& service) const;
  // Whether master_service_disable turns the service off ("inet", "smtp/inet").
  [[nodiscard]] bool disabled(const Service& service) const;
};

[[nodiscard]] std::map<std::string, std::string> parse_main(std::string_view postconf_n);
[[nodiscard]] std::vector<Service> parse_master(std::string_view postconf_m);

// The items of a restriction list, "$name" expanded from `params` (one level deep
// per item, recursively, at most 20 levels).
[[nodiscard]] std::vector<std::string> split_list(std::string_view value,
                                                  const std::map<std::string, std::string>& params = {});
// The same, each item with the parameter that holds it (`origin` for the top level).
[[nodiscard]] std::vector<ListItem> split_list_traced(std::string_view value,
                                                     const std::map<std::string, std::string>& params,
                                                     const std::string& origin);

}  // namespace tlspolicyd::doctor
