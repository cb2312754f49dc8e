// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "fixtures.h"
#include "protocol/owned_request.h"
#include "protocol/request_parser.h"

using namespace tlspolicyd::protocol;
using tlspolicyd::tls::TlsVersion;

namespace {

// Parses the first request of a fixture; the parser is kept alive by the caller.
Request first_request(RequestParser& parser, const std::string& name) {
  parser.append(tlspolicyd::test::fixture(name));
  Request r;
  REQUIRE(parser.next(r) == ParseStatus::Complete);
  return r;
}

}  // namespace

TEST_CASE("request derives the typed view of a plaintext request") {
  RequestParser p;
  Request r = first_request(p, "postfix-3.7/a_plain.req");
  CHECK(r.protocol_state() == ProtocolState::Rcpt);
  CHECK(r.tls_version() == TlsVersion::Plaintext);
  CHECK_FALSE(r.tls());
  CHECK(r.keysize() == 0);
  CHECK(r.server_port() == 2525);
  CHECK(r.get(Attr::ClientPort) == "49598");
  REQUIRE(r.client_ip().has_value());
  CHECK(tlspolicyd::net::to_string(*r.client_ip()) == "127.0.0.1");
  CHECK_FALSE(r.sasl());
  CHECK(r.sender_domain() == "example.org");
  CHECK(r.recipient_domain() == "example.test");
}

TEST_CASE("request derives TLS, SASL and IPv6 fields") {
  RequestParser p1, p2, p3;
  Request tls = first_request(p1, "postfix-3.7/g_auth_plain_tls.req");
  CHECK(tls.tls_version() == TlsVersion::TLSv1_3);
  CHECK(tls.tls());
  CHECK(tls.keysize() == 256);
  CHECK(tls.sasl());

  Request old = first_request(p2, "postfix-3.7/d1_tls10.req");
  CHECK(old.tls_version() == TlsVersion::TLSv1);

  Request v6 = first_request(p3, "postfix-3.7/j3_ipv6_tls.req");
  REQUIRE(v6.client_ip().has_value());
  CHECK(v6.client_ip()->v6);
  CHECK(tlspolicyd::net::to_string(*v6.client_ip()) == "::1");
}

TEST_CASE("request reads every protocol state Postfix sends") {
  CHECK(parse_protocol_state("CONNECT") == ProtocolState::Connect);
  CHECK(parse_protocol_state("EHLO") == ProtocolState::Ehlo);
  CHECK(parse_protocol_state("HELO") == ProtocolState::Helo);
  CHECK(parse_protocol_state("MAIL") == ProtocolState::Mail);
  CHECK(parse_protocol_state("RCPT") == ProtocolState::Rcpt);
  CHECK(parse_protocol_state("DATA") == ProtocolState::Data);
  CHECK(parse_protocol_state("END-OF-MESSAGE") == ProtocolState::EndOfMessage);
  CHECK(parse_protocol_state("VRFY") == ProtocolState::Vrfy);
  CHECK(parse_protocol_state("ETRN") == ProtocolState::Etrn);
  CHECK(parse_protocol_state("rcpt") == ProtocolState::Unknown);
  CHECK(parse_protocol_state("") == ProtocolState::Unknown);
}

TEST_CASE("request treats absent and invalid numbers as absent") {
  Request r;
  r.set(Attr::EncryptionKeysize, "abc");
  r.set(Attr::ServerPort, "70000");
  r.set(Attr::ClientPort, "");
  r.set(Attr::ClientAddress, "not-an-ip");
  r.finalize();
  CHECK(r.keysize() == 0);
  CHECK_FALSE(r.server_port().has_value());
  CHECK_FALSE(r.client_ip().has_value());
  CHECK(r.tls_version() == TlsVersion::Plaintext);
}

TEST_CASE("request takes the domain after the last '@'") {
  Request r;
  r.set(Attr::Sender, "\"a@b\"@example.org");
  r.set(Attr::Recipient, "postmaster");
  r.finalize();
  CHECK(r.sender_domain() == "example.org");
  CHECK(r.recipient_domain() == "");
}

TEST_CASE("request SASL presence needs a method or a user name") {
  Request r;
  r.finalize();
  CHECK_FALSE(r.sasl());
  r.set(Attr::SaslMethod, "PLAIN");
  CHECK(r.sasl());
  Request u;
  u.set(Attr::SaslUsername, "alice");
  CHECK(u.sasl());
  Request s;
  s.set(Attr::SaslSender, "x");  // AUTH= on MAIL FROM is not authentication
  CHECK_FALSE(s.sasl());
}

TEST_CASE("owned request: a copy that outlives the bytes it was parsed from") {
  OwnedRequest owned;
  {
    std::string sender = "a@example.org", tls = "TLSv1.3", state = "RCPT";
    Request r;
    r.set(Attr::Sender, sender);
    r.set(Attr::EncryptionProtocol, tls);
    r.set(Attr::ProtocolState, state);
    r.finalize();
    owned.assign(r);
    sender.assign(sender.size(), 'x');  // the original's bytes change and go
    tls.assign(tls.size(), 'x');
  }
  const Request& copy = owned.request();
  CHECK(copy.get(Attr::Sender) == "a@example.org");
  CHECK(copy.sender_domain() == "example.org");
  CHECK(copy.tls_version() == TlsVersion::TLSv1_3);
  CHECK(copy.protocol_state() == ProtocolState::Rcpt);
  CHECK(copy.get(Attr::Recipient).empty());
  Request other;  // assigned again: the first copy's values go
  other.finalize();
  owned.assign(other);
  CHECK(owned.request().get(Attr::Sender).empty());
  CHECK_FALSE(owned.request().tls());
}
