// SPDX-License-Identifier: MIT
#include "maillog/postfix_event.h"

namespace tlspolicyd::maillog {
namespace {

using std::string_view;
constexpr auto npos = string_view::npos;

bool starts(string_view s, string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool queue_id_char(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// "QID: " at the start of `msg`: the id, and `msg` past it; empty when there is none.
string_view take_queue_id(string_view& msg) {
  std::size_t i = 0;
  while (i < msg.size() && i < 32 && queue_id_char(msg[i])) ++i;
  if (i < 5 || i + 2 > msg.size() || msg[i] != ':' || msg[i + 1] != ' ') return {};
  string_view id = msg.substr(0, i);
  msg.remove_prefix(i + 2);
  return id;
}

// "NAME[ADDR]" at the start of `s` (an optional ":PORT" after it): sets the peer,
// advances `s` past it.
bool take_peer(string_view& s, PostfixEvent& e) {
  const auto open = s.find('[');
  if (open == npos) return false;
  const auto close = s.find(']', open);
  if (close == npos) return false;
  e.client_name = s.substr(0, open);
  e.client_address = s.substr(open + 1, close - open - 1);
  std::size_t end = close + 1;
  if (end + 1 < s.size() && s[end] == ':' && s[end + 1] >= '0' && s[end + 1] <= '9') {  // smtpd_client_port_logging
    ++end;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  }
  s.remove_prefix(end);
  return !e.client_name.empty() && e.client_name.find(' ') == npos;
}

// The value after `key` in `s` up to `stop` (or the end).
string_view value_after(string_view s, string_view key, string_view stop) {
  auto pos = s.find(key);
  if (pos == npos) return {};
  s.remove_prefix(pos + key.size());
  return s.substr(0, s.find(stop));
}

std::uint32_t leading_number(string_view s) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < s.size() && i < 9 && s[i] >= '0' && s[i] <= '9'; ++i) {
    v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
  }
  return v;
}

// "Anonymous TLS connection established from N[A]: TLSv1.3 with cipher C (256/256 bits) ..."
PostfixEvent tls_established(string_view msg) {
  PostfixEvent e;
  const auto sp = msg.find(' ');
  const string_view trust = msg.substr(0, sp);
  msg.remove_prefix(sp + 1);
  constexpr string_view Established = "TLS connection established from ";
  if (!starts(msg, Established)) return e;
  msg.remove_prefix(Established.size());
  if (!take_peer(msg, e) || !starts(msg, ": ")) return {};
  msg.remove_prefix(2);
  const auto with = msg.find(" with cipher ");
  if (with == npos || with == 0) return {};
  e.protocol = msg.substr(0, with);
  msg.remove_prefix(with + 13);
  const auto paren = msg.find(" (");
  if (paren == npos) return {};
  e.cipher = msg.substr(0, paren);
  e.keysize = leading_number(msg.substr(paren + 2));
  e.client_cert = trust != "Anonymous";
  e.kind = EventKind::Tls;
  return e;
}

// After "QID: " or "NOQUEUE: ": "VERB: STAGE from N[A]: REPLY; from=<S> to=<R> proto=P helo=<H>".
PostfixEvent smtpd_action(string_view queue_id, string_view msg) {
  PostfixEvent e;
  const auto colon = msg.find(": ");
  if (colon == npos || colon == 0 || colon > 16) return e;
  const string_view verb = msg.substr(0, colon);
  msg.remove_prefix(colon + 2);
  const auto from = msg.find(" from ");
  if (from == npos) return e;
  const string_view stage = msg.substr(0, from);
  msg.remove_prefix(from + 6);
  if (!take_peer(msg, e) || !starts(msg, ": ")) return {};
  msg.remove_prefix(2);
  // The fields after the reply, from the right: the HELO name has no spaces.
  const auto proto = msg.rfind(" proto=");
  const auto to = msg.rfind(" to=<", proto);
  const auto sender = msg.rfind("; from=<", to);
  if (proto == npos || to == npos || sender == npos || to < sender || msg[to - 1] != '>' ||
      msg[proto - 1] != '>') {
    return {};
  }
  e.reply = msg.substr(0, sender);
  e.sender = msg.substr(sender + 8, to - 1 - (sender + 8));
  e.recipient = msg.substr(to + 5, proto - 1 - (to + 5));
  e.helo = value_after(msg.substr(proto), " helo=<", ">");
  e.queue_id = queue_id;
  e.verb = verb;
  if (stage == "RCPT") {
    e.kind = EventKind::RcptAction;
  } else if ((stage == "DATA" || stage == "END-OF-MESSAGE") && verb == "reject" && !queue_id.empty()) {
    e.kind = EventKind::Rejected;
  } else {
    return {};
  }
  return e;
}

PostfixEvent smtpd_event(string_view msg) {
  PostfixEvent e;
  if (starts(msg, "connect from ")) {
    msg.remove_prefix(13);
    if (take_peer(msg, e)) e.kind = EventKind::Connect;
    return e;
  }
  if (starts(msg, "disconnect from ")) {
    msg.remove_prefix(16);
    if (!take_peer(msg, e)) return {};
    if (auto pos = msg.find(" auth="); pos != npos) e.auth_successes = static_cast<int>(leading_number(msg.substr(pos + 6)));
    e.kind = EventKind::Disconnect;
    return e;
  }
  if (starts(msg, "SSL_accept error from ")) {
    msg.remove_prefix(22);
    if (take_peer(msg, e)) e.kind = EventKind::TlsFailed;
    return e;
  }
  for (string_view trust : {"Anonymous TLS ", "Trusted TLS ", "Untrusted TLS ", "Verified TLS "}) {
    if (starts(msg, trust)) return tls_established(msg);
  }
  if (starts(msg, "NOQUEUE: ")) return smtpd_action({}, msg.substr(9));
  const string_view queue_id = take_queue_id(msg);
  if (queue_id.empty()) return e;
  if (starts(msg, "client=")) {
    msg.remove_prefix(7);
    if (!take_peer(msg, e)) return {};
    e.sasl_method = value_after(msg, ", sasl_method=", ", ");
    e.sasl_username = value_after(msg, ", sasl_username=", ", ");
    e.queue_id = queue_id;
    e.kind = EventKind::Client;
    return e;
  }
  return smtpd_action(queue_id, msg);
}

DeliveryStatus parse_status(string_view s) {
  if (s == "sent") return DeliveryStatus::Sent;
  if (s == "deferred") return DeliveryStatus::Deferred;
  if (s == "bounced") return DeliveryStatus::Bounced;
  if (s == "expired") return DeliveryStatus::Expired;
  return DeliveryStatus::Other;
}

}  // namespace

PostfixEvent parse_event(string_view program, string_view message) {
  const auto slash = program.rfind('/');
  const string_view name = slash == npos ? program : program.substr(slash + 1);
  if (name == "smtpd") return smtpd_event(message);
  if (name == "postscreen" || name == "anvil" || name == "master" || name == "postfix-script") return {};
  PostfixEvent e;
  string_view msg = message;
  e.queue_id = take_queue_id(msg);
  if (e.queue_id.empty()) return {};
  if (name == "qmgr") {
    if (msg == "removed") {
      e.kind = EventKind::Removed;
    } else if (starts(msg, "from=<")) {
      const auto end = msg.find(">, size=");
      if (end == npos) return {};
      e.sender = msg.substr(6, end - 6);
      e.kind = EventKind::QueueSender;
    }
    return e;
  }
  if (name == "cleanup") {
    if (starts(msg, "reject: ") || starts(msg, "milter-reject: ")) {
      e.reply = msg;
      e.kind = EventKind::Rejected;
    }
    return e;
  }
  if (!starts(msg, "to=<")) return {};
  const auto relay = msg.find(", relay=");
  if (relay == npos) return {};
  string_view rcpt = msg.substr(4, relay - 4);  // "R>" or "R>, orig_to=<O>"
  if (auto orig = rcpt.find(">, orig_to=<"); orig != npos) rcpt.remove_prefix(orig + 12);
  if (rcpt.empty() || rcpt.back() != '>') return {};
  e.recipient = rcpt.substr(0, rcpt.size() - 1);
  e.status = parse_status(value_after(msg.substr(relay), ", status=", " "));
  e.kind = EventKind::Delivery;
  return e;
}

}  // namespace tlspolicyd::maillog
