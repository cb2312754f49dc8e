// SPDX-License-Identifier: MIT
// transactions: rebuilds, from Postfix's log lines in order, every RCPT that
// smtpd accepted or refused, with what the log says of its session (client, TLS,
// SASL, service) and what Postfix did with it.
//
// A session is an smtpd process's (host, pid) from "connect from" to "disconnect
// from"; a transaction is a queue file, keyed by (host, instance, queue id) (the
// instance: the first part of the syslog name, "postfix" of "postfix/submission/
// smtpd", since qmgr and the delivery agents log under the instance's name). An
// accepted RCPT is known from its delivery line ("to=<R>", or orig_to=<R> after an
// alias) and is given out when qmgr removes the queue file, with the last status
// (sent, deferred, bounced); a refused one from smtpd's "reject: RCPT" line, given
// out when its session ends. SASL is what the log can prove: "client=..., sasl_
// username=U" names the user of its transaction and of everything after it in the
// session; a refused RCPT before any such line is anonymous when the session
// ended with auth=0 (or no AUTH), and "authenticated, user unknown" otherwise.
// Other access actions at RCPT (warn, hold, ...) are not RCPTs of their own: the
// recipient's delivery line is. The HELO name is known only on a reject line.
//
// TLS: a session's "TLS connection established" line; without one the session
// was plaintext only if its service logs handshakes (smtpd_tls_loglevel 1 or
// more), which the caller judges (Rcpt::tls_lines says whether the log showed one
// from that service before).
//
// Limits, each counted in Totals rather than guessed: a session whose "connect
// from" is not in the log (it started before) has no known TLS; a transaction
// refused after its recipients were accepted (DATA, a milter, header checks)
// names none of them; a queue file never removed (still deferred, or held) is
// given out at finish() with its last status; an smtpd line naming another
// client than its session's "connect from" is not taken (a line forged under
// smtpd's name and pid). Memory: the sessions and queue files in flight, and at
// most MaxTlsFailurePeers peers with failed handshakes (MaxSessions sessions,
// MaxQueued queue files, MaxTlsPrograms services), never the log; a queue file without a sender for an hour of log time,
// and a session silent for a day, are dropped (counted).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "maillog/log_line.h"
#include "maillog/postfix_event.h"

namespace tlspolicyd::maillog {

// What Postfix did with a recipient.
enum class Outcome : std::uint8_t { Unknown, Delivered, Rejected, Deferred, Bounced };
[[nodiscard]] std::string_view to_string(Outcome outcome);  // "delivered", ...; "" for Unknown

// What the log proves about SASL at an RCPT.
enum class SaslState : std::uint8_t { None, User, UnknownUser };

struct Rcpt {
  std::int64_t time = 0;
  std::uint32_t micros = 0;
  std::string host;
  std::string service;  // the smtpd's syslog program name: "postfix/submission/smtpd"
  std::uint64_t session = 0;  // numbers the sessions in the order they appear
  std::string queue_id;
  std::string client_name, client_address;
  std::string sender, recipient;
  std::string helo;  // only when helo_known
  bool helo_known = false;
  bool tls_known = false;  // the session's start was in the log
  // The service had logged a TLS handshake before this RCPT was given out: its
  // smtpd_tls_loglevel is on, so a session without one was plaintext.
  bool tls_lines = false;
  std::string protocol, cipher;  // empty: no TLS line for the session
  std::uint32_t keysize = 0;
  bool client_cert = false;  // a certificate was presented (its subject and fingerprints are not logged)
  SaslState sasl = SaslState::None;
  std::string sasl_method, sasl_username;
  Outcome outcome = Outcome::Unknown;
  std::string reply;  // Postfix's reply to a refused RCPT
};

struct Totals {
  std::uint64_t lines = 0;
  std::uint64_t unparsed_lines = 0;      // in neither syslog format
  std::uint64_t sessions = 0;
  std::uint64_t transactions = 0;        // queue files of smtpd sessions
  std::uint64_t refused_after_rcpt = 0;  // transactions refused at DATA or after it
  std::uint64_t dropped_transactions = 0;  // no sender within an hour
  std::uint64_t dropped_sessions = 0;      // no disconnect within a day
  std::uint64_t rcpts = 0;
  std::uint64_t foreign_lines = 0;       // smtpd lines naming another peer than their session's
  std::uint64_t reconnected = 0;         // "connect from" while the pid's session had not ended
  std::uint64_t sessions_over_limit = 0; // sessions not kept: MaxSessions in flight
  std::uint64_t queued_over_limit = 0;   // queue files not kept: MaxQueued in flight
  std::uint64_t other_tls_failures = 0;  // failed handshakes past MaxTlsFailurePeers peers
  std::int64_t first_time = 0, last_time = 0;
};

// A peer whose TLS handshake failed, and how often.
struct TlsFailure {
  std::string client_name, client_address;
  std::uint64_t count = 0;
};

class Transactions {
 public:
  static constexpr std::size_t MaxTlsFailurePeers = 10000;  // by name; the rest counted together
  // Sessions in flight (Postfix runs a hundred smtpd processes by default) and
  // services seen logging handshakes: past these, lines are counted, not kept.
  static constexpr std::size_t MaxSessions = 100000;
  static constexpr std::size_t MaxTlsPrograms = 1000;
  // Queue files in flight (accepted, not yet removed: deferred mail stays for days).
  static constexpr std::size_t MaxQueued = 200000;
  using Sink = std::function<void(const Rcpt&)>;
  explicit Transactions(Sink sink) : sink_(std::move(sink)) {}

  void add(const LogLine& line);
  void count_unparsed() {
    ++totals_.lines;
    ++totals_.unparsed_lines;
  }
  // Gives out what is still in flight (end of the log).
  void finish();

  [[nodiscard]] const Totals& totals() const { return totals_; }
  // Keyed by "name[address]".
  [[nodiscard]] const std::map<std::string, TlsFailure>& tls_failures() const { return tls_failures_; }

 private:
  struct Pending {
    Rcpt rcpt;
    std::uint64_t seq = 0;
  };
  struct Session {
    Rcpt base;  // what every RCPT of the session shares: host, service, client, TLS
    std::int64_t last_time = 0;
    std::uint64_t user_seq = 0;       // the first client= line naming a SASL user (0: none yet)
    std::uint64_t anonymous_seq = 0;  // the last client= line without one: nothing before it was authenticated
    std::string sasl_method, sasl_username;
    std::vector<Pending> refused;     // refused RCPTs, given out when the session ends
  };
  struct Queued {
    Rcpt base;  // the session's part, the SASL of the transaction, its queue id and time
    std::int64_t last_time = 0;
    bool has_sender = false;
    std::vector<std::pair<std::string, Outcome>> rcpts;  // in the order first logged
    std::unordered_map<std::string, std::size_t> index;  // recipient -> rcpts slot, once there are many
  };

  void on_smtpd(const LogLine& line, const PostfixEvent& e);
  void on_queue(const LogLine& line, const PostfixEvent& e);
  Session& start_session(const std::string& key, const LogLine& line, const PostfixEvent& e);
  void end_session(Session& s, bool disconnected, int auth_successes);
  void give_out(Queued& q);
  void emit(Rcpt& r);
  void sweep(std::int64_t now);

  Sink sink_;
  Totals totals_;
  std::map<std::string, TlsFailure> tls_failures_;
  std::unordered_map<std::string, Session> sessions_;  // "host pid"
  std::unordered_map<std::string, Queued> queued_;     // "host instance qid"
  std::uint64_t seq_ = 0;                              // line number, to order events in a session
  std::uint64_t session_ids_ = 0;
  std::string session_key_, queue_key_;  // reused for lookups
  std::unordered_set<std::string> tls_programs_;  // services that logged a TLS handshake
  std::int64_t next_sweep_ = 0;
};

}  // namespace tlspolicyd::maillog
