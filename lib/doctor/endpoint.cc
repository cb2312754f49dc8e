// SPDX-License-Identifier: MIT
#include "doctor/endpoint.h"

#include <filesystem>

#include "util/text.h"

namespace tlspolicyd::doctor {
namespace {

using util::lower;

bool is_wildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }
bool is_v6(const std::string& address) { return address.find(':') != std::string::npos; }

// The addresses `host` stands for: what the caller resolved, else the text itself.
std::vector<std::string> addresses_of(const std::string& host, const Resolved& resolved) {
  auto it = resolved.find(host);
  if (it != resolved.end() && !it->second.empty()) return it->second;
  return {host};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Our inet listener `ours` and Postfix's host: the address they share, or empty.
std::string common_address(const config::ListenAddress& ours, const std::string& host, const Resolved& resolved) {
  const auto theirs = addresses_of(host, resolved);
  for (const std::string& mine : addresses_of(ours.host, resolved)) {
    for (const std::string& a : theirs) {
      if (a == mine || (is_wildcard(mine) && is_v6(a) == is_v6(mine))) return a;
    }
  }
  return "";
}

Target classify_unix(const PolicyEndpoint& ep, const Scope& scope, const std::vector<config::ListenAddress>& ours) {
  Target t;
  t.reached = reached_path(ep, scope);
  const config::ListenAddress* first_unix = nullptr;
  for (const auto& a : ours) {
    if (a.kind != config::ListenAddress::Kind::Unix) continue;
    if (first_unix == nullptr) first_unix = &a;
    if (normal_path(a.path) == t.reached) {
      t.reach = Reach::Ours;
      t.ours = &a;
      return t;
    }
  }
  const bool absolute = ep.path.starts_with('/');
  for (const auto& a : ours) {
    if (a.kind != config::ListenAddress::Kind::Unix || !absolute || normal_path(a.path) != normal_path(ep.path)) continue;
    // Our path, as written, but chrooted: Postfix looks for it inside the chroot.
    t.reach = Reach::Astray;
    t.ours = &a;
    t.note = "smtpd runs chrooted in " + scope.queue_directory + ", so it looks for " + ep.path +
             " inside the chroot, at " + t.reached;
    return t;
  }
  if (first_unix == nullptr || ep.path.find("tlspolicyd") == std::string::npos) return t;
  t.reach = Reach::Astray;
  t.ours = first_unix;
  if (!absolute) {
    t.note = "a relative path resolves from the queue directory " + scope.queue_directory + ": Postfix looks for " +
             t.reached + ", where tlspolicyd does not listen";
  } else {
    t.note = (scope.chrooted ? "smtpd runs chrooted in " + scope.queue_directory + ", so " : std::string()) +
             "Postfix looks for " + t.reached + ", where tlspolicyd does not listen";
    if (normal_path(ep.path) == "/run/tlspolicyd/policy.sock") t.note += " (" + ep.path + " was tlspolicyd 0.1.0's socket)";
  }
  return t;
}

Target classify_inet(const PolicyEndpoint& ep, const std::vector<config::ListenAddress>& ours, const Resolved& resolved) {
  Target t;
  const config::ListenAddress* same_port = nullptr;
  for (const auto& a : ours) {
    if (a.kind != config::ListenAddress::Kind::Inet || std::to_string(a.port) != ep.port) continue;
    if (same_port == nullptr) same_port = &a;
    if (lower(a.host) == lower(ep.host)) {
      t.reach = Reach::Ours;
      t.ours = &a;
      return t;
    }
    const std::string shared = common_address(a, ep.host, resolved);
    if (!shared.empty()) {
      t.reach = Reach::Ours;
      t.ours = &a;
      if (is_wildcard(a.host)) {
        t.note = "tlspolicyd listens on every " + std::string(is_v6(a.host) ? "IPv6" : "IPv4") + " address";
      } else {
        t.note = ep.host + " resolves to " + join(addresses_of(ep.host, resolved));
      }
      return t;
    }
  }
  if (same_port == nullptr) return t;
  t.reach = Reach::Astray;
  t.ours = same_port;
  const auto addrs = addresses_of(ep.host, resolved);
  t.note = ep.host + (addrs.size() == 1 && addrs[0] == ep.host ? "" : " (" + join(addrs) + ")") +
           " is not an address tlspolicyd listens on";
  return t;
}

}  // namespace

std::string normal_path(std::string_view path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

PolicyEndpoint parse_endpoint(std::string_view text) {
  PolicyEndpoint ep;
  ep.text = std::string(text);
  for (std::string_view prefix : {"unix:", "local:"}) {
    if (text.starts_with(prefix) && text.size() > prefix.size()) {
      ep.kind = PolicyEndpoint::Kind::Unix;
      ep.path = std::string(text.substr(prefix.size()));
      return ep;
    }
  }
  if (!text.starts_with("inet:")) return ep;
  std::string_view rest = text.substr(5);
  std::size_t colon = std::string_view::npos;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return ep;
    ep.host = std::string(rest.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = rest.rfind(':');
    if (colon == std::string_view::npos) return ep;
    ep.host = std::string(rest.substr(0, colon));
  }
  ep.port = std::string(rest.substr(colon + 1));
  if (ep.host.empty() || ep.port.empty()) return ep;
  ep.kind = PolicyEndpoint::Kind::Inet;
  return ep;
}

std::string reached_path(const PolicyEndpoint& ep, const Scope& scope) {
  if (ep.kind != PolicyEndpoint::Kind::Unix) return "";
  if (!ep.path.starts_with('/')) return normal_path(scope.queue_directory + "/" + ep.path);
  if (scope.chrooted) return normal_path(scope.queue_directory + ep.path);
  return normal_path(ep.path);
}

Target classify(const PolicyEndpoint& endpoint, const Scope& scope, const std::vector<config::ListenAddress>& ours,
                const Resolved& resolved) {
  switch (endpoint.kind) {
    case PolicyEndpoint::Kind::Unix: return classify_unix(endpoint, scope, ours);
    case PolicyEndpoint::Kind::Inet: return classify_inet(endpoint, ours, resolved);
    case PolicyEndpoint::Kind::Other: break;
  }
  return Target{};
}

std::string postfix_name(const config::ListenAddress& ours, const Scope& scope) {
  if (ours.kind == config::ListenAddress::Kind::Inet) {
    if (ours.host == "0.0.0.0") return "inet:127.0.0.1:" + std::to_string(ours.port);
    if (ours.host == "::") return "inet:[::1]:" + std::to_string(ours.port);
    return ours.to_string();
  }
  const std::string path = normal_path(ours.path);
  const std::string queue = normal_path(scope.queue_directory);
  if (path.starts_with(queue + "/")) return "unix:" + path.substr(queue.size() + 1);
  if (!scope.chrooted) return "unix:" + path;
  return "";
}

}  // namespace tlspolicyd::doctor
