// SPDX-License-Identifier: MIT
// maillog_fuzz: a mail log of arbitrary bytes through `simulate`'s and `history
// learn`'s pipeline: the line parser, the transactions, the simulation under a
// configuration with a requirement, a warn rule and a HELO rule, and the
// learning into a memory store.
//
// Input: the log itself (the recorded Postfix logs are seeds as they are), split
// at LF. Checks: every view a LogLine holds lies inside its line; every RCPT given
// out is counted once (the summary's total is the number given out); the answer
// of a simulated RCPT is one printable line; an RCPT that cannot be simulated
// says why; the summary's tallies never exceed the RCPTs; learning counts no more
// RCPTs than it was given, the store holds exactly the transactions it says it
// wrote, and learning the same log again writes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "config/config_loader.h"
#include "history/memory_store.h"
#include "maillog/learning.h"
#include "maillog/log_line.h"
#include "maillog/simulation.h"
#include "maillog/transactions.h"

using namespace tlspolicyd;

namespace {

void check_at(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "maillog_fuzz.cc:%d: check failed\n", line);
  std::abort();
}
// A macro for the line: clang 14 (Debian 12's) has no std::source_location.
#define check(ok) check_at((ok), __LINE__)

constexpr std::int64_t Now = 1796331600;  // 2026-12-03, the recorded logs' day

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

const std::shared_ptr<const config::Config>& configuration() {
  static const auto cfg = [] {
    auto r = config::load_config_text(R"yaml(
rules:
  - name: partner
    match: { sender_domain: [partner.example, .partner.example] }
    require: { min_protocol: TLSv1.2, forward_secrecy: true }
    action: "reject 5.7.1 TLS please (${reason}) ${sender}"
  - name: helo
    match: { helo_name: /dynamic/ }
    mode: warn
    action: "reject 5.7.1 no ${helo_name}"
  - name: census
    require: { min_protocol: TLSv1.3 }
    mode: observe
downgrade: { store: memory, min_observations: 1 }
)yaml",
                                      "fuzz.yaml");
    check(r.config != nullptr);
    return r.config;
  }();
  return cfg;
}

// The log's RCPTs, each given to `each`.
template <typename Each>
maillog::Totals replay(std::string_view log, Each each) {
  maillog::Transactions tx(each);
  maillog::LineParser parser(Now);
  for (std::size_t pos = 0; pos <= log.size();) {
    std::size_t lf = log.find('\n', pos);
    if (lf == std::string_view::npos) lf = log.size();
    const std::string_view line = log.substr(pos, lf - pos);
    if (auto parsed = parser.parse(line)) {
      check(inside(parsed->host, line) && inside(parsed->program, line) && inside(parsed->message, line));
      check(parsed->micros < 1000000);
      tx.add(*parsed);
    } else {
      tx.count_unparsed();
    }
    pos = lf + 1;
  }
  tx.finish();
  return tx.totals();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view log(reinterpret_cast<const char*>(data), size);
  maillog::Simulation sim(configuration(), {});
  history::MemoryStore store;
  maillog::Learning learning(*configuration()->downgrade, {}, store, Now);
  std::uint64_t given = 0;
  const maillog::Totals totals = replay(log, [&](const maillog::Rcpt& r) {
    ++given;
    learning.add(r);
    const maillog::Verdict v = sim.judge(r);
    if (v.decision) {
      const std::string answer = policy::to_string(v.decision->answer);
      check(!answer.empty() && answer.size() <= 512);
      for (const char c : answer) check(c >= 0x20 && c < 0x7f);
    } else {
      check(!v.cannot.empty());
    }
    sim.count(r, v);
  });
  learning.finish();
  const auto& s = sim.summary();
  check(s.rcpts == given && totals.rcpts == given);
  const maillog::Learning::Totals& learned = learning.totals();
  check(learned.rcpts == given && learned.learned_rcpts <= given && learned.transactions <= learned.learned_rcpts);
  check(learned.dropped == 0);
  std::uint64_t stored = 0;
  store.scan([&](const std::string&, const history::Record& r) {
    stored += r.total();
    return true;
  });
  check(stored == learned.transactions);
  maillog::Learning again(*configuration()->downgrade, {}, store, Now);
  replay(log, [&](const maillog::Rcpt& r) { again.add(r); });
  again.finish();
  check(again.totals().transactions == 0);
  check(s.default_action + s.cannot + s.not_asked <= s.rcpts);
  for (const auto& r : s.rules) check(r.rcpts <= s.rcpts && r.answered <= r.rcpts && r.transactions <= r.rcpts);
  return 0;
}
