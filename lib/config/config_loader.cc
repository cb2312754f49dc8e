// SPDX-License-Identifier: MIT
#include "config/config_loader.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

#include "config/yaml_reader.h"
#include "util/read_file.h"

namespace tlspolicyd::config {
namespace {

using policy::Action;
using policy::Mode;

bool valid_rule_name(std::string_view name) {
  return !name.empty() && std::isalnum(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

class Loader {
 public:
  Loader(const std::string& path, ConfigErrors& errors) : r_(path, errors) { config_.path = path; }

  std::shared_ptr<Config> load(const YAML::Node& root) {
    if (!r_.check_map(root, "the configuration",
                      {"listen", "socket", "mode", "default_action", "log", "profiles", "limits", "lists", "rules",
                       "downgrade"})) {
      return nullptr;
    }
    if (auto n = root["listen"]) read_listen(n);
    if (auto n = root["socket"]) read_socket(n);
    if (auto n = root["mode"]) read_mode(n, config_.mode, "mode");
    Action default_action;
    if (auto n = root["default_action"]) read_action(n, default_action, "default_action");
    if (auto n = root["log"]) read_log(n);
    if (auto n = root["limits"]) read_limits(n);
    for (const char* key : {"profiles", "lists", "downgrade"}) {
      if (auto n = root[key]) r_.error(n, std::string(key) + " is not supported yet");
    }
    std::vector<policy::Rule> rules;
    if (auto n = root["rules"]) {
      rules = read_rules(n);
    } else {
      r_.error(YAML::Mark::null_mark(), "the configuration needs a \"rules\" list");
    }
    config_.policy = policy::Policy(std::move(rules), std::move(default_action));
    return std::make_shared<Config>(std::move(config_));
  }

 private:
  void read_listen(const YAML::Node& node) {
    auto one = [&](const YAML::Node& item) {
      auto text = r_.scalar(item, "a listen address");
      if (!text) return;
      auto parsed = parse_listen_address(*text);
      if (auto* err = std::get_if<std::string>(&parsed)) {
        r_.error(item, "listen address \"" + *text + "\": " + *err);
        return;
      }
      auto& addr = std::get<ListenAddress>(parsed);
      if (std::find(config_.listen.begin(), config_.listen.end(), addr) != config_.listen.end()) {
        r_.error(item, "listen address \"" + *text + "\" is listed twice");
        return;
      }
      config_.listen.push_back(std::move(addr));
    };
    if (node.IsSequence()) {
      for (const auto& item : node) one(item);
    } else {
      one(node);
    }
  }

  void read_socket(const YAML::Node& node) {
    if (!r_.check_map(node, "socket", {"mode", "group"})) return;
    if (auto n = node["mode"]) {
      if (auto text = r_.scalar(n, "socket.mode")) {
        unsigned long mode = 0;
        std::size_t used = 0;
        bool ok = !text->empty() && text->find_first_not_of("01234567") == std::string::npos;
        if (ok) mode = std::stoul(*text, &used, 8);
        if (!ok || mode > 0777) {
          r_.error(n, "socket.mode must be an octal permission such as \"0660\"");
        } else if (mode & 0007) {
          r_.error(n, "socket.mode must not give access to others (the last digit must be 0)");
        } else {
          config_.socket.mode = static_cast<std::uint32_t>(mode);
        }
      }
    }
    if (auto n = node["group"]) {
      if (auto text = r_.scalar(n, "socket.group")) {
        if (text->empty()) r_.error(n, "socket.group must not be empty");
        config_.socket.group = *text;
      }
    }
  }

  void read_mode(const YAML::Node& node, Mode& out, std::string_view what) {
    auto text = r_.scalar(node, what);
    if (!text) return;
    if (auto m = policy::parse_mode(*text)) {
      out = *m;
    } else {
      r_.error(node, std::string(what) + " must be enforce, warn or observe, not \"" + *text + "\"");
    }
  }

  bool read_action(const YAML::Node& node, Action& out, std::string_view what) {
    auto text = r_.scalar(node, what);
    if (!text) return false;
    auto parsed = Action::parse(*text);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      r_.error(node, std::string(what) + ": " + *err);
      return false;
    }
    out = std::move(std::get<Action>(parsed));
    return true;
  }

  void read_log(const YAML::Node& node) {
    if (!r_.check_map(node, "log", {"syslog", "level", "decisions"})) return;
    LogSettings& log = config_.log;
    if (auto s = node["syslog"]; s && r_.check_map(s, "log.syslog", {"facility", "ident"})) {
      if (auto n = s["facility"]) {
        if (auto text = r_.scalar(n, "log.syslog.facility")) {
          if (is_syslog_facility(*text)) {
            log.facility = *text;
          } else {
            r_.error(n, "log.syslog.facility must be mail, daemon, user, auth, authpriv or local0..local7");
          }
        }
      }
      if (auto n = s["ident"]) {
        if (auto text = r_.scalar(n, "log.syslog.ident")) {
          bool ok = !text->empty() && text->size() <= 32 && std::all_of(text->begin(), text->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
          });
          if (ok) {
            log.ident = *text;
          } else {
            r_.error(n, "log.syslog.ident must be 1 to 32 letters, digits, '-', '_', '.' or '/'");
          }
        }
      }
    }
    if (auto n = node["level"]) {
      if (auto text = r_.scalar(n, "log.level")) {
        static constexpr std::pair<std::string_view, LogLevel> Levels[] = {{"trace", LogLevel::Trace},
                                                                           {"debug", LogLevel::Debug},
                                                                           {"info", LogLevel::Info},
                                                                           {"warning", LogLevel::Warning},
                                                                           {"error", LogLevel::Error}};
        const auto* it = std::find_if(std::begin(Levels), std::end(Levels), [&](auto& l) { return l.first == *text; });
        if (it == std::end(Levels)) {
          r_.error(n, "log.level must be trace, debug, info, warning or error");
        } else {
          log.level = it->second;
        }
      }
    }
    if (auto n = node["decisions"]) {
      if (auto text = r_.scalar(n, "log.decisions")) {
        if (*text == "all") log.decisions = DecisionLog::All;
        else if (*text == "violations") log.decisions = DecisionLog::Violations;
        else if (*text == "none") log.decisions = DecisionLog::None;
        else r_.error(n, "log.decisions must be all, violations or none");
      }
    }
  }

  void read_limits(const YAML::Node& node) {
    if (!r_.check_map(node, "limits",
                      {"line_bytes", "request_bytes", "attributes", "connections", "idle_timeout"})) {
      return;
    }
    ServerLimits& l = config_.limits;
    if (auto n = node["line_bytes"]) {
      if (auto v = r_.number(n, "limits.line_bytes", 512, 1 << 20)) l.request.line_bytes = *v;
    }
    if (auto n = node["request_bytes"]) {
      if (auto v = r_.number(n, "limits.request_bytes", 1024, 16 << 20)) l.request.request_bytes = *v;
    }
    if (auto n = node["attributes"]) {
      if (auto v = r_.number(n, "limits.attributes", 32, 65536)) l.request.attributes = *v;
    }
    if (auto n = node["connections"]) {
      if (auto v = r_.number(n, "limits.connections", 1, 1000000)) l.connections = *v;
    }
    if (auto n = node["idle_timeout"]) {
      if (auto v = r_.duration(n, "limits.idle_timeout")) {
        if (*v < std::chrono::seconds(1)) {
          r_.error(n, "limits.idle_timeout must be at least 1s");
        } else {
          l.idle_timeout = *v;
        }
      }
    }
    if (l.request.line_bytes > l.request.request_bytes) {
      r_.error(node, "limits.line_bytes must not exceed limits.request_bytes");
    }
  }

  std::vector<policy::Rule> read_rules(const YAML::Node& node) {
    std::vector<policy::Rule> rules;
    if (!node.IsSequence()) {
      r_.error(node, "rules must be a list");
      return rules;
    }
    std::set<std::string, std::less<>> names;
    for (const auto& item : node) {
      if (!r_.check_map(item, "a rule", {"name", "match", "require", "action", "mode"})) continue;
      policy::Rule rule;
      rule.mode = config_.mode;
      if (auto n = item["name"]) {
        if (auto text = r_.scalar(n, "a rule name")) {
          if (!valid_rule_name(*text)) {
            r_.error(n, "rule name \"" + *text + "\" must be letters, digits, '.', '_' or '-'");
          } else if (!names.insert(*text).second) {
            r_.error(n, "duplicate rule name \"" + *text + "\"");
          }
          rule.name = *text;
        }
      } else {
        r_.error(item, "a rule needs a name");
      }
      for (const char* key : {"match", "require"}) {
        if (auto n = item[key]) r_.error(n, std::string(key) + " is not supported yet");
      }
      if (auto n = item["mode"]) read_mode(n, rule.mode, "mode");
      if (auto n = item["action"]) {
        read_action(n, rule.action, "action");
      } else {
        r_.error(item, "rule \"" + rule.name + "\" needs a require or an action");
      }
      rules.push_back(std::move(rule));
    }
    return rules;
  }

  YamlReader r_;
  Config config_;
};

}  // namespace

LoadResult load_config_text(std::string_view text, const std::string& path) {
  LoadResult result;
  YamlReader reader(path, result.errors);
  auto root = load_yaml(text, reader);
  if (!root) return result;
  Loader loader(path, result.errors);
  auto config = loader.load(*root);
  if (result.errors.empty()) {
    result.config = std::move(config);
  } else {
    // Report in reading order, as a postmaster reads the file.
    std::stable_sort(result.errors.begin(), result.errors.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
  }
  return result;
}

LoadResult load_config_file(const std::string& path) {
  std::string text;
  if (std::string err = util::read_file(path, text); !err.empty()) {
    LoadResult result;
    result.errors.push_back(ConfigError{path, 0, 0, "cannot read the configuration file: " + err});
    return result;
  }
  return load_config_text(text, path);
}

}  // namespace tlspolicyd::config
