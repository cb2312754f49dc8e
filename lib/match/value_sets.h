// SPDX-License-Identifier: MIT
// value_sets: the typed sets that match keys test request values against.
//
// Each set parses list entries of one form (add() returns an error message, or
// empty when the entry is fine) and answers contains() for a request value that the
// caller has normalised the same way (addresses, domains and host names:
// util/domain.h, in which a U-label and its A-label are one name, and a /regex/
// sees the A-label); a set with /regex/ entries answers a Found (Error when an
// engine error leaves the answer open), the others a bool. Lookups cost the same for ten entries and for a million: hash sets, one
// probe per domain label or prefix length; only /regex/ entries are tried one by
// one.
//
//   AddressSet   user@dom, user@, @dom, @.dom (subdomains only), <>, /regex/
//   DomainSet    dom, .dom (subdomains only), /regex/       (domains and host names)
//   NetworkSet   IPv4/IPv6 address or CIDR network
//   TextSet      exact string, /regex/ (case-sensitive unless made caseless)
//   PortSet      port numbers
//   FingerprintSet  hex digests, compared without ':' and case
//   ProtocolSet  TLSv1.2, >=TLSv1.2, <TLSv1.2, <=, >, =, none
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match/ip_set.h"
#include "match/regex.h"
#include "match/string_set.h"
#include "net/ip_address.h"
#include "tls/tls_version.h"
#include "util/domain.h"
#include "util/text.h"

namespace tlspolicyd::match {

// A certificate digest as compared: upper case hex without ':'; nullopt if not hex.
[[nodiscard]] std::optional<std::string> normalize_fingerprint(std::string_view s);
// Postfix's xtext decoding of ccert_subject/ccert_issuer ("+20" is a space).
[[nodiscard]] std::string xtext_decode(std::string_view s);

class AddressSet {
 public:
  using Value = std::string;  // util::normalize_address(); "" for the null sender
  std::string add(std::string_view entry);
  [[nodiscard]] Found contains(const Value& address) const;

 private:
  StringSet exact_, local_, domain_, suffix_;
  std::vector<Regex> regexes_;
  bool null_ = false;
};

class DomainSet {
 public:
  using Value = std::string;  // util::normalize_domain()
  std::string add(std::string_view entry);
  [[nodiscard]] Found contains(const Value& domain) const;
  [[nodiscard]] std::size_t size() const { return exact_.size() + suffix_.size() + regexes_.size(); }

 private:
  StringSet exact_, suffix_;  // suffix_ holds "example.com" for ".example.com"
  std::vector<Regex> regexes_;
};

// True when `domain` equals an entry of `exact` or is a subdomain of one in `suffix`.
[[nodiscard]] bool domain_in(std::string_view domain, const StringSet& exact, const StringSet& suffix);

class NetworkSet {
 public:
  using Value = std::optional<net::IpAddress>;
  std::string add(std::string_view entry);
  [[nodiscard]] bool contains(const Value& address) const { return address && set_.contains(*address); }
  [[nodiscard]] std::size_t size() const { return set_.size(); }

 private:
  IpSet set_;
};

template <bool Caseless>
class TextSet {
 public:
  using Value = std::string;  // lower case already when Caseless
  std::string add(std::string_view entry);
  [[nodiscard]] Found contains(const Value& value) const;

 private:
  StringSet exact_;
  std::vector<Regex> regexes_;
};

class PortSet {
 public:
  using Value = std::optional<std::uint16_t>;
  std::string add(std::string_view entry);
  [[nodiscard]] bool contains(const Value& port) const { return port && ports_.test(*port); }

 private:
  std::bitset<65536> ports_;
};

class FingerprintSet {
 public:
  using Value = std::optional<std::string>;  // normalize_fingerprint()
  std::string add(std::string_view entry);
  [[nodiscard]] bool contains(const Value& fp) const { return fp && set_.contains(*fp); }

 private:
  StringSet set_;
};

class ProtocolSet {
 public:
  using Value = tls::TlsVersion;
  std::string add(std::string_view entry);
  [[nodiscard]] bool contains(Value version) const;

 private:
  enum class Op : std::uint8_t { Lt, Le, Eq, Ge, Gt };
  struct Comparison {
    Op op;
    int rank;
  };
  std::vector<Comparison> comparisons_;
  bool none_ = false;
};

}  // namespace tlspolicyd::match
