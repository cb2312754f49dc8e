// SPDX-License-Identifier: MIT
// simulate: replays Postfix's mail log through the configuration's rules
// (maillog/simulation.h) and prints, per rule, what it would refuse or warn about,
// or (--json) one JSON object per RCPT and a summary.
//
// Logs and Postfix's configuration are read as maillog_input.h says (postconf
// for the services' ports and policy_context; when it does not run those facts
// are unknown). Exit 0; 64 usage; 66 a log that cannot be read; 78 a bad
// configuration.
#include <algorithm>
#include <ctime>
#include <iostream>

#include "commands.h"
#include "config/config_loader.h"
#include "json.h"
#include "log/kv_line.h"
#include "maillog/simulation.h"
#include "maillog/transactions.h"
#include "maillog_input.h"
#include "privileges.h"
#include "util/text.h"

namespace tlspolicyd::daemon {
namespace {

constexpr std::string_view Command = "tlspolicyd simulate";

std::string rfc3339(std::int64_t t, std::uint32_t micros) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micros != 0) {
    std::snprintf(buf, sizeof buf, ".%06u", micros);
    out += buf;
  }
  return out + "Z";
}

Json null_if_empty(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json rcpt_json(const maillog::Rcpt& r, const maillog::Verdict& v) {
  Json o;
  o["time"] = rfc3339(r.time, r.micros);
  o["service"] = r.service;
  o["queue_id"] = null_if_empty(r.queue_id);
  o["client_address"] = r.client_address;
  o["client_name"] = r.client_name;
  o["sender"] = r.sender;
  o["recipient"] = r.recipient;
  o["helo_name"] = r.helo_known ? Json(r.helo) : Json(nullptr);
  o["sasl_username"] = r.sasl == maillog::SaslState::User ? null_if_empty(r.sasl_username) : Json(nullptr);
  o["encryption_protocol"] = r.tls_known ? null_if_empty(r.protocol) : Json(nullptr);
  o["encryption_cipher"] = r.tls_known ? null_if_empty(r.cipher) : Json(nullptr);
  if (v.decision) {
    o["action"] = policy::to_string(v.decision->answer);
    o["rule"] = v.decision->rule != nullptr ? Json(v.decision->rule->name) : Json(nullptr);
    o["mode"] = v.decision->rule != nullptr ? Json(policy::to_string(v.decision->mode)) : Json(nullptr);
  } else {
    o["action"] = nullptr;
    o["rule"] = nullptr;
    o["mode"] = nullptr;
  }
  o["cannot_simulate"] = null_if_empty(v.cannot);
  const std::string_view outcome = maillog::to_string(r.outcome);
  o["postfix"] = outcome.empty() ? Json(nullptr) : Json(outcome);
  o["postfix_reply"] = null_if_empty(r.reply);
  return o;
}

// The most frequent entries of `counts`, at most `n`, most first.
std::vector<std::pair<std::string, std::uint64_t>> top(const std::map<std::string, std::uint64_t>& counts,
                                                        std::size_t n) {
  std::vector<std::pair<std::string, std::uint64_t>> v(counts.begin(), counts.end());
  const std::size_t k = std::min(n, v.size());
  std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end(),
                    [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  v.resize(k);
  return v;
}

std::vector<maillog::TlsFailure> top_failures(const std::map<std::string, maillog::TlsFailure>& failures, std::size_t n) {
  std::vector<maillog::TlsFailure> v;
  for (const auto& [peer, f] : failures) v.push_back(f);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.client_address < b.client_address;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

// A value from the log for the terminal: escaped as the log escapes it.
std::string shown(std::string_view s) {
  std::string out;
  log::append_escaped(out, s);
  return out;
}

// What a rule in warn or observe mode does.
std::string_view mode_effect(policy::Mode mode) {
  switch (mode) {
    case policy::Mode::Enforce: return "would answer";
    case policy::Mode::Warn: return "would warn about";
    case policy::Mode::Observe: return "would log";
  }
  return "";
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

void print_text(const maillog::Simulation& sim, const maillog::Transactions& tx, std::size_t n) {
  const maillog::Summary& s = sim.summary();
  const maillog::Totals& t = tx.totals();
  std::cout << "tlspolicyd simulate: " << t.lines << " lines, " << t.sessions << " sessions, " << t.transactions
            << " queued messages, " << s.rcpts << " recipients";
  if (t.first_time != 0) std::cout << " (" << rfc3339(t.first_time, 0) << " to " << rfc3339(t.last_time, 0) << ")";
  std::cout << "\n";
  std::vector<std::string> outcomes;
  for (std::string_view o : {"delivered", "deferred", "bounced", "rejected", "unknown"}) {
    if (auto it = s.outcomes.find(std::string(o)); it != s.outcomes.end()) {
      outcomes.push_back(std::string(o) + " " + std::to_string(it->second));
    }
  }
  std::cout << "Postfix: " << (outcomes.empty() ? std::string("no recipient in the log") : join(outcomes, ", "))
            << "\n\n";
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    const maillog::RuleTally& r = s.rules[i];
    std::cout << "rule " << r.name << " (" << policy::to_string(r.mode) << "): ";
    if (r.rcpts == 0) {
      std::cout << "nothing\n";
      continue;
    }
    // What enforce answers: a refusal, or an answer that lets mail through (hold, redirect ...).
    const policy::Action& action = sim.config().policy.rules()[i].action;
    const std::string enforced = policy::refuses(action.kind()) ? std::string("refuse")
                                                                : "answer " + util::lower(action.verb()) + " to";
    std::cout << (r.mode == policy::Mode::Enforce ? "would " + enforced : std::string(mode_effect(r.mode))) << " "
              << r.rcpts << " recipient(s) in " << r.transactions << " transaction(s)";
    if (r.mode != policy::Mode::Enforce) std::cout << " (enforce would " << enforced << " them)";
    std::cout << "; Postfix accepted " << r.accepted_by_postfix << " of them\n";
    for (const auto& [peer, count] : top(r.peers, n)) std::cout << "  " << count << "  " << shown(peer) << "\n";
    if (r.peers.size() > n || r.other_peers > 0) {
      std::cout << "  ... and " << (r.peers.size() > n ? r.peers.size() - n : 0) + (r.other_peers > 0 ? 1 : 0)
                << (r.other_peers > 0 ? "+" : "") << " more peer(s)\n";
    }
  }
  std::cout << "default action (" << sim.config().policy.default_action().source() << "): " << s.default_action
            << " recipient(s)\n";
  if (s.not_asked > 0) std::cout << "not asked (a service without tlspolicyd): " << s.not_asked << " recipient(s)\n";
  if (s.cannot > 0) {
    std::cout << "cannot be simulated: " << s.cannot << " recipient(s)\n";
    for (const auto& [why, count] : top(s.cannot_reasons, n)) std::cout << "  " << count << "  " << why << "\n";
  }
  const auto failures = top_failures(tx.tls_failures(), n);
  if (!failures.empty()) {
    std::uint64_t total = 0;
    for (const auto& [peer, f] : tx.tls_failures()) total += f.count;
    total += t.other_tls_failures;
    std::cout << "\nTLS handshakes that failed: " << total << " from " << tx.tls_failures().size()
              << (t.other_tls_failures > 0 ? "+" : "") << " peer(s) (a stricter handshake pushes more of them to plaintext)\n";
    for (const auto& f : failures) std::cout << "  " << f.count << "  " << shown(f.client_name + "[" + f.client_address + "]") << "\n";
  }
  std::vector<std::string> notes = {"downgrade detection (the TLS history) is not simulated"};
  if (t.refused_after_rcpt > 0) {
    notes.push_back(std::to_string(t.refused_after_rcpt) + " message(s) refused after RCPT (the log names none of their recipients)");
  }
  if (t.dropped_transactions > 0) notes.push_back(std::to_string(t.dropped_transactions) + " queue file(s) without a sender");
  if (t.unparsed_lines > 0) notes.push_back(std::to_string(t.unparsed_lines) + " line(s) in no syslog format");
  if (t.reconnected > 0) {
    notes.push_back(std::to_string(t.reconnected) + " \"connect from\" line(s) for a session that had not ended (a lost line, or a forged one)");
  }
  if (t.sessions_over_limit > 0) notes.push_back(std::to_string(t.sessions_over_limit) + " session(s) past 100 000 in flight, not kept");
  if (t.queued_over_limit > 0) notes.push_back(std::to_string(t.queued_over_limit) + " queue file(s) past 200 000 in flight, not kept");
  if (t.foreign_lines > 0) {
    notes.push_back(std::to_string(t.foreign_lines) + " smtpd line(s) naming another client than their session's (not taken)");
  }
  if (sim.services().services.empty()) {
    notes.push_back("Postfix's configuration was not read: server_port and policy_context are unknown");
  } else if (sim.services().assumed) {
    notes.push_back("no smtpd service asks tlspolicyd yet: each is taken as asking it at RCPT");
  }
  std::cout << "\nNot in the replay: " << join(notes, "; ") << ".\n";
}

Json summary_json(const maillog::Simulation& sim, const maillog::Transactions& tx, std::size_t n) {
  const maillog::Summary& s = sim.summary();
  const maillog::Totals& t = tx.totals();
  Json o;
  o["lines"] = t.lines;
  o["unparsed_lines"] = t.unparsed_lines;
  o["sessions"] = t.sessions;
  o["queued_messages"] = t.transactions;
  o["recipients"] = s.rcpts;
  o["first_time"] = t.first_time != 0 ? Json(rfc3339(t.first_time, 0)) : Json(nullptr);
  o["last_time"] = t.last_time != 0 ? Json(rfc3339(t.last_time, 0)) : Json(nullptr);
  o["postfix"] = s.outcomes;
  Json rules = Json::array();
  for (const maillog::RuleTally& r : s.rules) {
    Json j;
    j["name"] = r.name;
    j["mode"] = policy::to_string(r.mode);
    j["recipients"] = r.rcpts;
    j["transactions"] = r.transactions;
    j["answered"] = r.answered;
    j["accepted_by_postfix"] = r.accepted_by_postfix;
    Json peers = Json::array();
    for (const auto& [peer, count] : top(r.peers, n)) peers.push_back(Json{{"peer", peer}, {"count", count}});
    j["top_peers"] = std::move(peers);
    rules.push_back(std::move(j));
  }
  o["rules"] = std::move(rules);
  o["default_action"] = s.default_action;
  o["not_asked"] = s.not_asked;
  o["cannot_simulate"] = s.cannot;
  o["cannot_simulate_reasons"] = s.cannot_reasons;
  Json failures = Json::array();
  for (const auto& f : top_failures(tx.tls_failures(), tx.tls_failures().size())) {
    failures.push_back(Json{{"client_address", f.client_address}, {"client_name", f.client_name}, {"count", f.count}});
  }
  o["tls_failures"] = std::move(failures);
  o["tls_failures_other_peers"] = t.other_tls_failures;
  o["foreign_lines"] = t.foreign_lines;
  o["reconnected"] = t.reconnected;
  o["sessions_over_limit"] = t.sessions_over_limit;
  o["queued_over_limit"] = t.queued_over_limit;
  o["refused_after_rcpt"] = t.refused_after_rcpt;
  o["postfix_configuration"] = sim.services().services.empty() ? "unknown" : sim.services().assumed ? "assumed" : "read";
  return Json{{"summary", std::move(o)}};
}

}  // namespace

int run_simulate(const SimulateArgs& args) {
  config::LoadResult loaded = config::load_config_file(args.config_path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return exit_code::Config;
  const std::optional<std::int64_t> since = since_time(args.since, Command);
  if (!since) return exit_code::Usage;
  MailLogs logs(std::string{Command});
  if (!logs.open(args.logs)) return exit_code::NoInput;

  maillog::Simulation sim(loaded.config, postfix_services(args.postconf, *loaded.config));
  maillog::Transactions tx([&](const maillog::Rcpt& r) {
    const maillog::Verdict v = sim.judge(r);
    sim.count(r, v);
    if (args.json) std::cout << json_text(rcpt_json(r, v)) << '\n';
  });
  if (!logs.read(tx, since)) return exit_code::NoInput;
  if (args.json) {
    std::cout << json_text(summary_json(sim, tx, args.top)) << '\n';
  } else {
    print_text(sim, tx, args.top);
  }
  std::cout << std::flush;
  return std::cout ? exit_code::Ok : exit_code::Software;
}

}  // namespace tlspolicyd::daemon
