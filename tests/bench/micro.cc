// SPDX-License-Identifier: MIT
// tlspolicyd_micro: micro-benchmarks (Google Benchmark) of the request path:
// parsing a real Postfix request, evaluating realistic rule sets, and matching
// lists of 10, 10 000 and 1 000 000 entries (their cost must not grow), and the
// TLS history's per-request work.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "history/tracker.h"
#include "log/decision_log.h"
#include "protocol/request_parser.h"

using namespace tlspolicyd;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string Fixtures = TLSPOLICYD_SOURCE_DIR "/tests/fixtures/postfix-3.7/";

// A parsed fixture request, kept with its parser.
struct Parsed {
  protocol::RequestParser parser;
  protocol::Request request;
  explicit Parsed(const std::string& name) {
    parser.append(slurp(Fixtures + name));
    if (parser.next(request) != protocol::ParseStatus::Complete) std::abort();
  }
};

std::shared_ptr<const config::Config> load(const std::string& text, const std::string& path = "bench.yaml") {
  auto r = config::load_config_text(text, path);
  if (!r.config) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::abort();
  }
  return r.config;
}

const std::string SpecRules = R"(
profiles:
  strict:
    min_protocol: TLSv1.2
    ciphers: high
    exclude_ciphers: [aNULL, eNULL, EXPORT, DES, 3DES, MD5, PSK, RC4]
    forward_secrecy: true
    aead: true
    min_keysize: 128
lists:
  partners: [partner-bank.com, .law-firm.com, example.org]
  relays: [192.0.2.0/24, "2001:db8::/32"]
rules:
  - name: auth-needs-tls
    match: { sasl: true }
    require: { tls: true }
    action: "530 5.7.0 Authentication requires a TLS connection"
  - name: relays-exempt
    match: { client_address: list:relays }
    action: dunno
  - name: partner-senders
    match: { sender_domain: list:partners }
    require: strict
    action: "reject 5.7.1 Mail from ${sender_domain} requires TLS 1.2+ with a strong cipher"
  - name: submission-floor
    match: { server_port: [465, 587] }
    require: { min_protocol: TLSv1.2 }
  - name: baseline
    require: { min_protocol: TLSv1.2 }
    mode: warn
)";

}  // namespace

static void BM_ParseRequest(benchmark::State& state) {
  const std::string bytes = slurp(Fixtures + "c_tls12_ecdhe.req");
  protocol::RequestParser parser;
  protocol::Request request;
  for (auto _ : state) {
    parser.append(bytes);
    if (parser.next(request) != protocol::ParseStatus::Complete) state.SkipWithError("parse");
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ParseRequest);

static void BM_EvaluateSpecRules(benchmark::State& state) {
  auto config = load(SpecRules);
  Parsed tls12("c_tls12_ecdhe.req");  // example.org: the partner rule applies, strict holds
  for (auto _ : state) {
    auto d = config->policy.evaluate(tls12.request);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_EvaluateSpecRules);

static void BM_EvaluateSpecRulesViolation(benchmark::State& state) {
  auto config = load(SpecRules);
  Parsed old("d1_tls10.req");  // TLS 1.0 from a partner: rejected with a template
  for (auto _ : state) {
    auto d = config->policy.evaluate(old.request);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_EvaluateSpecRulesViolation);

static void BM_EvaluateShippedConfig(benchmark::State& state) {
  auto config = load(slurp(TLSPOLICYD_SOURCE_DIR "/conf/tlspolicyd.yaml"));
  Parsed tls13("b_starttls_tls13.req");
  for (auto _ : state) {
    auto d = config->policy.evaluate(tls13.request);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_EvaluateShippedConfig);

static void BM_DecisionLogLine(benchmark::State& state) {
  auto config = load(SpecRules);
  Parsed old("d1_tls10.req");
  auto d = config->policy.evaluate(old.request);
  std::string lines;  // reused, as the daemon does
  for (auto _ : state) {
    lines.clear();
    log::append_decision_lines(lines, d, old.request, log::DecisionLog::Violations);
    benchmark::DoNotOptimize(lines);
  }
}
BENCHMARK(BM_DecisionLogLine);

// sender_domain against a file list of N domains, for a domain that is not in it
// (the common case: every label suffix is probed) and one that is.
static void BM_ListMatch(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string dir = std::filesystem::temp_directory_path() / ("tlspolicyd-bench-" + std::to_string(n));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/domains.txt");
    for (std::size_t i = 0; i < n; ++i) out << (i % 2 ? "." : "") << "host" << i << ".example\n";
  }
  auto config = load("rules:\n  - name: listed\n    match: { sender_domain: file:domains.txt, client_address: ["
                     "\"!10.0.0.0/8\"] }\n    action: \"reject listed\"\n",
                     dir + "/bench.yaml");
  std::filesystem::remove_all(dir);
  protocol::Request miss, hit;
  miss.set(protocol::Attr::Sender, "someone@mail.sub.elsewhere.example.org");
  miss.set(protocol::Attr::ClientAddress, "192.0.2.1");
  miss.finalize();
  const std::string hit_sender = "a@host" + std::to_string(n / 2 * 2) + ".example";
  hit.set(protocol::Attr::Sender, hit_sender);
  hit.set(protocol::Attr::ClientAddress, "192.0.2.1");
  hit.finalize();
  for (auto _ : state) {
    auto a = config->policy.evaluate(miss);
    auto b = config->policy.evaluate(hit);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_ListMatch)->Arg(10)->Arg(10000)->Arg(1000000);

// The TLS history's share of a request (a known peer, cached): lookup (does it
// wait?) and observe (count it, compare with its best), as the daemon does.
static void BM_HistoryLookupObserve(benchmark::State& state) {
  Parsed p("b_starttls_tls13.req");  // one transaction: its RCPTs after the first
  history::Tracker tracker({history::DefaultKey, 3, 100000});
  tracker.lookup(p.request);
  for (const auto& key : tracker.take_loads()) tracker.loaded(key, std::nullopt);
  std::int64_t now = 1'700'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tracker.lookup(p.request));
    benchmark::DoNotOptimize(tracker.observe(p.request, ++now));
  }
}
BENCHMARK(BM_HistoryLookupObserve);

BENCHMARK_MAIN();
