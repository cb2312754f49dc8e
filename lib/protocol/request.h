// SPDX-License-Identifier: MIT
// request: one Postfix policy request as a typed, read-only view.
//
// Values are string_views into memory the Request does not own (the parser's
// buffer, or the caller's strings): a Request is valid only as long as that memory.
// Attributes that were not sent read as empty. finalize() derives the protocol
// state and TLS version once per request; numbers are read when asked for, and the
// addresses once, on first use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "net/ip_address.h"
#include "protocol/attribute.h"
#include "tls/tls_version.h"
#include "util/text.h"

namespace tlspolicyd::protocol {

enum class ProtocolState : std::uint8_t {
  Unknown,  // empty or a value Postfix does not send
  Connect,
  Ehlo,
  Helo,
  Mail,
  Rcpt,
  Data,
  EndOfMessage,
  Vrfy,
  Etrn,
};

[[nodiscard]] ProtocolState parse_protocol_state(std::string_view value);

// The names of what a Request derives from its attributes (the accessors of the
// same names below), for the modules that let a configuration name them: match
// keys, template variables, history key parts.
inline constexpr std::string_view SenderDomainName = "sender_domain";
inline constexpr std::string_view RecipientDomainName = "recipient_domain";
inline constexpr std::string_view SaslName = "sasl";
inline constexpr std::string_view TlsName = "tls";

class Request {
 public:
  // Forgets every value (the views, not the memory behind them).
  void clear();

  // Sets one attribute; the last call for an attribute wins.
  void set(Attr attr, std::string_view value) { values_[index(attr)] = value; }

  // Derives the protocol state and TLS version. Call once after the last set().
  void finalize();

  [[nodiscard]] std::string_view get(Attr attr) const { return values_[index(attr)]; }

  [[nodiscard]] ProtocolState protocol_state() const { return state_; }
  [[nodiscard]] tls::TlsVersion tls_version() const { return tls_; }
  [[nodiscard]] bool tls() const { return tls_ != tls::TlsVersion::Plaintext; }
  // Numbers are read when asked for: most rule sets read few of them, if any.
  [[nodiscard]] std::uint32_t keysize() const;  // 0 when absent or invalid
  [[nodiscard]] std::optional<std::uint16_t> server_port() const;
  // Parsed on first use: most rule sets never look at an address.
  [[nodiscard]] const std::optional<net::IpAddress>& client_ip() const;
  [[nodiscard]] const std::optional<net::IpAddress>& server_ip() const;
  // SASL authenticated: sasl_method or sasl_username is not empty.
  [[nodiscard]] bool sasl() const { return !get(Attr::SaslMethod).empty() || !get(Attr::SaslUsername).empty(); }
  [[nodiscard]] std::string_view sender_domain() const { return util::address_domain(get(Attr::Sender)); }
  [[nodiscard]] std::string_view recipient_domain() const { return util::address_domain(get(Attr::Recipient)); }

 private:
  static std::size_t index(Attr attr) { return static_cast<std::size_t>(attr); }

  std::array<std::string_view, AttrCount> values_{};
  ProtocolState state_ = ProtocolState::Unknown;
  tls::TlsVersion tls_ = tls::TlsVersion::Plaintext;
  mutable std::optional<net::IpAddress> client_ip_;  // caches, filled by client_ip()/server_ip()
  mutable std::optional<net::IpAddress> server_ip_;
  mutable bool client_ip_parsed_ = false;
  mutable bool server_ip_parsed_ = false;
};

}  // namespace tlspolicyd::protocol
