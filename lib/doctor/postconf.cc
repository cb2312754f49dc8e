// SPDX-License-Identifier: MIT
#include "doctor/postconf.h"

namespace tlspolicyd::doctor {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Whitespace (and, for lists, comma) separated tokens; "{ ... }" is one token.
std::vector<std::string> tokens(std::string_view text, bool commas) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    const bool sep = c == ' ' || c == '\t' || c == '\n' || c == '\r' || (commas && c == ',');
    if (depth == 0 && sep) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    cur.push_back(c);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void expand(std::string_view value, const std::map<std::string, std::string>& params, int depth,
            const std::string& origin, std::vector<ListItem>& out) {
  for (std::string& item : tokens(value, true)) {
    if (item.size() > 1 && item[0] == '$' && depth < 20) {
      std::string name = item.substr(1);
      if (name.size() > 2 && name.front() == '{' && name.back() == '}') name = name.substr(1, name.size() - 2);
      auto it = params.find(name);
      if (it != params.end()) {
        expand(it->second, params, depth + 1, name, out);
        continue;
      }
    }
    out.push_back(ListItem{std::move(item), origin});
  }
}

// The major number of a compatibility_level ("3.6" -> 3); nullopt when it is not a number.
std::optional<int> major_level(std::string_view level) {
  int n = 0;
  bool digits = false;
  for (char c : level) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    digits = true;
  }
  if (!digits) return std::nullopt;
  return n;
}

}  // namespace

std::optional<std::string> PostfixConfig::get(const std::string& name, const Service* service) const {
  if (service != nullptr) {
    auto it = service->overrides.find(name);
    if (it != service->overrides.end()) return it->second;
  }
  auto it = main.find(name);
  if (it != main.end()) return it->second;
  return std::nullopt;
}

std::map<std::string, std::string> PostfixConfig::params(const Service* service) const {
  std::map<std::string, std::string> out = main;
  if (service != nullptr) {
    for (const auto& [name, value] : service->overrides) out[name] = value;
  }
  return out;
}

bool PostfixConfig::chrooted(const Service& service) const {
  if (service.chroot == "y") return true;
  if (service.chroot == "n") return false;
  // "-": Postfix >= 3.0 keeps the old default (y) below compatibility_level 1.
  auto level = major_level(get("compatibility_level").value_or("0"));
  return level.has_value() && *level < 1;
}

bool PostfixConfig::disabled(const Service& service) const {
  auto value = get("master_service_disable");
  if (!value) return false;
  for (const std::string& item : split_list(*value)) {
    if (item == service.type || item == service.name + "/" + service.type || item == service.name + "." + service.type) {
      return true;
    }
  }
  return false;
}

std::map<std::string, std::string> parse_main(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || trim(line).starts_with('#')) continue;
    out[std::string(trim(line.substr(0, eq)))] = std::string(trim(line.substr(eq + 1)));
  }
  return out;
}

std::vector<Service> parse_master(std::string_view text) {
  std::vector<Service> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line.starts_with('#')) continue;
    auto t = tokens(line, false);
    if (t.size() < 8) continue;
    Service s;
    s.name = t[0];
    s.type = t[1];
    s.chroot = t[4];
    s.command = t[7];
    for (std::size_t i = 8; i + 1 < t.size(); ++i) {
      if (t[i] != "-o") continue;
      std::string setting = t[++i];
      if (setting.size() >= 2 && setting.front() == '{' && setting.back() == '}') {
        setting = std::string(trim(std::string_view(setting).substr(1, setting.size() - 2)));
      }
      auto eq = setting.find('=');
      if (eq == std::string::npos) continue;
      s.overrides[std::string(trim(std::string_view(setting).substr(0, eq)))] =
          std::string(trim(std::string_view(setting).substr(eq + 1)));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> split_list(std::string_view value, const std::map<std::string, std::string>& params) {
  std::vector<std::string> out;
  for (ListItem& item : split_list_traced(value, params, "")) out.push_back(std::move(item.text));
  return out;
}

std::vector<ListItem> split_list_traced(std::string_view value, const std::map<std::string, std::string>& params,
                                        const std::string& origin) {
  std::vector<ListItem> out;
  expand(value, params, 0, origin, out);
  return out;
}

}  // namespace tlspolicyd::doctor
