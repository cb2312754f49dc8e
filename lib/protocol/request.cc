// SPDX-License-Identifier: MIT
#include "protocol/request.h"

#include <charconv>

namespace tlspolicyd::protocol {
namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

ProtocolState parse_protocol_state(std::string_view value) {
  if (value == "RCPT") return ProtocolState::Rcpt;
  if (value == "MAIL") return ProtocolState::Mail;
  if (value == "DATA") return ProtocolState::Data;
  if (value == "END-OF-MESSAGE") return ProtocolState::EndOfMessage;
  if (value == "CONNECT") return ProtocolState::Connect;
  if (value == "EHLO") return ProtocolState::Ehlo;
  if (value == "HELO") return ProtocolState::Helo;
  if (value == "VRFY") return ProtocolState::Vrfy;
  if (value == "ETRN") return ProtocolState::Etrn;
  return ProtocolState::Unknown;
}

void Request::clear() { *this = Request{}; }

void Request::finalize() {
  state_ = parse_protocol_state(get(Attr::ProtocolState));
  tls_ = tls::parse_wire_tls_version(get(Attr::EncryptionProtocol));
  client_ip_parsed_ = server_ip_parsed_ = false;
}

std::uint32_t Request::keysize() const {
  return parse_number<std::uint32_t>(get(Attr::EncryptionKeysize)).value_or(0);
}

std::optional<std::uint16_t> Request::server_port() const { return parse_number<std::uint16_t>(get(Attr::ServerPort)); }

const std::optional<net::IpAddress>& Request::client_ip() const {
  if (!client_ip_parsed_) {
    client_ip_ = net::parse_ip(get(Attr::ClientAddress));
    client_ip_parsed_ = true;
  }
  return client_ip_;
}

const std::optional<net::IpAddress>& Request::server_ip() const {
  if (!server_ip_parsed_) {
    server_ip_ = net::parse_ip(get(Attr::ServerAddress));
    server_ip_parsed_ = true;
  }
  return server_ip_;
}

}  // namespace tlspolicyd::protocol
