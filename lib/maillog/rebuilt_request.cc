// SPDX-License-Identifier: MIT
#include "maillog/rebuilt_request.h"

namespace tlspolicyd::maillog {

using match::Field;
using protocol::Attr;

RebuiltRequest::RebuiltRequest(const Rcpt& rcpt, const ServiceFacts& facts) {
  unknown_ = field_bit(Field::ServerAddress) | field_bit(Field::ReverseClientName);
  protocol::Request& r = request_;
  r.set(Attr::Request, "smtpd_access_policy");
  r.set(Attr::ProtocolState, "RCPT");
  r.set(Attr::ClientAddress, rcpt.client_address);
  r.set(Attr::ClientName, rcpt.client_name);
  r.set(Attr::Sender, rcpt.sender);
  r.set(Attr::Recipient, rcpt.recipient);
  r.set(Attr::QueueId, rcpt.queue_id);
  instance_ = rcpt.host + " " + std::to_string(rcpt.session) + " " + rcpt.queue_id;
  r.set(Attr::Instance, instance_);
  if (rcpt.helo_known) {
    r.set(Attr::HeloName, rcpt.helo);
  } else {
    unknown_ |= field_bit(Field::HeloName);
  }
  switch (rcpt.sasl) {
    case SaslState::None: break;
    case SaslState::User:
      r.set(Attr::SaslMethod, rcpt.sasl_method);
      r.set(Attr::SaslUsername, rcpt.sasl_username);
      break;
    case SaslState::UnknownUser:
      r.set(Attr::SaslMethod, "?");  // authenticated: `sasl: true` holds; who and how is unknown
      unknown_ |= field_bit(Field::SaslUsername) | field_bit(Field::SaslMethod);
      break;
  }
  // No TLS line: plaintext, if the service logs its handshakes.
  const bool plaintext_known = facts.tls_logged.value_or(rcpt.tls_lines);
  if (!rcpt.tls_known || (rcpt.protocol.empty() && !plaintext_known)) {
    unknown_ |= TlsFields | CertFields;
  } else {
    if (rcpt.keysize > 0) keysize_ = std::to_string(rcpt.keysize);
    r.set(Attr::EncryptionProtocol, rcpt.protocol);
    r.set(Attr::EncryptionCipher, rcpt.cipher);
    r.set(Attr::EncryptionKeysize, keysize_);
    if (rcpt.client_cert) unknown_ |= CertFields;
  }
  if (facts.port) {
    port_ = std::to_string(*facts.port);
    r.set(Attr::ServerPort, port_);
  } else {
    unknown_ |= field_bit(Field::ServerPort);
  }
  if (facts.policy_context) {
    context_ = *facts.policy_context;
    r.set(Attr::PolicyContext, context_);
  } else {
    unknown_ |= field_bit(Field::PolicyContext);
  }
  r.finalize();
}

}  // namespace tlspolicyd::maillog
