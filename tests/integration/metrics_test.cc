// SPDX-License-Identifier: MIT
// Integration: the Prometheus page counts what was sent.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace tlspolicyd::test;

TEST_CASE("metrics: the page counts requests, answers, violations, protocols, ciphers, errors and reloads") {
  TempDir dir;
  const int port = free_port();
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\n"
                                                 "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(port) + "\" }\n"
                                                 "rules:\n"
                                                 "  - name: needs-tls\n"
                                                 "    require: { tls: true }\n"
                                                 "    action: \"reject 5.7.1 TLS please\"\n");
  Daemon d({"-c", config});
  d.wait_for_log("metrics on http://127.0.0.1:" + std::to_string(port) + "/metrics");
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send(request()));
    REQUIRE(c.answer() == "action=REJECT 5.7.1 TLS please\n\n");
  }
  REQUIRE(c.send(request({{"encryption_protocol", "TLSv1.3"}, {"encryption_cipher", "TLS_AES_256_GCM_SHA384"}})));
  REQUIRE(c.answer() == "action=DUNNO\n\n");
  REQUIRE(c.send(request({{"encryption_protocol", "TLSv1.3"}, {"encryption_cipher", "EVIL\"CIPHER"}})));
  REQUIRE(c.answer() == "action=DUNNO\n\n");
  Client bad = Client::unix_socket(sock);
  REQUIRE(bad.send("no equals sign\n\n"));
  CHECK(bad.closed_without_answer());
  d.wait_for_log("line without '='");
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 2 loaded");

  const std::string page = http_get(port, "/metrics");
  CHECK(page.find(" 200 OK\r\n") != std::string::npos);
  CHECK(page.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  for (const char* line : {
           "\ntlspolicyd_requests_total 5\n",
           "\ntlspolicyd_answers_total{action=\"reject\",rule=\"needs-tls\",mode=\"enforce\"} 3\n",
           "\ntlspolicyd_answers_total{action=\"dunno\",rule=\"default\",mode=\"-\"} 2\n",
           "\ntlspolicyd_violations_total{rule=\"needs-tls\",mode=\"enforce\",requirement=\"tls\"} 3\n",
           "\ntlspolicyd_rule_matches_total{rule=\"needs-tls\",mode=\"enforce\",result=\"violated\"} 3\n",
           "\ntlspolicyd_rule_matches_total{rule=\"needs-tls\",mode=\"enforce\",result=\"held\"} 2\n",
           "\ntlspolicyd_log_lines_dropped_total{sink=\"stderr\"} 0\n",
           "\ntlspolicyd_tls_protocol_requests_total{protocol=\"none\"} 3\n",
           "\ntlspolicyd_tls_protocol_requests_total{protocol=\"TLSv1.3\"} 2\n",
           "\ntlspolicyd_tls_cipher_requests_total{cipher=\"TLS_AES_256_GCM_SHA384\"} 1\n",
           "\ntlspolicyd_tls_cipher_requests_total{cipher=\"other\"} 1\n",
           "\ntlspolicyd_protocol_errors_total 1\n",
           "\ntlspolicyd_connections_total 2\n",
           "\ntlspolicyd_connections_open 1\n",
           "\ntlspolicyd_request_duration_seconds_count 5\n",
           "\ntlspolicyd_request_duration_seconds_bucket{le=\"+Inf\"} 5\n",
           "\ntlspolicyd_reloads_total{result=\"ok\"} 1\n",
           "\ntlspolicyd_config_generation 2\n",
           "\n# TYPE tlspolicyd_request_duration_seconds histogram\n",
       }) {
    CAPTURE(line);
    CHECK(page.find(line) != std::string::npos);
  }
  CHECK(page.find("EVIL") == std::string::npos);  // client-chosen text never becomes a label
  CHECK(page.find("tlspolicyd_history_cache") == std::string::npos);  // no history store
  // The version, the reload's success and time, and the process collector's series (issue 20).
  for (const char* line : {"\ntlspolicyd_build_info{version=\"", "\ntlspolicyd_config_last_reload_successful 1\n",
                           "\ntlspolicyd_config_last_reload_success_timestamp_seconds 1", "\nprocess_cpu_seconds_total ",
                           "\nprocess_resident_memory_bytes ", "\nprocess_virtual_memory_bytes ",
                           "\nprocess_start_time_seconds 1", "\nprocess_open_fds ", "\nprocess_max_fds ",
                           "\n# TYPE process_cpu_seconds_total counter\n"}) {
    CAPTURE(line);
    CHECK(page.find(line) != std::string::npos);
  }
  // A refused reload says so, and keeps the time of the last one applied.
  const std::string applied_at = page.substr(page.find("\ntlspolicyd_config_last_reload_success_timestamp_seconds "), 70);
  dir.write("c.yaml", "rules: [ { name: broken");
  d.signal(SIGHUP);
  d.wait_for_log("reload failed with");
  const std::string after = http_get(port, "/metrics");
  CHECK(after.find("\ntlspolicyd_config_last_reload_successful 0\n") != std::string::npos);
  CHECK(after.find("\ntlspolicyd_reloads_total{result=\"failed\"} 1\n") != std::string::npos);
  CHECK(after.find(applied_at.substr(0, applied_at.find('\n', 1))) != std::string::npos);
  CHECK(http_get(port, "/").find(" 404 ") != std::string::npos);
}

// Issue 18 items 2 and 8: keys seen once cannot push out a peer seen twice, and
// the page shows it.
TEST_CASE("metrics: the TLS history cache's entries and evictions by segment") {
  TempDir dir;
  const int port = free_port();
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\n"
                                                 "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(port) + "\" }\n"
                                                 "rules: []\n"
                                                 "downgrade: { store: memory, cache_entries: 100 }\n");
  Daemon d({"-c", config});
  d.wait_for_log("metrics on http://127.0.0.1:" + std::to_string(port) + "/metrics");
  Client c = Client::unix_socket(sock);
  auto transaction = [&](const std::string& instance, const std::string& sender) {
    REQUIRE(c.send(request({{"instance", instance}, {"sender", sender}})));
    REQUIRE(c.answer() == "action=DUNNO\n\n");
  };
  transaction("p.1", "a@partner.example");
  transaction("p.2", "a@partner.example");  // seen twice: protected
  for (int i = 0; i < 150; ++i) transaction("f." + std::to_string(i), "x@flood" + std::to_string(i) + ".example");
  // The service copies the figures once a second.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string page;
  while ((page = http_get(port, "/metrics")).find("tlspolicyd_history_cache_entries{segment=\"protected\"} 1\n") ==
             std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const char* line : {
           "\n# TYPE tlspolicyd_history_cache_entries gauge\n",
           "\ntlspolicyd_history_cache_entries{segment=\"probation\"} 99\n",
           "\ntlspolicyd_history_cache_entries{segment=\"protected\"} 1\n",
           "\n# TYPE tlspolicyd_history_cache_evictions_total counter\n",
           "\ntlspolicyd_history_cache_evictions_total{segment=\"probation\"} 51\n",
           "\ntlspolicyd_history_cache_evictions_total{segment=\"protected\"} 0\n",
       }) {
    CAPTURE(line);
    CHECK(page.find(line) != std::string::npos);
  }
}

TEST_CASE("metrics: a wildcard address is served, with a warning") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ \"unix:" + dir.path() + "/p.sock\" ]\nmetrics: { listen: \"inet:0.0.0.0:" +
                                          std::to_string(port) + "\" }\nrules: []\n")});
  CHECK(d.wait_for_log("warning: metrics on inet:0.0.0.0:" + std::to_string(port) + ", every address of this host")
            .find("prefer inet:127.0.0.1:PORT") != std::string::npos);
}

// Out of descriptors (issue 17 item 4): evhttp's listener used to retry accept()
// at once, forever, writing "[warn] Error from accept() call" to stderr millions
// of times. Now it pauses a second per failure, and libevent's messages go
// through the daemon's log, at most 10 a minute.
// A local user may hold the metrics port while the daemon restarts: the daemon
// serves Postfix without metrics rather than not at all (attacker review M1).
TEST_CASE("metrics: a port someone else holds costs the metrics, never the policy") {
  TempDir dir;
  const int port = free_port();
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(squatter >= 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(static_cast<std::uint16_t>(port));
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(squatter, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
  REQUIRE(::listen(squatter, 1) == 0);
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\nmetrics: { listen: \"inet:127.0.0.1:" +
                                          std::to_string(port) + "\" }\nrules: []\n")});
  CHECK(d.wait_for_log("metrics on inet:127.0.0.1:" + std::to_string(port) + ": ")
            .find("; serving without metrics (restart once the port is free)") != std::string::npos);
  Client c = Client::unix_socket(sock);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=DUNNO\n\n");
  ::close(squatter);
}

TEST_CASE("metrics: out of file descriptors, the metrics listener pauses instead of spinning, and logs little") {
  TempDir dir;
  const int port = free_port();
  const std::string sock = dir.path() + "/p.sock";
  Daemon::Options options;
  options.wrapper = {"prlimit", "--nofile=40:40"};
  Daemon d({"-c", dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\nmetrics: { listen: \"inet:127.0.0.1:" +
                                          std::to_string(port) + "\" }\nrules: []\n")},
           options);
  std::vector<Client> held;
  for (int i = 0; i < 60; ++i) held.push_back(Client::unix_socket(sock));  // the daemon runs out
  d.wait_for_log("cannot accept connections");
  std::vector<Client> scrapers;
  for (int i = 0; i < 3; ++i) scrapers.push_back(Client::tcp("127.0.0.1", port));  // queued by the kernel
  d.wait_for_log("cannot accept metrics connections");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a spinning listener writes thousands of lines by now
  const std::string log = d.log();
  std::size_t accept_lines = 0;
  for (std::size_t at = 0; (at = log.find("accept", at)) != std::string::npos; ++at) ++accept_lines;
  CHECK(accept_lines < 20);
  CHECK(log.find("[warn]") == std::string::npos);  // nothing from libevent straight to stderr
  held.clear();  // descriptors come back: the page is served again
  Client scraper = Client::tcp("127.0.0.1", port);
  REQUIRE(scraper.send("GET /metrics HTTP/1.0\r\n\r\n"));
  while (scraper.fill_until_closed()) {
  }
  CHECK(scraper.pending().find("tlspolicyd_connections_open") != std::string::npos);
}

TEST_CASE("metrics: a regex the engine gives up on fails closed, is logged with the rule and counted") {
  TempDir dir;
  const int port = free_port();
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\n"
                                                 "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(port) + "\" }\n"
                                                 "rules:\n"
                                                 "  - name: dynamic\n"
                                                 "    match: { helo_name: \"/^([a-z0-9-]+\\\\.)+dynamic\\\\.example$/\" }\n"
                                                 "    action: \"reject 5.7.1 dynamic\"\n"
                                                 "  - name: exempt\n"
                                                 "    match: { helo_name: \"/^(a+)+$/\" }\n"
                                                 "    action: dunno\n"
                                                 "  - name: last\n"
                                                 "    action: \"reject 5.7.1 last\"\n");
  Daemon d({"-c", config});
  d.wait_for_log("metrics on http://127.0.0.1:" + std::to_string(port) + "/metrics");
  Client c = Client::unix_socket(sock);
  // The audit's HELO: 4 000 labels within the default 8 192-byte line. It used to
  // exhaust PCRE2's default JIT stack and silently not match.
  std::string helo;
  for (int i = 0; i < 4000; ++i) helo += "a.";
  REQUIRE(c.send(request({{"helo_name", helo + "dynamic.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 dynamic\n\n");
  // A catastrophic pattern on a hostile value: neither the exemption nor a skip.
  REQUIRE(c.send(request({{"helo_name", std::string(5000, 'a') + "b"}})));
  CHECK(c.answer() == "action=DEFER 4.3.0 Temporary policy lookup failure\n\n");
  d.wait_for_log("rule exempt: \"regex /^(a+)+$/ failed: match limit exceeded\"; the rule counts as failed");
  const std::string page = http_get(port, "/metrics");
  CHECK(page.find("\ntlspolicyd_match_errors_total{rule=\"exempt\"} 1\n") != std::string::npos);
}

// Anyone who can reach the port may connect (issue 17 item 4): at most 16
// connections at once, a request head within 8 KiB, the whole exchange within
// 5 s from the connection's start whatever trickles in; policy answers go on.
TEST_CASE("metrics: connections are capped, trickling clients cut at the deadline, other methods refused") {
  TempDir dir;
  const int port = free_port();
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\nmetrics: { listen: \"inet:127.0.0.1:" +
                                          std::to_string(port) + "\" }\nrules: []\n")});
  d.wait_for_log("metrics on http://");
  std::vector<Client> tricklers;
  for (int i = 0; i < 16; ++i) {
    tricklers.push_back(Client::tcp("127.0.0.1", port));
    REQUIRE(tricklers.back().send("G"));
  }
  Client over = Client::tcp("127.0.0.1", port);  // the 17th
  CHECK(over.closed_without_answer());
  Client policy = Client::unix_socket(sock);
  REQUIRE(policy.send(request()));
  CHECK(policy.answer() == "action=DUNNO\n\n");
  // A byte a second does not keep a trickler: closed 5 s after it connected.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    for (auto& t : tricklers) t.send("E");
  }
  for (auto& t : tricklers) CHECK(t.closed_without_answer());
  CHECK(http_get(port, "/metrics").find(" 200 OK") != std::string::npos);  // room again
  Client post = Client::tcp("127.0.0.1", port);
  REQUIRE(post.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  while (post.fill_until_closed()) {
  }
  CHECK(post.pending().starts_with("HTTP/1.1 405 "));
  Client head = Client::tcp("127.0.0.1", port);
  REQUIRE(head.send("HEAD /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (head.fill_until_closed()) {
  }
  CHECK(head.pending().starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.pending().ends_with("\r\n\r\n"));  // no body
  Client big = Client::tcp("127.0.0.1", port);
  big.send("GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a'));
  CHECK(big.closed_without_answer());
}
