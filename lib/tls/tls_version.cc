// SPDX-License-Identifier: MIT
#include "tls/tls_version.h"

#include <algorithm>
#include <iterator>

namespace tlspolicyd::tls {

TlsVersion parse_wire_tls_version(std::string_view value) {
  if (value.empty()) return TlsVersion::Plaintext;
  if (value == "TLSv1.3") return TlsVersion::TLSv1_3;
  if (value == "TLSv1.2") return TlsVersion::TLSv1_2;
  if (value == "TLSv1.1") return TlsVersion::TLSv1_1;
  if (value == "TLSv1") return TlsVersion::TLSv1;
  if (value == "SSLv3") return TlsVersion::SSLv3;
  if (value == "SSLv2") return TlsVersion::SSLv2;
  return TlsVersion::Unknown;
}

std::string_view to_string(TlsVersion v) {
  switch (v) {
    case TlsVersion::Plaintext: return "none";
    case TlsVersion::Unknown: return "unknown";
    case TlsVersion::SSLv2: return "SSLv2";
    case TlsVersion::SSLv3: return "SSLv3";
    case TlsVersion::TLSv1: return "TLSv1";
    case TlsVersion::TLSv1_1: return "TLSv1.1";
    case TlsVersion::TLSv1_2: return "TLSv1.2";
    case TlsVersion::TLSv1_3: return "TLSv1.3";
  }
  return "unknown";
}

std::optional<TlsVersion> parse_config_tls_version(std::string_view name) {
  if (name == "TLSv1.0") return TlsVersion::TLSv1;
  TlsVersion v = parse_wire_tls_version(name);
  if (v == TlsVersion::Plaintext || v == TlsVersion::Unknown) return std::nullopt;
  return v;
}

std::variant<TlsVersion, std::string> parse_protocol_floor(std::string_view text) {
  static constexpr TlsVersion Order[] = {TlsVersion::SSLv2,   TlsVersion::SSLv3,   TlsVersion::TLSv1,
                                         TlsVersion::TLSv1_1, TlsVersion::TLSv1_2, TlsVersion::TLSv1_3};
  int floor = -1;
  bool any = false;
  std::string item;
  auto take = [&](std::string_view word) -> std::string {
    if (word.empty()) return {};
    any = true;
    std::string_view name = word;
    bool excluded = false;
    if (name.starts_with("<=") || name.starts_with('<')) {
      return "\"" + std::string(word) + "\" is an upper bound; min_protocol takes a floor (e.g. >=TLSv1.2)";
    }
    if (name.starts_with(">=")) {
      name.remove_prefix(2);
    } else if (name.starts_with('!')) {
      name.remove_prefix(1);
      excluded = true;
    }
    auto v = parse_config_tls_version(name);
    if (!v) return "\"" + std::string(word) + "\" is not a protocol (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)";
    const int rank = *tls_rank(*v);
    floor = std::max(floor, excluded ? rank + 1 : rank);
    return {};
  };
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == ',' || c == ':') {
      if (std::string err = take(item); !err.empty()) return err;
      item.clear();
    } else {
      item.push_back(c);
    }
  }
  if (std::string err = take(item); !err.empty()) return err;
  if (!any) return std::string("min_protocol must name a protocol");
  if (floor >= static_cast<int>(std::size(Order))) return "\"" + std::string(text) + "\" excludes every protocol";
  return Order[floor];
}

}  // namespace tlspolicyd::tls
