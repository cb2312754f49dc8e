// SPDX-License-Identifier: MIT
// Integration: faults around the daemon (issue 8). The system log going away,
// stalling and coming back. Reloads with an unreadable configuration or a
// vanished list file, Redis killed mid-run and a full LMDB are in
// lifecycle_test.cc and history_test.cc.
#include <doctest/doctest.h>

#include <string>

#include "harness.h"

using namespace tlspolicyd::test;

TEST_CASE("faults: the system log going away, stalling and coming back never holds up an answer") {
  TempDir dir;
  SyslogServer syslog(dir.path() + "/log");
  const int port = free_port();
  const std::string config = dir.write("c.yaml", "listen: [ unix:" + dir.path() + "/policy.sock ]\n"
                                                 "log: { syslog: { socket: " + dir.path() + "/log }, decisions: all }\n"
                                                 "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(port) + "\" }\n"
                                                 "rules:\n"
                                                 "  - name: echo\n"
                                                 "    action: \"reject 5.7.1 sender ${sender}\"\n");
  Daemon::Options options;
  options.wait_ready = false;
  options.log_stderr = false;
  Daemon d({"-c", config}, options);

  // RFC 3164 to the configured socket: <mail.info> time ident[pid]: text.
  const std::string ready = syslog.wait_for("ready:");
  CHECK(ready.starts_with("<22>"));
  CHECK(ready.find(" tlspolicyd[" + std::to_string(d.pid()) + "]: ready:") != std::string::npos);
  Client c = Client::unix_socket(dir.path() + "/policy.sock");
  REQUIRE(c.send(request({{"sender", "first@x"}})));
  REQUIRE(c.answer() == "action=REJECT 5.7.1 sender first@x\n\n");
  CHECK(syslog.wait_for("from=<first@x>").find("action=reject rule=echo") != std::string::npos);

  SUBCASE("stalled: the log daemon reads nothing while 2 000 decisions are logged") {
    for (int i = 0; i < 2000; ++i) {
      REQUIRE(c.send(request({{"sender", "stall" + std::to_string(i) + "@x"}})));
      REQUIRE(c.answer() == "action=REJECT 5.7.1 sender stall" + std::to_string(i) + "@x\n\n");
    }
    syslog.drain();  // it wakes up
    REQUIRE(c.send(request({{"sender", "after-stall@x"}})));
    REQUIRE(c.answer() == "action=REJECT 5.7.1 sender after-stall@x\n\n");
    const std::string note = syslog.wait_for("log line(s) lost");
    CHECK(note.starts_with("<20>"));  // mail.warning
    CHECK(note.find("the system log (" + dir.path() + "/log) was unavailable or full") != std::string::npos);
    syslog.wait_for("from=<after-stall@x>");
  }

  SUBCASE("gone, then back: lines meanwhile are counted, the socket is found again") {
    syslog.close();
    for (int i = 0; i < 100; ++i) {
      REQUIRE(c.send(request({{"sender", "gone" + std::to_string(i) + "@x"}})));
      REQUIRE(c.answer() == "action=REJECT 5.7.1 sender gone" + std::to_string(i) + "@x\n\n");
    }
    syslog.open();
    // The daemon tries the socket again at most once a second: ask until it logs.
    std::optional<std::string> first;
    const auto until = std::chrono::steady_clock::now() + Deadline;
    for (int i = 0; !first && std::chrono::steady_clock::now() < until; ++i) {
      REQUIRE(c.send(request({{"sender", "back" + std::to_string(i) + "@x"}})));
      REQUIRE(c.answer());
      first = syslog.next(100);
    }
    REQUIRE(first);
    CHECK(first->find("log line(s) lost") != std::string::npos);
    // The loss is counted where it cannot be lost (issue 20).
    CHECK(metric_value(http_get(port, "/metrics"), "tlspolicyd_log_lines_dropped_total{sink=\"syslog\"}") >= 100);
    CHECK(first->find("warning: ") != std::string::npos);
    CHECK(syslog.next(1000).value_or("").find("from=<back") != std::string::npos);
  }
}

TEST_CASE("faults: a stderr nobody reads never holds up an answer; lines beyond the buffer are counted") {
  TempDir dir;
  const int port = free_port();
  const std::string config = dir.write("c.yaml", "listen: [ unix:" + dir.path() + "/policy.sock ]\n"
                                                 "log: { decisions: all }\n"
                                                 "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(port) + "\" }\n"
                                                 "rules:\n"
                                                 "  - name: echo\n"
                                                 "    action: \"reject 5.7.1 sender ${sender}\"\n");
  Daemon d({"-c", config});  // logging to a pipe the test reads (--log-stderr)
  Client c = Client::unix_socket(dir.path() + "/policy.sock");
  auto ask = [&](const std::string& sender) {
    REQUIRE(c.send(request({{"sender", sender}})));
    REQUIRE(c.answer() == "action=REJECT 5.7.1 sender " + sender + "\n\n");
  };

  // 3 000 decision lines of about 250 bytes: more than the pipe (64 KiB) and the
  // daemon's own buffer (256 KiB) together hold while nobody reads.
  d.hold_log(true);
  for (int i = 0; i < 3000; ++i) ask("stall" + std::to_string(i) + "@x");
  d.hold_log(false);

  // The lines that waited go out by themselves, with no new line to push them.
  d.wait_for_log("from=<stall500@x>");
  // The loss is reported before the next line that finds room.
  const auto until = std::chrono::steady_clock::now() + Deadline;
  int after = 0;
  while (d.log().find("log line(s) lost") == std::string::npos && std::chrono::steady_clock::now() < until) {
    ask("after" + std::to_string(after++) + "@x");
  }
  const std::string note = d.wait_for_log("log line(s) lost: stderr did not take them");
  CHECK(note.find("warning: ") != std::string::npos);
  const double reported = std::strtod(note.substr(note.find("warning: ") + 9).c_str(), nullptr);
  CHECK(reported > 0);
  CHECK(metric_value(http_get(port, "/metrics"), "tlspolicyd_log_lines_dropped_total{sink=\"stderr\"}") >= reported);
  const std::string all = d.log();
  CHECK(all.find("from=<stall0@x>") != std::string::npos);        // the first lines were kept
  CHECK(all.find("from=<stall2999@x>") == std::string::npos);     // the last ones were not
  CHECK(all.find("from=<stall0@x>") < all.find("log line(s) lost"));
  ask("last@x");
  d.wait_for_log("from=<last@x>");
}
