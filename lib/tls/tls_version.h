// SPDX-License-Identifier: MIT
// tls_version: the TLS protocol versions Postfix reports, as an ordered value.
//
// Postfix sends OpenSSL's SSL_get_version() spelling in encryption_protocol:
// "SSLv3", "TLSv1" (1.0), "TLSv1.1", "TLSv1.2", "TLSv1.3", or nothing for a
// plaintext session. Anything else is Unknown. Plaintext and Unknown have no rank:
// they never compare, so they can never satisfy a protocol floor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tlspolicyd::tls {

enum class TlsVersion : std::uint8_t {
  Plaintext,  // encryption_protocol empty: no TLS
  Unknown,    // a spelling this daemon does not know
  SSLv2,
  SSLv3,
  TLSv1,
  TLSv1_1,
  TLSv1_2,
  TLSv1_3,
};

// The version for a wire value of encryption_protocol (exact OpenSSL spelling).
[[nodiscard]] TlsVersion parse_wire_tls_version(std::string_view value);

// Position in the order SSLv2 < SSLv3 < TLSv1 < TLSv1.1 < TLSv1.2 < TLSv1.3;
// nullopt for Plaintext and Unknown. (Inline: every protocol floor asks, on every
// answer; the enumerators are in that order.)
[[nodiscard]] constexpr std::optional<int> tls_rank(TlsVersion v) {
  if (v == TlsVersion::Plaintext || v == TlsVersion::Unknown || v > TlsVersion::TLSv1_3) return std::nullopt;
  return static_cast<int>(v) - static_cast<int>(TlsVersion::SSLv2);
}

// OpenSSL's spelling ("TLSv1.2"), "none" for Plaintext, "unknown" for Unknown.
[[nodiscard]] std::string_view to_string(TlsVersion v);

// A version as written in a configuration: OpenSSL's spelling, or TLSv1.0.
[[nodiscard]] std::optional<TlsVersion> parse_config_tls_version(std::string_view name);

// The lowest acceptable version for `min_protocol`: a version ("TLSv1.2"),
// Postfix's bound (">=TLSv1.2"), or a Postfix exclusion list ("!TLSv1, !TLSv1.1"),
// read as a floor just above the newest excluded version. An upper bound ("<=") is
// an error; so is a floor that no version meets. Returns the floor or an error.
[[nodiscard]] std::variant<TlsVersion, std::string> parse_protocol_floor(std::string_view text);

}  // namespace tlspolicyd::tls
