// SPDX-License-Identifier: MIT
#include "config/config_loader.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "config/list_compiler.h"
#include "config/yaml_reader.h"
#include "match/ip_set.h"
#include "tls/cipher_catalog.h"
#include "util/read_file.h"
#include "util/text.h"

namespace tlspolicyd::config {
namespace {

using policy::Action;
using policy::Mode;
using policy::Requirement;

bool valid_name(std::string_view name) {
  return !name.empty() && std::isalnum(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Loader {
 public:
  Loader(const std::string& path, ConfigErrors& errors, const FileOwners& owners)
      : r_(path, errors), lists_(r_, directory_of(path)), owners_(owners) {
    config_.path = path;
  }

  std::shared_ptr<Config> load(const YAML::Node& root) {
    if (!r_.check_map(root, "the configuration",
                      {"listen", "socket", "user", "group", "run_as_root", "mode", "default_action", "log", "profiles",
                       "limits", "lists", "rules", "downgrade", "metrics"})) {
      return nullptr;
    }
    if (auto n = root["user"]) read_account(n, config_.process.user, "user");
    if (auto n = root["group"]) read_account(n, config_.process.group, "group");
    if (auto n = root["run_as_root"]) config_.process.run_as_root = r_.boolean(n, "run_as_root").value_or(false);
    // Who may own list files: known now, before any list file is read.
    std::vector<uid_t> list_owners = owners_.uids;
    std::optional<uid_t> daemon_uid;
    if (!config_.process.user.empty() && owners_.user_id) daemon_uid = owners_.user_id(config_.process.user);
    if (daemon_uid) list_owners.push_back(*daemon_uid);
    // The password file, readable by its owner alone, is read at every start and
    // reload as the daemon's user (the packaged unit starts it as that user): so
    // it must be that user's, even when root runs `check`.
    secret_user_only_ = daemon_uid && *daemon_uid != 0 && !config_.process.run_as_root;
    secret_owners_ = secret_user_only_ ? std::vector<uid_t>{*daemon_uid} : list_owners;
    lists_.set_owners(std::move(list_owners));
    if (auto n = root["metrics"]) read_metrics(n);
    if (auto n = root["listen"]) read_listen(n);
    if (auto n = root["socket"]) read_socket(n);
    if (auto n = root["mode"]) read_mode(n, config_.mode, "mode");
    Action default_action;
    if (auto n = root["default_action"]; n && read_action(n, default_action, "default_action")) {
      // The answer to every request no rule decided: never one that acts on whole messages.
      switch (default_action.kind()) {
        case policy::ActionKind::Discard:
        case policy::ActionKind::Redirect:
        case policy::ActionKind::Bcc:
        case policy::ActionKind::Filter:
          r_.error(n, "default_action: " + std::string(policy::to_string(default_action.kind())) +
                          " would act on every message no rule decides; give it to a rule");
          break;
        default: break;
      }
    }
    if (auto n = root["log"]) read_log(n);
    if (auto n = root["limits"]) read_limits(n);
    // Postfix keeps its room, and its place in the history, unless users are named.
    if (config_.limits.reserved.users.empty()) reserve_default_user();
    if (auto n = root["lists"]) lists_.define_lists(n);
    if (auto n = root["profiles"]) read_profiles(n);
    std::vector<policy::Rule> rules;
    if (auto n = root["rules"]) {
      rules = read_rules(n);
    } else {
      r_.error(YAML::Mark::null_mark(), "the configuration needs a \"rules\" list");
    }
    std::optional<policy::Rule> downgrade_rule;
    if (auto n = root["downgrade"]) {
      read_downgrade(n);
      if (config_.downgrade) {
        downgrade_rule = policy::Rule{};
        downgrade_rule->name = policy::DowngradeRuleName;
        downgrade_rule->mode = config_.downgrade->mode;
        downgrade_rule->action = config_.downgrade->action;
      }
    }
    config_.policy = policy::Policy(std::move(rules), std::move(default_action), std::move(downgrade_rule));
    return std::make_shared<Config>(std::move(config_));
  }

 private:
  // ---- server settings

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
    for_each_item(node, one);
  }

  void read_socket(const YAML::Node& node) {
    if (!r_.check_map(node, "socket", {"mode", "group"})) return;
    if (auto n = node["mode"]) {
      if (auto text = r_.scalar(n, "socket.mode")) {
        const bool octal = !text->empty() && text->size() <= 4 && text->find_first_not_of("01234567") == std::string::npos;
        const unsigned long mode = octal ? std::stoul(*text, nullptr, 8) : 0;
        if (!octal) {
          r_.error(n, "socket.mode must be an octal permission such as \"0660\"");
        } else if (mode & 07000) {
          r_.error(n, "socket.mode takes permission bits only (no setuid, setgid or sticky bit: at most \"0770\")");
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

  void read_metrics(const YAML::Node& node) {
    if (!r_.check_map(node, "metrics", {"listen"})) return;
    auto n = node["listen"];
    if (!n) {
      r_.error(node, "metrics needs listen: inet:HOST:PORT");
      return;
    }
    auto text = r_.scalar(n, "metrics.listen");
    if (!text) return;
    auto parsed = parse_listen_address(*text);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      r_.error(n, "metrics.listen \"" + *text + "\": " + *err);
    } else if (std::get<ListenAddress>(parsed).kind != ListenAddress::Kind::Inet) {
      r_.error(n, "metrics.listen must be inet:HOST:PORT (Prometheus scrapes over HTTP)");
    } else {
      config_.metrics = std::get<ListenAddress>(parsed);
    }
  }

  // A user or group name (looked up when the daemon starts; the loader only asks
  // FileOwners::user_id for the user's uid, to know who may own list files).
  void read_account(const YAML::Node& node, std::string& out, std::string_view what) {
    auto text = r_.scalar(node, what);
    if (!text) return;
    const bool ok = !text->empty() && text->size() <= 32 && (*text)[0] != '-' &&
                    std::all_of(text->begin(), text->end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                    });
    if (!ok) {
      r_.error(node, std::string(what) + " must be a user or group name");
      return;
    }
    out = *text;
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
    if (auto s = node["syslog"]; s && r_.check_map(s, "log.syslog", {"facility", "ident", "socket"})) {
      if (auto n = s["facility"]) {
        if (auto text = r_.scalar(n, "log.syslog.facility")) {
          if (auto facility = parse_syslog_facility(*text)) {
            log.facility = *facility;
          } else {
            r_.error(n, "log.syslog.facility must be " + syslog_facility_names());
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
      if (auto n = s["socket"]) {
        if (auto text = r_.scalar(n, "log.syslog.socket")) {
          if (text->starts_with('/') && text->size() < 108) {  // sun_path holds 108 bytes with the NUL
            log.syslog_socket = *text;
          } else {
            r_.error(n, "log.syslog.socket must be an absolute path of at most 107 bytes");
          }
        }
      }
    }
    if (auto n = node["level"]) {
      if (auto text = r_.scalar(n, "log.level")) {
        if (auto level = parse_log_level(*text)) {
          log.level = *level;
        } else {
          r_.error(n, "log.level must be " + log_level_names());
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
                      {"line_bytes", "request_bytes", "attributes", "connections", "connections_per_peer",
                       "reserved_for", "idle_timeout"})) {
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
    l.connections_per_peer = std::max<std::size_t>(1, l.connections / 2);
    if (auto n = node["connections_per_peer"]) {
      if (auto v = r_.number(n, "limits.connections_per_peer", 1, 1000000)) {
        if (*v > l.connections) {
          r_.error(n, "limits.connections_per_peer must not exceed limits.connections");
        } else {
          l.connections_per_peer = *v;
        }
      }
    }
    if (auto n = node["reserved_for"]) read_reserved(n, l.reserved);
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

  // limits.reserved_for: user names (looked up through FileOwners::user_id: an
  // unknown one is an error) and addresses or networks.
  void read_reserved(const YAML::Node& node, ReservedPeers& reserved) {
    auto one = [&](const YAML::Node& item) {
      auto text = r_.scalar(item, "limits.reserved_for");
      if (!text) return;
      if (text->find_first_of(".:") != std::string::npos) {
        auto [network, error] = match::parse_network(*text);
        if (!error.empty()) {
          r_.error(item, "limits.reserved_for " + util::quoted(*text) + ": " + error);
        } else {
          reserved.networks.insert(network);
        }
        return;
      }
      std::string user;
      read_account(item, user, "limits.reserved_for");
      if (user.empty()) return;
      reserved.users.push_back(user);
      if (!owners_.user_id) return;  // not asked (a test): names stay names
      if (auto uid = owners_.user_id(user)) {
        reserved.uids.push_back(*uid);
      } else {
        r_.error(item, "limits.reserved_for: no user \"" + user + "\" on this host");
      }
    };
    for_each_item(node, one);
  }

  // Unless users are listed (networks alone do not count): Postfix's own user
  // and root, those this host has.
  void reserve_default_user() {
    ReservedPeers& reserved = config_.limits.reserved;
    for (const char* user : {"postfix", "root"}) {
      reserved.users.emplace_back(user);
      if (!owners_.user_id) continue;
      if (auto uid = owners_.user_id(user)) reserved.uids.push_back(*uid);
    }
  }

  // ---- requirements

  const tls::CipherCatalog* catalog(const YAML::Node& where) {
    if (!catalog_tried_) {
      catalog_tried_ = true;
      catalog_ = tls::CipherCatalog::load();
      if (!catalog_) r_.error(where, "cannot read the cipher list of the linked OpenSSL");
    }
    return catalog_.get();
  }

  bool require_true(const YAML::Node& n, std::string_view what, std::string_view hint) {
    auto b = r_.boolean(n, what);
    if (b && !*b) r_.error(n, std::string(what) + ": false is not a requirement; " + std::string(hint));
    return b.value_or(false);
  }

  std::shared_ptr<const Requirement> read_requirement(const YAML::Node& node, std::string_view what) {
    if (!r_.check_map(node, what,
                      {"tls", "min_protocol", "ciphers", "exclude_ciphers", "forward_secrecy", "aead", "min_keysize",
                       "client_cert"})) {
      return nullptr;
    }
    const std::size_t errors_before = r_.errors().size();
    auto req = std::make_shared<Requirement>();
    if (auto n = node["tls"]) req->tls = require_true(n, "tls", "select plaintext with match: { tls: false }");
    if (auto n = node["min_protocol"]) {
      if (auto text = r_.scalar(n, "min_protocol")) {
        auto floor = tls::parse_protocol_floor(*text);
        if (auto* err = std::get_if<std::string>(&floor)) {
          r_.error(n, "min_protocol: " + *err);
        } else {
          req->min_protocol = std::get<tls::TlsVersion>(floor);
        }
      }
    }
    if (auto n = node["ciphers"]) {
      if (n.IsNull()) {
        r_.error(n, "ciphers has no value (write \"null\" in quotes for the null grade)");
      } else if (auto text = r_.scalar(n, "ciphers")) {
        if (const auto* cat = catalog(n)) {
          auto policy = tls::CipherPolicy::parse(*text, *cat);
          if (auto* err = std::get_if<std::string>(&policy)) {
            r_.error(n, "ciphers: " + *err);
          } else {
            req->ciphers = std::get<tls::CipherPolicy>(std::move(policy));
          }
        }
      }
    }
    if (auto n = node["exclude_ciphers"]) {
      std::vector<std::string> items;
      auto take = [&](const YAML::Node& item) {
        if (auto text = lists_.item_text(item, "exclude_ciphers")) items.push_back(*text);
      };
      for_each_item(n, take);
      if (const auto* cat = catalog(n)) {
        auto excl = tls::CipherExclusion::parse(items, *cat);
        if (auto* err = std::get_if<std::string>(&excl)) {
          r_.error(n, "exclude_ciphers: " + *err);
        } else {
          req->exclude_ciphers = std::get<tls::CipherExclusion>(std::move(excl));
        }
      }
    }
    if (auto n = node["forward_secrecy"]) req->forward_secrecy = require_true(n, "forward_secrecy", "leave it out");
    if (auto n = node["aead"]) req->aead = require_true(n, "aead", "leave it out");
    if (auto n = node["min_keysize"]) {
      if (auto v = r_.number(n, "min_keysize", 1, 4096)) req->min_keysize = static_cast<std::uint32_t>(*v);
    }
    if (auto n = node["client_cert"]) read_client_cert(n, *req);
    // Every cipher key reads the catalog, whichever of them comes first (or alone).
    if (req->ciphers || req->exclude_ciphers || req->forward_secrecy || req->aead) {
      if (catalog(node) != nullptr) req->catalog = catalog_;
    }
    if (r_.errors().size() != errors_before) return nullptr;
    if (!req->any()) {
      r_.error(node, std::string(what) + " requires nothing");
      return nullptr;
    }
    return req;
  }

  void read_client_cert(const YAML::Node& n, Requirement& req) {
    if (n.IsScalar() && n.Tag() == "?" && n.Scalar() == "trusted") {
      req.client_cert = Requirement::ClientCert::Trusted;
      return;
    }
    bool any = false;
    auto take = [&](const YAML::Node& item) {
      auto text = lists_.item_text(item, "client_cert");
      if (!text) return;
      if (std::string err = req.fingerprints.add(*text); !err.empty()) {
        r_.error(item, "client_cert: " + err + " (or write trusted)");
      } else {
        any = true;
      }
    };
    for_each_item(n, take);
    if (any) req.client_cert = Requirement::ClientCert::Listed;
  }

  void read_profiles(const YAML::Node& node) {
    if (!r_.check_unique_keys(node, "profiles")) return;
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      if (!valid_name(name)) {
        r_.error(entry.first, "profile name \"" + name + "\" must be letters, digits, '.', '_' or '-'");
        continue;
      }
      if (profiles_.count(name) != 0) continue;
      profiles_[name] = read_requirement(entry.second, "profile \"" + name + "\"");
    }
  }

  // ---- rules

  std::optional<match::Condition> read_match(const YAML::Node& node, std::string_view what) {
    if (!r_.check_unique_keys(node, what)) return std::nullopt;
    if (node.size() == 0) {
      r_.error(node, std::string(what) + " is empty");
      return std::nullopt;
    }
    std::vector<match::Condition> children;
    bool ok = true;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (key == "not") {
        if (auto c = read_match(value, "not")) {
          children.push_back(match::Condition::negate(std::move(*c)));
        } else {
          ok = false;
        }
      } else if (key == "any") {
        if (!value.IsSequence() || value.size() == 0) {
          r_.error(value, "any takes a list of match maps: any: [ {...}, {...} ]");
          ok = false;
          continue;
        }
        std::vector<match::Condition> alternatives;
        for (const auto& alt : value) {
          if (auto c = read_match(alt, "an any alternative")) {
            alternatives.push_back(std::move(*c));
          } else {
            ok = false;
          }
        }
        children.push_back(match::Condition::any(std::move(alternatives)));
      } else if (auto field = match::find_field(key)) {
        if (auto m = lists_.compile_key(*field, entry.first, value)) {
          children.push_back(match::Condition::key(std::move(m)));
        } else {
          ok = false;
        }
      } else {
        r_.error(entry.first, "unknown match key \"" + key + "\" (expected one of: " + match::field_names() +
                                  ", not, any)");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return match::Condition::all(std::move(children));
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
          if (!valid_name(*text)) {
            r_.error(n, "rule name \"" + *text + "\" must be letters, digits, '.', '_' or '-'");
          } else if (*text == policy::DefaultRuleName || *text == policy::DowngradeRuleName) {
            r_.error(n, "rule name \"" + *text + "\" is reserved: logs and metrics name the " +
                            (*text == policy::DefaultRuleName ? "default action" : "TLS downgrade answer") + " so");
          } else if (!names.insert(*text).second) {
            r_.error(n, "duplicate rule name \"" + *text + "\"");
          }
          rule.name = *text;
        }
      } else {
        r_.error(item, "a rule needs a name");
      }
      if (auto n = item["match"]) {
        if (auto c = read_match(n, "match")) rule.match = std::move(*c);
      }
      if (auto n = item["require"]) {
        if (n.IsMap()) {
          rule.require = read_requirement(n, "require");
        } else if (auto text = r_.scalar(n, "require")) {
          auto it = profiles_.find(*text);
          if (it == profiles_.end()) {
            std::string known;
            for (const auto& [p, req] : profiles_) known += (known.empty() ? "" : ", ") + p;
            r_.error(n, "unknown profile \"" + *text + "\"" +
                            (known.empty() ? " (no profiles are defined)" : " (defined: " + known + ")"));
          } else {
            rule.require = it->second;
          }
        }
      }
      if (auto n = item["mode"]) read_mode(n, rule.mode, "mode");
      if (auto n = item["action"]) {
        read_action(n, rule.action, "action");
      } else if (item["require"]) {
        rule.action = std::get<Action>(Action::parse("reject 5.7.1 TLS requirement \"" + rule.name + "\" not met"));
      } else {
        r_.error(item, "rule \"" + rule.name + "\" needs a require or an action");
      }
      rules.push_back(std::move(rule));
    }
    return rules;
  }

  // ---- downgrade

  void read_downgrade(const YAML::Node& node) {
    if (!r_.check_map(node, "downgrade",
                      {"store", "password_file", "key", "retention", "min_observations", "mode", "action", "exempt",
                       "cache_entries", "lookup_timeout", "rebaseline_after"})) {
      return;
    }
    DowngradeSettings d;
    d.action = std::get<Action>(Action::parse(DefaultDowngradeAction));
    read_store(node, d);
    if (auto n = node["key"]) {
      d.key.clear();
      auto take = [&](const YAML::Node& item) {
        auto text = r_.scalar(item, "downgrade.key");
        if (!text) return;
        const auto part = history::find_key_part(*text);
        if (!part) {
          r_.error(item, "downgrade.key: unknown part \"" + *text + "\" (expected " + history::key_part_names() + ")");
        } else if (std::find(d.key.begin(), d.key.end(), *part) != d.key.end()) {
          r_.error(item, "downgrade.key: \"" + *text + "\" is listed twice");
        } else {
          d.key.push_back(*part);
        }
      };
      for_each_item(n, take);
      if (d.key.empty() && n.IsSequence()) r_.error(n, "downgrade.key must name at least one part");
    }
    if (auto n = node["retention"]) {
      if (auto v = r_.duration(n, "downgrade.retention")) {
        if (*v < std::chrono::hours(1)) {
          r_.error(n, "downgrade.retention must be at least 1h");
        } else {
          d.retention = *v;
        }
      }
    }
    if (auto n = node["min_observations"]) {
      if (auto v = r_.number(n, "downgrade.min_observations", 1, 1000000)) d.min_observations = static_cast<std::uint32_t>(*v);
    }
    if (auto n = node["mode"]) read_mode(n, d.mode, "downgrade.mode");
    if (auto n = node["action"]) read_action(n, d.action, "downgrade.action");
    if (auto n = node["exempt"]) {
      if (auto c = read_match(n, "downgrade.exempt")) {
        d.exempt = std::move(*c);
        d.has_exempt = true;
      }
    }
    if (auto n = node["cache_entries"]) {
      if (auto v = r_.number(n, "downgrade.cache_entries", 100, 100000000)) d.cache_entries = *v;
    }
    if (auto n = node["lookup_timeout"]) {
      if (auto v = r_.duration_ms(n, "downgrade.lookup_timeout")) {
        if (*v > std::chrono::seconds(10)) {
          r_.error(n, "downgrade.lookup_timeout must be at most 10s (smtpd waits meanwhile)");
        } else {
          d.lookup_timeout = *v;
        }
      }
    }
    if (auto n = node["rebaseline_after"]) {
      if (auto v = r_.duration(n, "downgrade.rebaseline_after")) d.rebaseline_after = *v;
    }
    config_.downgrade = std::move(d);
  }

  // downgrade.store, and its Redis password from downgrade.password_file. A
  // password in both, or a Redis user with none, is an error.
  void read_store(const YAML::Node& node, DowngradeSettings& d) {
    const YAML::Node n = node["store"];
    if (n) {
      auto text = r_.scalar(n, "downgrade.store");
      if (!text) return;
      auto parsed = history::StoreAddress::parse(*text, "downgrade.store");
      if (auto* err = std::get_if<std::string>(&parsed)) {
        r_.error(n, *err);
        return;
      }
      d.store = std::move(std::get<history::StoreAddress>(parsed));
    }
    const bool redis = d.store.kind == history::StoreAddress::Kind::Redis;
    if (auto f = node["password_file"]) {
      if (!redis) {
        r_.error(f, "downgrade.password_file is for a Redis store (redis:// or redis+unix://)");
      } else if (!d.store.password.empty()) {
        r_.error(f, "downgrade.password_file: downgrade.store has a password already; keep one of the two");
      } else if (auto password = read_password_file(f)) {
        d.store.password = std::move(*password);
      }
    } else if (redis && !d.store.user.empty() && d.store.password.empty()) {
      r_.error(n, "downgrade.store names a Redis user but no password: write USER:PASSWORD@ or set "
                  "downgrade.password_file");
    }
  }

  // The password in the file `f` names: its one line, without the newline. The
  // file is a secret, readable by its owner alone: the daemon user's (root's or
  // the loading user's when there is no other daemon user).
  std::optional<std::string> read_password_file(const YAML::Node& f) {
    auto written = r_.scalar(f, "downgrade.password_file");
    if (!written) return std::nullopt;
    if (written->empty()) {
      r_.error(f, "downgrade.password_file needs a path");
      return std::nullopt;
    }
    const std::string path = written->front() == '/' ? *written : directory_of(config_.path) + "/" + *written;
    std::string text;
    std::string err;
    try {
      err = util::read_file(path, text,
                            util::ReadOptions{.max_bytes = 4096, .owners = &secret_owners_, .secret = true});
    } catch (const std::exception& e) {
      err = e.what();
    }
    if (err.find("readable by") != std::string::npos) err += ": a password file must be readable by its owner alone";
    if (err.starts_with("is owned by") && secret_user_only_) {
      const std::string& user = config_.process.user;
      err = err.substr(0, err.find(',')) + ", not by " + user + ": the daemon reads it as " + user +
            " at every start and reload (chown " + user + " " + path + ")";
    }
    if (err.empty()) {
      if (text.ends_with('\n')) text.pop_back();
      if (text.ends_with('\r')) text.pop_back();
      if (text.empty()) err = "is empty";
      if (text.find('\n') != std::string::npos) err = "has more than one line (the password is the one line)";
    }
    if (!err.empty()) {
      r_.error(f, "cannot read downgrade.password_file " + path + ": " + err);
      return std::nullopt;
    }
    return text;
  }

  YamlReader r_;
  ListCompiler lists_;
  const FileOwners& owners_;
  std::vector<uid_t> secret_owners_;  // who may own downgrade.password_file
  bool secret_user_only_ = false;     // the daemon's user alone (another than root)
  Config config_;
  std::map<std::string, std::shared_ptr<const Requirement>> profiles_;
  std::shared_ptr<const tls::CipherCatalog> catalog_;
  bool catalog_tried_ = false;
};

}  // namespace

FileOwners FileOwners::of_process() { return FileOwners{{0, ::geteuid()}, {}}; }

LoadResult load_config_text(std::string_view text, const std::string& path, const FileOwners& owners) {
  LoadResult result;
  std::shared_ptr<Config> config;
  try {
    YamlReader reader(path, result.errors);
    if (auto root = load_yaml(text, reader)) {
      Loader loader(path, result.errors, owners);
      config = loader.load(*root);
    }
  } catch (const std::exception& e) {
    // yaml-cpp or an allocation failed in a way no check foresaw: still no crash,
    // and never a half-built configuration.
    result.errors.push_back(ConfigError{path, 0, 0, std::string("internal error while loading: ") + e.what()});
  }
  if (result.errors.empty() && config) {
    result.config = std::move(config);
  } else {
    // Report in reading order, as a postmaster reads the files.
    std::stable_sort(result.errors.begin(), result.errors.end(), [&](const ConfigError& a, const ConfigError& b) {
      // The configuration file first, then list files by name.
      return std::make_tuple(a.file != path, a.file, a.line, a.column) <
             std::make_tuple(b.file != path, b.file, b.line, b.column);
    });
  }
  return result;
}

LoadResult load_config_file(const std::string& path, const FileOwners& owners) {
  std::string text;
  std::string err;
  try {
    // A symbolic link is fine here (configuration tools make them); its target
    // must be a regular file that root or the loading user owns.
    err = util::read_file(path, text, util::ReadOptions{.follow_symlink = true, .owners = &owners.uids});
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (!err.empty()) {
    LoadResult result;
    result.errors.push_back(ConfigError{path, 0, 0, "cannot read the configuration file: " + err});
    return result;
  }
  return load_config_text(text, path, owners);
}

}  // namespace tlspolicyd::config
