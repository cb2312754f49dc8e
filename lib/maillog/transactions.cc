// SPDX-License-Identifier: MIT
#include "maillog/transactions.h"

#include <cstdio>

namespace tlspolicyd::maillog {
namespace {

constexpr std::int64_t QueuedWithoutSender = 3600;  // seconds of log time
constexpr std::int64_t SilentSession = 86400;
constexpr std::int64_t SweepEvery = 600;
constexpr std::size_t MaxRefusedPerSession = 1000;  // smtpd's error limits stop a client long before
constexpr std::size_t IndexFrom = 16;               // recipients of a queue file before they are indexed

// "host pid", into `key` (reused: no allocation per line).
const std::string& session_key(std::string& key, const LogLine& line) {
  key.assign(line.host);
  key += ' ';
  char digits[12];
  const int n = std::snprintf(digits, sizeof digits, "%u", line.pid);
  key.append(digits, static_cast<std::size_t>(n));
  return key;
}

// "host instance qid": the instance is the syslog name's first part.
const std::string& queue_key(std::string& key, const LogLine& line, std::string_view queue_id) {
  const auto slash = line.program.find('/');
  key.assign(line.host);
  key += ' ';
  key += line.program.substr(0, slash);
  key += ' ';
  key += queue_id;
  return key;
}

Outcome outcome_of(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::Sent: return Outcome::Delivered;
    case DeliveryStatus::Deferred: return Outcome::Deferred;
    case DeliveryStatus::Bounced:
    case DeliveryStatus::Expired: return Outcome::Bounced;
    case DeliveryStatus::Other: break;
  }
  return Outcome::Unknown;
}

std::string peer_text(std::string_view name, std::string_view address) {
  std::string s(name);
  s += '[';
  s += address;
  s += ']';
  return s;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Unknown: return "";
    case Outcome::Delivered: return "delivered";
    case Outcome::Rejected: return "rejected";
    case Outcome::Deferred: return "deferred";
    case Outcome::Bounced: return "bounced";
  }
  return "";
}

void Transactions::add(const LogLine& line) {
  ++totals_.lines;
  ++seq_;
  if (totals_.first_time == 0) totals_.first_time = line.time;
  if (line.time > totals_.last_time) totals_.last_time = line.time;
  if (line.time >= next_sweep_) {
    sweep(line.time);
    next_sweep_ = line.time + SweepEvery;
  }
  const PostfixEvent e = parse_event(line.program, line.message);
  switch (e.kind) {
    case EventKind::None: return;
    case EventKind::Connect:
    case EventKind::Tls:
    case EventKind::TlsFailed:
    case EventKind::Client:
    case EventKind::RcptAction:
    case EventKind::Disconnect: on_smtpd(line, e); return;
    case EventKind::Rejected:
    case EventKind::QueueSender:
    case EventKind::Delivery:
    case EventKind::Removed: on_queue(line, e); return;
  }
}

void Transactions::on_smtpd(const LogLine& line, const PostfixEvent& e) {
  const std::string& key = session_key(session_key_, line);
  auto it = sessions_.find(key);
  if (e.kind == EventKind::Connect) {
    if (it != sessions_.end()) {
      ++totals_.reconnected;  // its disconnect line is missing, or this one is forged
      end_session(it->second, false, 0);
      sessions_.erase(it);
    } else if (sessions_.size() >= MaxSessions) {
      ++totals_.sessions_over_limit;
      return;
    }
    ++totals_.sessions;
    start_session(key, line, e).base.tls_known = true;
    return;
  }
  Session* s = it == sessions_.end() ? nullptr : &it->second;
  // A line about another peer than the session's is not the session's (anyone
  // who can write to the log can add lines under smtpd's name and pid).
  if (s != nullptr && s->base.tls_known && e.client_address != s->base.client_address) {
    ++totals_.foreign_lines;
    return;
  }
  if (e.kind == EventKind::TlsFailed) {
    std::string peer = peer_text(e.client_name, e.client_address);
    if (auto f = tls_failures_.find(peer); f != tls_failures_.end()) {
      ++f->second.count;
    } else if (tls_failures_.size() < MaxTlsFailurePeers) {
      tls_failures_.emplace(std::move(peer), TlsFailure{std::string(e.client_name), std::string(e.client_address), 1});
    } else {
      ++totals_.other_tls_failures;
    }
    return;
  }
  if (s == nullptr) {
    // The session started before the log: its TLS is not known.
    if (e.kind == EventKind::Disconnect) return;
    if (sessions_.size() >= MaxSessions) {
      ++totals_.sessions_over_limit;
      return;
    }
    s = &start_session(key, line, e);
  }
  s->last_time = line.time;
  switch (e.kind) {
    case EventKind::Tls:
      if (tls_programs_.size() < MaxTlsPrograms && !tls_programs_.contains(std::string(line.program))) {
        tls_programs_.emplace(line.program);
      }
      s->base.protocol = e.protocol;
      s->base.cipher = e.cipher;
      s->base.keysize = e.keysize;
      s->base.client_cert = e.client_cert;
      return;
    case EventKind::Client: {
      if (!e.sasl_username.empty() || !e.sasl_method.empty()) {
        if (s->user_seq == 0) s->user_seq = seq_;
        s->sasl_method = e.sasl_method;
        s->sasl_username = e.sasl_username;
      } else {
        s->anonymous_seq = seq_;
      }
      const std::string& qkey = queue_key(queue_key_, line, e.queue_id);
      if (queued_.size() >= MaxQueued && queued_.count(qkey) == 0) {
        ++totals_.queued_over_limit;
        return;
      }
      ++totals_.transactions;
      Queued q;
      q.base = s->base;
      q.base.time = line.time;
      q.base.micros = line.micros;
      q.base.queue_id = e.queue_id;
      q.base.sasl = e.sasl_username.empty() && e.sasl_method.empty() ? SaslState::None : SaslState::User;
      q.base.sasl_method = e.sasl_method;
      q.base.sasl_username = e.sasl_username;
      q.last_time = line.time;
      queued_.insert_or_assign(qkey, std::move(q));
      return;
    }
    case EventKind::RcptAction: {
      if (e.verb != "reject") return;  // warn, hold, ...: the RCPT goes on; its delivery line tells
      Rcpt r = s->base;
      r.time = line.time;
      r.micros = line.micros;
      r.queue_id = e.queue_id;
      r.sender = e.sender;
      r.recipient = e.recipient;
      r.helo = e.helo;
      r.helo_known = true;
      r.outcome = Outcome::Rejected;
      r.reply = e.reply;
      if (!e.queue_id.empty()) {
        // Inside a transaction whose client= line was logged: its SASL is known.
        if (auto q = queued_.find(queue_key(queue_key_, line, e.queue_id)); q != queued_.end()) {
          r.sasl = q->second.base.sasl;
          r.sasl_method = q->second.base.sasl_method;
          r.sasl_username = q->second.base.sasl_username;
          emit(r);
          return;
        }
      }
      if (s->refused.size() < MaxRefusedPerSession) s->refused.push_back({std::move(r), seq_});
      return;
    }
    case EventKind::Disconnect:
      end_session(*s, true, e.auth_successes);
      sessions_.erase(it);
      return;
    default: return;
  }
}

Transactions::Session& Transactions::start_session(const std::string& key, const LogLine& line, const PostfixEvent& e) {
  Session s;
  s.base.session = ++session_ids_;
  s.base.host = line.host;
  s.base.service = line.program;
  s.base.client_name = e.client_name;
  s.base.client_address = e.client_address;
  s.last_time = line.time;
  return sessions_.insert_or_assign(key, std::move(s)).first->second;
}

void Transactions::end_session(Session& s, bool disconnected, int auth_successes) {
  for (Pending& p : s.refused) {
    Rcpt& r = p.rcpt;
    if (s.user_seq != 0 && s.user_seq < p.seq) {
      r.sasl = SaslState::User;  // AUTH happens once a session, and it was before
      r.sasl_method = s.sasl_method;
      r.sasl_username = s.sasl_username;
    } else if ((disconnected && auth_successes == 0) || s.anonymous_seq > p.seq) {
      r.sasl = SaslState::None;
    } else {
      r.sasl = SaslState::UnknownUser;
    }
    emit(r);
  }
  s.refused.clear();
}

void Transactions::on_queue(const LogLine& line, const PostfixEvent& e) {
  auto it = queued_.find(queue_key(queue_key_, line, e.queue_id));
  if (it == queued_.end()) return;  // not from an smtpd of this log (pickup, a bounce, before the log)
  Queued& q = it->second;
  q.last_time = line.time;
  switch (e.kind) {
    case EventKind::Rejected:
      ++totals_.refused_after_rcpt;
      queued_.erase(it);
      return;
    case EventKind::QueueSender:
      q.base.sender = e.sender;
      q.has_sender = true;
      return;
    case EventKind::Delivery: {
      const Outcome outcome = outcome_of(e.status);
      if (outcome == Outcome::Unknown) return;
      const std::string recipient(e.recipient);
      if (q.rcpts.size() >= IndexFrom && q.index.empty()) {
        for (std::size_t i = 0; i < q.rcpts.size(); ++i) q.index.emplace(q.rcpts[i].first, i);
      }
      if (!q.index.empty()) {
        auto [slot, fresh] = q.index.emplace(recipient, q.rcpts.size());
        if (fresh) {
          q.rcpts.emplace_back(recipient, outcome);
        } else {
          q.rcpts[slot->second].second = outcome;
        }
        return;
      }
      for (auto& [r, o] : q.rcpts) {
        if (r == recipient) {
          o = outcome;
          return;
        }
      }
      q.rcpts.emplace_back(recipient, outcome);
      return;
    }
    case EventKind::Removed:
      give_out(q);
      queued_.erase(it);
      return;
    default: return;
  }
}

void Transactions::give_out(Queued& q) {
  if (!q.has_sender) return;
  for (auto& [recipient, outcome] : q.rcpts) {
    Rcpt r = q.base;
    r.recipient = std::move(recipient);
    r.outcome = outcome;
    emit(r);
  }
  q.rcpts.clear();
}

void Transactions::emit(Rcpt& r) {
  r.tls_lines = tls_programs_.contains(r.service);
  ++totals_.rcpts;
  sink_(r);
}

void Transactions::sweep(std::int64_t now) {
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (!it->second.has_sender && now - it->second.last_time > QueuedWithoutSender) {
      ++totals_.dropped_transactions;
      it = queued_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_time > SilentSession) {
      ++totals_.dropped_sessions;
      end_session(it->second, false, 0);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void Transactions::finish() {
  for (auto& [key, s] : sessions_) end_session(s, false, 0);
  sessions_.clear();
  for (auto& [key, q] : queued_) give_out(q);
  queued_.clear();
}

}  // namespace tlspolicyd::maillog
