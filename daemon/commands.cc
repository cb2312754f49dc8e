// SPDX-License-Identifier: MIT
// commands: check and query, which evaluate without any socket.
#include "commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

#include "config/config_loader.h"
#include "log/kv_line.h"
#include "protocol/request_parser.h"

namespace tlspolicyd::daemon {
namespace {

// Loads the configuration or prints every error; nullptr then.
std::shared_ptr<const config::Config> load_or_report(const std::string& path) {
  config::LoadResult loaded = config::load_config_file(path);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  return loaded.config;
}

// JSON string literal of arbitrary bytes (non-ASCII escaped as \u00XX per byte).
std::string json_string(std::string_view s) {
  std::string out = "\"";
  static constexpr char Hex[] = "0123456789abcdef";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      out += "\\u00";
      out.push_back(Hex[c >> 4]);
      out.push_back(Hex[c & 0xf]);
    }
  }
  out.push_back('"');
  return out;
}

void print_decision(const config::Config& cfg, const protocol::Request& request, const QueryArgs& args) {
  policy::Decision d = cfg.policy.evaluate(request);
  const std::string rule = d.rule != nullptr ? d.rule->name : "";
  if (args.json) {
    std::cout << "{\"action\":" << json_string(d.action) << ",\"rule\":" << (rule.empty() ? "null" : json_string(rule))
              << ",\"mode\":" << json_string(policy::to_string(d.mode)) << "}\n";
    return;
  }
  std::cout << "action=" << d.action << '\n';
  if (args.explain) {
    if (d.rule != nullptr) {
      std::cout << "decided by rule " << rule << " (mode " << policy::to_string(d.mode) << ")\n";
    } else {
      std::cout << "decided by default_action\n";
    }
  }
}

}  // namespace

int run_check(const std::string& config_path) {
  if (!load_or_report(config_path)) return exit_code::Config;
  std::cout << "configuration OK\n";
  return exit_code::Ok;
}

int run_query(const QueryArgs& args) {
  for (const auto& a : args.attributes) {
    if (a.find('=') == std::string::npos) {
      std::cerr << "tlspolicyd query: \"" << a << "\" is not NAME=VALUE\n";
      return exit_code::Usage;
    }
  }
  auto cfg = load_or_report(args.config_path);
  if (!cfg) return exit_code::Config;

  if (!args.attributes.empty()) {
    protocol::Request request;
    for (const auto& a : args.attributes) {
      auto eq = a.find('=');
      std::string_view name(a.data(), eq);
      if (auto attr = protocol::find_attr(name)) {
        request.set(*attr, std::string_view(a).substr(eq + 1));
      } else {
        std::cerr << "tlspolicyd query: ignoring unknown attribute \"" << name << "\"\n";
      }
    }
    request.finalize();
    print_decision(*cfg, request, args);
    return exit_code::Ok;
  }

  // Requests in the wire format on stdin; end of input also ends a request.
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  protocol::RequestParser parser(cfg->limits.request);
  parser.append(input);
  protocol::Request request;
  bool any = false;
  for (;;) {
    protocol::ParseStatus status = parser.next(request);
    if (status == protocol::ParseStatus::NeedMore && parser.mid_request()) {
      parser.append(input.ends_with('\n') ? "\n" : "\n\n");
      continue;
    }
    if (status == protocol::ParseStatus::NeedMore) break;
    if (status == protocol::ParseStatus::Error) {
      std::cerr << "tlspolicyd query: malformed request: " << protocol::to_string(parser.error()) << '\n';
      return exit_code::DataErr;
    }
    any = true;
    print_decision(*cfg, request, args);
  }
  if (!any) {
    // Nothing at all on stdin: an empty request, as the daemon would answer it.
    request.clear();
    request.finalize();
    print_decision(*cfg, request, args);
  }
  return exit_code::Ok;
}

}  // namespace tlspolicyd::daemon
