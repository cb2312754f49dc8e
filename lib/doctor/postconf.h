// SPDX-License-Identifier: MIT
// postconf: Postfix's configuration as `postconf -n` and `postconf -M` print it.
//
// main.cf: "name = value" lines (values already joined onto one line). master.cf:
// one service a line, "name type private unpriv chroot wakeup maxproc command
// args", with "-o name=value" (or "-o { name = value }") overrides. Restriction
// lists split into items at whitespace and commas, a "{ ... }" group being one
// item; "$name" items expand from main.cf, as Postfix does.
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
};

struct PostfixConfig {
  std::map<std::string, std::string> main;  // postconf -n
  std::vector<Service> services;            // postconf -M

  // A parameter for a service: its -o override, else main.cf, else nullopt.
  [[nodiscard]] std::optional<std::string> get(const std::string& name, const Service* service = nullptr) const;
};

[[nodiscard]] std::map<std::string, std::string> parse_main(std::string_view postconf_n);
[[nodiscard]] std::vector<Service> parse_master(std::string_view postconf_m);

// The items of a restriction list, "$name" expanded from `params` (one level deep
// per item, recursively, at most 20 levels).
[[nodiscard]] std::vector<std::string> split_list(std::string_view value,
                                                  const std::map<std::string, std::string>& params = {});

}  // namespace tlspolicyd::doctor
