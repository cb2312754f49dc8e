// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "metrics/metrics.h"

using tlspolicyd::metrics::Metrics;
using namespace std::chrono_literals;

TEST_CASE("metrics: counters by label, a cumulative histogram, bounded cipher labels") {
  Metrics m;
  m.set_known_cipher([](std::string_view c) { return c == "AES128-SHA"; });
  m.answered("reject", "r\"1", "enforce", 30us);
  m.answered("reject", "r\"1", "enforce", 3ms);
  m.answered("dunno", "-", "-", 1us);
  m.negotiated("TLSv1.2", "AES128-SHA");
  m.negotiated("TLSv1.2", "x\ny");
  m.negotiated("none", "");
  m.match_error("dyn");
  m.match_error("dyn");
  const std::string page = m.render();
  CHECK(page.find("tlspolicyd_match_errors_total{rule=\"dyn\"} 2\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_requests_total 3\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_answers_total{action=\"reject\",rule=\"r\\\"1\",mode=\"enforce\"} 2\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_request_duration_seconds_bucket{le=\"1e-05\"} 1\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_request_duration_seconds_bucket{le=\"5e-05\"} 2\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_request_duration_seconds_bucket{le=\"0.005\"} 3\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_request_duration_seconds_count 3\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_tls_cipher_requests_total{cipher=\"AES128-SHA\"} 1\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_tls_cipher_requests_total{cipher=\"other\"} 1\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_tls_protocol_requests_total{protocol=\"TLSv1.2\"} 2\n") != std::string::npos);
  CHECK(page.find("x\ny") == std::string::npos);
  CHECK(page.find("tlspolicyd_history_store_up") == std::string::npos);  // no store, no gauge
  CHECK(page.find("tlspolicyd_history_cache") == std::string::npos);
}

TEST_CASE("metrics: rules that applied, by whether their requirement held; log lines dropped") {
  Metrics m;
  using R = Metrics::RuleResult;
  m.rule_matched("floor", "enforce", R::Held);
  m.rule_matched("floor", "enforce", R::Held);
  m.rule_matched("floor", "enforce", R::Violated);
  m.rule_matched("tag", "observe", R::Applied);
  std::string page = m.render();
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"floor\",mode=\"enforce\",result=\"held\"} 2\n") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"floor\",mode=\"enforce\",result=\"violated\"} 1\n") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_rule_matches_total{rule=\"tag\",mode=\"observe\",result=\"applied\"} 1\n") !=
        std::string::npos);
  CHECK(page.find("tlspolicyd_log_lines_dropped_total") == std::string::npos);  // no sink told
  std::uint64_t dropped = 0;
  m.set_log_dropped([&] { return std::pair<std::string_view, std::uint64_t>{"syslog", dropped}; });
  dropped = 7;  // read at each render
  page = m.render();
  CHECK(page.find("# TYPE tlspolicyd_log_lines_dropped_total counter\n") != std::string::npos);
  CHECK(page.find("tlspolicyd_log_lines_dropped_total{sink=\"syslog\"} 7\n") != std::string::npos);
}

TEST_CASE("metrics: the history cache's entries and evictions by segment, with a store only") {
  Metrics m;
  m.history_cache({3, 40}, {5, 2});
  CHECK(m.render().find("tlspolicyd_history_cache") == std::string::npos);
  m.store_up(false);  // configured, even while down
  m.history_cache({3, 40}, {5, 2});
  const std::string page = m.render();
  for (const char* line : {
           "\n# TYPE tlspolicyd_history_cache_entries gauge\n",
           "\ntlspolicyd_history_cache_entries{segment=\"probation\"} 3\n",
           "\ntlspolicyd_history_cache_entries{segment=\"protected\"} 5\n",
           "\n# TYPE tlspolicyd_history_cache_evictions_total counter\n",
           "\ntlspolicyd_history_cache_evictions_total{segment=\"probation\"} 40\n",
           "\ntlspolicyd_history_cache_evictions_total{segment=\"protected\"} 2\n",
       }) {
    CAPTURE(line);
    CHECK(page.find(line) != std::string::npos);
  }
}
