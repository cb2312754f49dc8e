// SPDX-License-Identifier: MIT
// commands: check, and query, which answers through the daemon's Responder
// (without TLS history, metrics or log), so its answers are the daemon's.
#include "commands.h"
#include "privileges.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

#include "config/config_loader.h"
#include "json.h"
#include "log/kv_line.h"
#include "protocol/request_parser.h"
#include "responder.h"

namespace tlspolicyd::daemon {
namespace {

// Loads the configuration or prints every error; nullptr then.
std::shared_ptr<const config::Config> load_or_report(const std::string& path) {
  config::LoadResult loaded = config::load_config_file(path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  return loaded.config;
}

// A string, or null when it is empty.
Json string_or_null(std::string_view s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string_view outcome_text(const policy::RuleTrace& t) {
  using O = policy::RuleTrace::Outcome;
  switch (t.outcome) {
    case O::NotEvaluated: return "not evaluated";
    case O::NotMatched: return "not matched";
    case O::Held: return t.rule->require ? "requirement held" : "matched";
    case O::Violated: return "requirement failed";
    case O::Applied: return "applied";
  }
  return "?";
}

// What the rule did with its result, for --explain ("answered", "remembered WARN").
std::string effect_text(const policy::RuleTrace& t) {
  using O = policy::RuleTrace::Outcome;
  if (t.outcome != O::Violated && t.outcome != O::Applied) return {};
  switch (t.rule->mode) {
    case policy::Mode::Enforce: return "enforce: answered";
    case policy::Mode::Warn: return t.answered ? "warn: answered WARN" : "warn: WARN not answered (another answer won)";
    case policy::Mode::Observe: return "observe: logged only";
  }
  return {};
}

// Prints what the daemon would answer; false (said on stderr) when it would close
// without an answer.
bool print_decision(Responder& responder, const protocol::Request& request, const QueryArgs& args) {
  policy::Trace trace;
  std::string wire;  // "action=ACTION\n\n"
  std::optional<policy::Decision> answered = responder.answer(request, wire, 0, "query", args.explain ? &trace : nullptr);
  if (!answered) {
    std::cerr << "tlspolicyd query: internal error: the answer is not valid on the wire; the daemon would close "
                 "the connection without an answer\n";
    return false;
  }
  const policy::Decision& d = *answered;
  const std::string rule = d.rule != nullptr ? d.rule->name : "";
  if (args.json) {
    Json out;
    out["action"] = policy::to_string(d.answer);
    out["rule"] = string_or_null(rule);
    out["mode"] = d.rule != nullptr ? Json(policy::to_string(d.mode)) : Json(nullptr);
    out["reason"] = d.reason ? Json(policy::to_string(*d.reason)) : Json(nullptr);
    if (args.explain) {
      Json rules = Json::array();
      for (const auto& t : trace) {
        Json r;
        r["name"] = t.rule->name;
        r["mode"] = policy::to_string(t.rule->mode);
        r["outcome"] = outcome_text(t);
        r["match"] = string_or_null(t.match);
        r["reason"] = t.reason ? Json(policy::to_string(*t.reason)) : Json(nullptr);
        r["answered"] = t.answered;
        rules.push_back(std::move(r));
      }
      out["rules"] = std::move(rules);
    }
    std::cout << json_text(out) << '\n';
    return true;
  }
  std::cout << wire.substr(0, wire.size() - 1);  // the wire's line, without the empty one
  if (!args.explain) return true;
  for (const auto& t : trace) {
    std::cout << "rule " << t.rule->name << " (" << policy::to_string(t.rule->mode) << "): " << outcome_text(t);
    if (!t.match.empty()) std::cout << "; " << t.match;
    if (t.reason) std::cout << "; reason: " << policy::to_string(*t.reason);
    if (std::string effect = effect_text(t); !effect.empty()) std::cout << "; " << effect;
    std::cout << '\n';
  }
  if (d.rule == nullptr) std::cout << "default_action: answered\n";
  return true;
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
  Responder responder(cfg);

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
    return print_decision(responder, request, args) ? exit_code::Ok : exit_code::Software;
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
    if (!print_decision(responder, request, args)) return exit_code::Software;
  }
  if (!any) {
    // Nothing at all on stdin: an empty request, as the daemon would answer it.
    request.clear();
    request.finalize();
    if (!print_decision(responder, request, args)) return exit_code::Software;
  }
  return exit_code::Ok;
}

}  // namespace tlspolicyd::daemon
