// SPDX-License-Identifier: MIT
// postfix_event: what one of Postfix's log messages says about a mail
// transaction, for the lines that matter to a policy replay; every other line is
// EventKind::None.
//
//   smtpd   connect from NAME[ADDR]
//           Anonymous TLS connection established from NAME[ADDR]: TLSv1.3 with cipher C (256/256 bits)
//           QID: client=NAME[ADDR], sasl_method=PLAIN, sasl_username=U
//           NOQUEUE: reject: RCPT from NAME[ADDR]: 554 5.7.1 <R>: TEXT; from=<S> to=<R> proto=ESMTP helo=<H>
//           QID: reject: DATA from ... (the whole transaction)
//           SSL_accept error from NAME[ADDR]: ...
//           disconnect from NAME[ADDR] ehlo=1 auth=1 mail=1 rcpt=0/1 quit=1 commands=4/5
//   cleanup QID: milter-reject: END-OF-MESSAGE ... / QID: reject: header ... (the whole transaction)
//   qmgr    QID: from=<S>, size=N, nrcpt=N (queue active)     QID: removed
//   others  QID: to=<R>, orig_to=<O>, relay=..., status=sent (...)   (delivery agents)
//
// Limits: the log is not escaped, so an address holding the separators Postfix
// writes around it (a quoted local part with "; from=<" or ">, ") is cut there;
// values are taken from the right where Postfix writes client-chosen text (the
// HELO name, which has no spaces, ends a reject line). Views point into the message.
#pragma once

#include <cstdint>
#include <string_view>

namespace tlspolicyd::maillog {

enum class EventKind : std::uint8_t {
  None,
  Connect,        // smtpd: a session starts (peer)
  Tls,            // smtpd: the handshake succeeded (peer, protocol, cipher, keysize, client_cert)
  TlsFailed,      // smtpd: SSL_accept error (peer)
  Client,         // smtpd: a queue file for the transaction (queue_id, peer, sasl_*)
  RcptAction,     // smtpd: an access action at RCPT (queue_id or empty, verb, reply, sender, recipient, helo)
  Rejected,       // smtpd at DATA/END-OF-MESSAGE, or cleanup: the whole transaction refused (queue_id, reply)
  Disconnect,     // smtpd: the session ends (peer, auth_successes)
  QueueSender,    // qmgr: the transaction's sender (queue_id, sender)
  Delivery,       // a delivery agent: one recipient's fate (queue_id, recipient, status)
  Removed,        // qmgr: the queue file is gone (queue_id)
};

// What happened to a recipient, as a delivery agent's status= says.
enum class DeliveryStatus : std::uint8_t { Sent, Deferred, Bounced, Expired, Other };

struct PostfixEvent {
  EventKind kind = EventKind::None;
  std::string_view queue_id;  // empty for NOQUEUE
  std::string_view client_name, client_address;
  // Tls
  std::string_view protocol, cipher;
  std::uint32_t keysize = 0;
  bool client_cert = false;  // Trusted, Untrusted or Verified: the client sent a certificate
  // Client
  std::string_view sasl_method, sasl_username;
  // RcptAction, Rejected
  std::string_view verb;   // "reject", "warn", "hold", ... (RcptAction)
  std::string_view reply;  // "554 5.7.1 <r@example>: Recipient address rejected: ..."
  std::string_view helo;
  // RcptAction, QueueSender, Delivery
  std::string_view sender, recipient;  // recipient: orig_to when the delivery line has one
  DeliveryStatus status = DeliveryStatus::Other;
  // Disconnect
  int auth_successes = 0;
};

// `program`: the syslog program name ("postfix/smtpd"); only its last part counts.
[[nodiscard]] PostfixEvent parse_event(std::string_view program, std::string_view message);

}  // namespace tlspolicyd::maillog
