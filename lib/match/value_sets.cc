// SPDX-License-Identifier: MIT
#include "match/value_sets.h"

#include <algorithm>
#include <charconv>

namespace tlspolicyd::match {
namespace {

using util::lower;

bool has_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// Adds a /regex/ entry; returns an error or empty.
std::string add_regex(std::string_view inner, bool caseless, std::vector<Regex>& out) {
  if (inner.empty()) return "an empty /regex/ would match everything; leave the key out instead";
  auto r = Regex::compile(inner, caseless);
  if (auto* err = std::get_if<std::string>(&r)) return *err;
  out.push_back(std::move(std::get<Regex>(r)));
  return {};
}

// Yes at the first pattern that matches; else the first engine error, else No.
Found any_search(const std::vector<Regex>& regexes, std::string_view value) {
  Found out;
  for (const Regex& r : regexes) {
    out = any_of(out, r.search(value));
    if (out.yes()) break;
  }
  return out;
}

// Checks a configured domain, `d` of `entry`, and sets `out` to its compared form
// (util::domain_entry); returns an error or empty.
std::string check_domain(std::string_view d, std::string_view entry, std::string& out) {
  auto [name, idna_error] = util::domain_entry(d);
  if (!idna_error.empty()) return util::quoted(entry) + " " + idna_error;
  out = std::move(name);
  d = out;
  if (d.empty() || d == ".") return util::quoted(entry) + " has no domain";
  if (d.find('@') != std::string_view::npos) {
    return util::quoted(entry) + " is an address; this key takes domains (dom, .dom or /regex/)";
  }
  if (has_space(d) || d.find('/') != std::string_view::npos) {
    return util::quoted(entry) + " is not a domain name";
  }
  return {};
}

}  // namespace

std::optional<std::string> normalize_fingerprint(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ':') continue;
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return std::nullopt;
    out.push_back(c);
  }
  if (out.empty() || out.size() % 2 != 0) return std::nullopt;
  return out;
}

std::string xtext_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) << 4 | hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool domain_in(std::string_view domain, const StringSet& exact, const StringSet& suffix) {
  if (exact.contains(domain)) return true;
  if (suffix.empty()) return false;
  for (std::size_t dot = domain.find('.'); dot != std::string_view::npos; dot = domain.find('.', dot + 1)) {
    if (suffix.contains(domain.substr(dot + 1))) return true;
  }
  return false;
}

// ---- AddressSet

std::string AddressSet::add(std::string_view entry) {
  std::string_view inner;
  if (is_regex_entry(entry, inner)) return add_regex(inner, true, regexes_);
  if (entry == "<>") {
    null_ = true;
    return {};
  }
  const auto at = entry.rfind('@');
  if (at == std::string_view::npos) {
    return util::quoted(entry) +
           " is not an address form (user@dom, user@, @dom, @.dom, <> or /regex/); for a domain use the _domain key";
  }
  if (at == 0) {
    std::string_view dom = entry.substr(1);
    const bool sub = dom.starts_with('.');
    if (sub) dom.remove_prefix(1);
    std::string name;
    if (std::string err = check_domain(dom, entry, name); !err.empty()) return err;
    (sub ? suffix_ : domain_).insert(name);
    return {};
  }
  if (at + 1 == entry.size()) {
    local_.insert(lower(entry.substr(0, at)));
    return {};
  }
  std::string name;
  if (std::string err = check_domain(entry.substr(at + 1), entry, name); !err.empty()) return err;
  exact_.insert(lower(entry.substr(0, at + 1)) + name);
  return {};
}

Found AddressSet::contains(const Value& address) const {
  if (address.empty()) return null_ ? Found::of(true) : any_search(regexes_, address);
  if (exact_.contains(address)) return Found::of(true);
  const auto at = address.rfind('@');
  std::string_view local = at == std::string::npos ? std::string_view(address) : std::string_view(address).substr(0, at);
  if (local_.contains(local)) return Found::of(true);
  if (at != std::string::npos) {
    std::string_view dom = std::string_view(address).substr(at + 1);
    if (!dom.empty() && dom.back() == '.') dom.remove_suffix(1);
    if (domain_in(dom, domain_, suffix_)) return Found::of(true);
  }
  return any_search(regexes_, address);
}

// ---- DomainSet

std::string DomainSet::add(std::string_view entry) {
  std::string_view inner;
  if (is_regex_entry(entry, inner)) return add_regex(inner, true, regexes_);
  std::string_view dom = entry;
  const bool sub = dom.starts_with('.');
  if (sub) dom.remove_prefix(1);
  std::string name;
  if (std::string err = check_domain(dom, entry, name); !err.empty()) return err;
  (sub ? suffix_ : exact_).insert(name);
  return {};
}

Found DomainSet::contains(const Value& domain) const {
  return domain_in(domain, exact_, suffix_) ? Found::of(true) : any_search(regexes_, domain);
}

// ---- NetworkSet

std::string NetworkSet::add(std::string_view entry) {
  auto [network, err] = parse_network(entry);
  if (!err.empty()) return err;
  set_.insert(network);
  return {};
}

// ---- TextSet

template <bool Caseless>
std::string TextSet<Caseless>::add(std::string_view entry) {
  std::string_view inner;
  if (is_regex_entry(entry, inner)) return add_regex(inner, Caseless, regexes_);
  exact_.insert(Caseless ? lower(entry) : std::string(entry));
  return {};
}

template <bool Caseless>
Found TextSet<Caseless>::contains(const Value& value) const {
  return exact_.contains(value) ? Found::of(true) : any_search(regexes_, value);
}

template class TextSet<true>;
template class TextSet<false>;

// ---- PortSet

std::string PortSet::add(std::string_view entry) {
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), v);
  if (entry.empty() || ec != std::errc{} || ptr != entry.data() + entry.size() || v == 0 || v > 65535) {
    return util::quoted(entry) + " is not a port number (1 to 65535)";
  }
  ports_.set(v);
  return {};
}

// ---- FingerprintSet

std::string FingerprintSet::add(std::string_view entry) {
  auto fp = normalize_fingerprint(entry);
  if (!fp) return util::quoted(entry) + " is not a hex fingerprint (AB:CD:... or ABCD...)";
  set_.insert(*fp);
  return {};
}

// ---- ProtocolSet

std::string ProtocolSet::add(std::string_view entry) {
  if (entry == "none") {
    none_ = true;
    return {};
  }
  static constexpr std::pair<std::string_view, Op> Ops[] = {
      {">=", Op::Ge}, {"<=", Op::Le}, {">", Op::Gt}, {"<", Op::Lt}, {"=", Op::Eq}};
  Op op = Op::Eq;
  std::string_view name = entry;
  for (const auto& [text, o] : Ops) {
    if (name.starts_with(text)) {
      op = o;
      name.remove_prefix(text.size());
      break;
    }
  }
  auto v = tls::parse_config_tls_version(name);
  if (!v) {
    return util::quoted(entry) +
           " is not a protocol (SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, optionally after <, <=, =, >=, >; or none)";
  }
  comparisons_.push_back(Comparison{op, *tls::tls_rank(*v)});
  return {};
}

bool ProtocolSet::contains(Value version) const {
  if (version == tls::TlsVersion::Plaintext) return none_;
  auto rank = tls::tls_rank(version);
  if (!rank) return false;  // an unknown protocol never compares
  return std::any_of(comparisons_.begin(), comparisons_.end(), [&](const Comparison& c) {
    switch (c.op) {
      case Op::Lt: return *rank < c.rank;
      case Op::Le: return *rank <= c.rank;
      case Op::Eq: return *rank == c.rank;
      case Op::Ge: return *rank >= c.rank;
      case Op::Gt: return *rank > c.rank;
    }
    return false;
  });
}

}  // namespace tlspolicyd::match
