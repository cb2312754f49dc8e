// SPDX-License-Identifier: MIT
// rebuilt_request: the policy request Postfix would have sent at one RCPT of a
// mail log (transactions.h), and which of its values the log does not carry.
//
// Set from the log: client address and name, sender, recipient, the queue id,
// SASL method and user, the TLS protocol, cipher and key size; from Postfix's
// configuration (services.h): the server port and policy_context; and an
// instance naming the transaction (host, session, queue id), as Postfix's names
// it once per message. Unknown, and absent from the request (never guessed): the
// server address, the reverse client name, a client certificate's subject and
// fingerprints, the HELO name except on reject lines, a SASL user the log does
// not name, the TLS of a session that began before the log or of one without a
// TLS line from a service that does not log handshakes (smtpd_tls_loglevel 0;
// without Postfix's configuration: one whose service has not logged a handshake
// yet), the port and context of a service the configuration does not tell apart.
//
// The request views the Rcpt's strings and its own: keep the Rcpt alive, and
// the RebuiltRequest where it was made (it cannot be copied or moved).
#pragma once

#include <cstdint>
#include <string>

#include "maillog/services.h"
#include "maillog/transactions.h"
#include "match/key_matcher.h"
#include "protocol/request.h"

namespace tlspolicyd::maillog {

// A set of match fields as bits.
[[nodiscard]] constexpr std::uint32_t field_bit(match::Field f) { return 1u << static_cast<unsigned>(f); }
static_assert(match::FieldCount <= 32);

inline constexpr std::uint32_t TlsFields = field_bit(match::Field::Tls) |
                                           field_bit(match::Field::EncryptionProtocol) |
                                           field_bit(match::Field::EncryptionCipher);
inline constexpr std::uint32_t CertFields = field_bit(match::Field::CcertSubject) |
                                            field_bit(match::Field::CcertFingerprint) |
                                            field_bit(match::Field::CcertPubkeyFingerprint);

class RebuiltRequest {
 public:
  RebuiltRequest(const Rcpt& rcpt, const ServiceFacts& facts);
  RebuiltRequest(const RebuiltRequest&) = delete;
  RebuiltRequest& operator=(const RebuiltRequest&) = delete;

  [[nodiscard]] const protocol::Request& request() const { return request_; }
  // The fields (field_bit) whose values the log does not carry for this RCPT.
  [[nodiscard]] std::uint32_t unknown() const { return unknown_; }

 private:
  std::string keysize_, port_, context_, instance_;
  protocol::Request request_;
  std::uint32_t unknown_ = 0;
};

}  // namespace tlspolicyd::maillog
