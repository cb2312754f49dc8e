// SPDX-License-Identifier: MIT
#include "tls/cipher_policy.h"

#include <array>

namespace tlspolicyd::tls {
namespace {

// Postfix 3.8+ defaults of tls_high_cipherlist, tls_medium_cipherlist and
// tls_null_cipherlist (docs/postfix-policy-protocol.md, section 4.2).
constexpr const char* HighList = "aNULL:-aNULL:HIGH:!SEED:!IDEA:!3DES:!RC2:!RC4:!RC5:!kDH:!kECDH:!aDSS:!MD5:@STRENGTH";
constexpr const char* MediumList =
    "aNULL:-aNULL:HIGH:MEDIUM:!SEED:!IDEA:!3DES:!RC2:!RC4:!RC5:!kDH:!kECDH:!aDSS:!MD5:+RC4:@STRENGTH";
constexpr const char* NullList = "eNULL:!kDH:!kECDH:!aDSS:!MD5:!aNULL";

struct NamedSet {
  std::string_view name;
  std::vector<std::string_view> ciphers;
};

// docs/cipher-sets.md
const std::array<NamedSet, 3>& named_sets() {
  static const std::array<NamedSet, 3> sets = {{
      {"mozilla-modern", {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}},
      {"mozilla-intermediate",
       {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305"}},
      {"nist-800-52r2",
       {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_AES_128_CCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-CCM",
        "ECDHE-ECDSA-AES256-CCM", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256",
        "ECDHE-RSA-AES256-SHA384", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-CCM",
        "DHE-RSA-AES256-CCM", "DHE-RSA-AES128-SHA256", "DHE-RSA-AES256-SHA256"}},
  }};
  return sets;
}

// Postfix separates list items by whitespace, commas and colons.
std::vector<std::string> split_items(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == ':') {
      if (!item.empty()) out.push_back(std::move(item));
      item.clear();
    } else {
      item.push_back(c);
    }
  }
  if (!item.empty()) out.push_back(std::move(item));
  return out;
}

bool looks_tls13(std::string_view item) { return item.starts_with("TLS_"); }

}  // namespace

const char* postfix_grade_cipherlist(std::string_view grade) {
  if (grade == "high") return HighList;
  if (grade == "medium" || grade == "low" || grade == "export") return MediumList;
  if (grade == "null") return NullList;
  return nullptr;
}

std::variant<CipherPolicy, std::string> CipherPolicy::parse(const std::string& spec, const CipherCatalog& catalog) {
  CipherPolicy p;
  p.label_ = spec;
  if (const char* list = postfix_grade_cipherlist(spec)) {
    // A grade may select nothing on some OpenSSL builds (e.g. "null"): then only
    // TLS 1.3 passes, as in Postfix.
    p.mask_ = catalog.expand(list).value_or(CipherMask(catalog.size()));
    return p;
  }
  for (const auto& set : named_sets()) {
    if (set.name != spec) continue;
    p.mask_ = CipherMask(catalog.size());
    p.tls13_constrained_ = true;
    for (std::string_view name : set.ciphers) {
      if (const CipherInfo* info = catalog.find(name)) p.mask_.set(info->index);
    }
    return p;
  }
  // An OpenSSL cipher string; TLS 1.3 suite names in it constrain TLS 1.3.
  p.mask_ = CipherMask(catalog.size());
  std::string tls12;
  for (const std::string& item : split_items(spec)) {
    if (!looks_tls13(item)) {
      tls12 += (tls12.empty() ? "" : ":") + item;
      continue;
    }
    const CipherInfo* info = catalog.find(item);
    if (info == nullptr || !info->tls13) return "\"" + item + "\" is not a TLS 1.3 suite known to " + catalog.openssl_version();
    p.mask_.set(info->index);
    p.tls13_constrained_ = true;
  }
  if (!tls12.empty()) {
    auto mask = catalog.expand(tls12);
    if (!mask) {
      return "OpenSSL selects no cipher for \"" + tls12 +
             "\" (expected high, medium, \"null\", mozilla-modern, mozilla-intermediate, nist-800-52r2 or an OpenSSL "
             "cipher string)";
    }
    for (std::uint16_t i = 0; i < catalog.size(); ++i) {
      if (mask->test(i)) p.mask_.set(i);
    }
  }
  if (spec.empty() || (tls12.empty() && !p.tls13_constrained_)) return std::string("ciphers must not be empty");
  return p;
}

std::variant<CipherExclusion, std::string> CipherExclusion::parse(const std::vector<std::string>& written,
                                                                  const CipherCatalog& catalog) {
  CipherExclusion e;
  for (const std::string& text : written) {
    for (std::string& item : split_items(text)) {
      if (item.front() == '!' || item.front() == '+' || item.front() == '-' || item.front() == '@') {
        return "exclusion item \"" + item + "\" must not start with '!', '+', '-' or '@'";
      }
      CipherMask mask(catalog.size());
      if (looks_tls13(item)) {
        const CipherInfo* info = catalog.find(item);
        if (info == nullptr || !info->tls13) {
          return "\"" + item + "\" is not a TLS 1.3 suite known to " + catalog.openssl_version();
        }
        mask.set(info->index);
      } else if (auto expanded = catalog.expand(item)) {
        mask = std::move(*expanded);
      }
      // An item OpenSSL selects nothing for (3DES, RC4 in OpenSSL 3) excludes nothing.
      e.items_.push_back(std::move(item));
      e.masks_.push_back(std::move(mask));
    }
  }
  if (e.items_.empty()) return std::string("exclude_ciphers must name at least one item");
  return e;
}

const std::string* CipherExclusion::excluded_by(const CipherInfo& cipher) const {
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (masks_[i].test(cipher.index)) return &items_[i];
  }
  return nullptr;
}

}  // namespace tlspolicyd::tls
