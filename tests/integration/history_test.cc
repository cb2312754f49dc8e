// SPDX-License-Identifier: MIT
// Integration: TLS history and downgrade detection with LMDB, memory and a real
// redis-server, and `tlspolicyd report`.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "harness.h"
#include "history_support.h"

using namespace tlspolicyd::test;

namespace {

std::string config(const std::string& sock, const std::string& store, const std::string& mode,
                   const std::string& extra = {}) {
  return history_config(sock, store, mode, extra);
}

}  // namespace

TEST_CASE("history (lmdb): survives a restart and a kill -9; a downgrade is logged and answered in enforce mode") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg = dir.write("c.yaml", config(sock, "lmdb:" + dir.path() + "/history", "enforce"));
  {
    Daemon d({"-c", cfg, "--log-level", "debug"});
    Client c = Client::unix_socket(sock);
    for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
    d.wait_for_log("history: wrote 1 record(s)");
    d.signal(SIGTERM);
    CHECK(d.wait_exit() == 0);
  }
  {
    Daemon d({"-c", cfg, "--log-level", "debug"});
    d.wait_for_log("history: read 1 record(s) ahead");
    Client c = Client::unix_socket(sock);
    CHECK(ask(c, transaction("t.3", "TLSv1.3")) == "action=DUNNO\n\n");
    d.wait_for_log("history: wrote 1 record(s)");
    d.signal(SIGKILL);  // no goodbye: what was written must be there
    d.wait_exit();
  }
  Daemon d({"-c", cfg});
  d.wait_for_log("history: read 1 record(s) ahead");
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("p.1", "")) == DefaultDefer);
  const std::string line = d.wait_for_log("downgrade=detected");
  CHECK(line.find("warning: downgrade=detected key=partner.example|mx.partner.example reason=\"plaintext after 4 TLS "
                  "transactions (best TLSv1.3)\" before_best=TLSv1.3 before_tls=4 before_plaintext=0") !=
        std::string::npos);
  CHECK(line.find("arrived=none") != std::string::npos);
  CHECK(line.find("mode=enforce") != std::string::npos);
  d.wait_for_log("action=defer rule=downgrade mode=enforce reason=\"plaintext after 4 TLS transactions");
  // The second RCPT of the same transaction gets the same answer, logged once.
  CHECK(ask(c, transaction("p.1", "")) == DefaultDefer);
  // A lower version is a downgrade too.
  CHECK(ask(c, transaction("old.1", "TLSv1.2")) == DefaultDefer);
  d.wait_for_log("reason=\"TLSv1.2 below TLSv1.3 seen before\"");
}

TEST_CASE("history: observe logs only, warn answers WARN, exempt peers and other keys are never flagged") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  for (const std::string mode : {"observe", "warn"}) {
    CAPTURE(mode);
    const std::string cfg = dir.write(
        "c.yaml", config(sock, "memory", mode,
                         "  min_observations: 2\n"
                         "  exempt: { client_name: .forwarder.example }\n"
                         "  action: \"defer 4.7.0 TLS downgrade from ${client_name} (${reason})\"\n"));
    Daemon d({"-c", cfg, "--log-level", "debug"});
    Client c = Client::unix_socket(sock);
    for (int i = 0; i < 2; ++i) {
      ask(c, transaction("t." + std::to_string(i), "TLSv1.2"));
      ask(c, transaction("f." + std::to_string(i), "TLSv1.2", "a@partner.example", "mx.forwarder.example"));
    }
    d.wait_for_log("history: wrote 2 record(s)");
    const std::string answer = ask(c, transaction("p.1", ""));
    if (mode == "observe") {
      CHECK(answer == "action=DUNNO\n\n");
      d.wait_for_log("observe: rule=downgrade would=defer reason=\"plaintext after 2 TLS");
    } else {
      CHECK(answer ==
            "action=WARN tlspolicyd rule \"downgrade\" would answer: DEFER 4.7.0 TLS downgrade from mx.partner.example "
            "(plaintext after 2 TLS transactions (best TLSv1.2))\n\n");
    }
    d.wait_for_log("warning: downgrade=detected key=partner.example|mx.partner.example");
    CHECK(ask(c, transaction("fp.1", "", "a@partner.example", "mx.forwarder.example")) == "action=DUNNO\n\n");
    CHECK(ask(c, transaction("n.1", "", "a@other.example")) == "action=DUNNO\n\n");  // no history: no verdict
    CHECK(d.log().find("key=partner.example|mx.forwarder.example") == std::string::npos);
  }
}

TEST_CASE("history (redis): two daemons share what they saw; records expire after the retention") {
  RedisServer redis;
  TempDir dir;
  const std::string store = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  const std::string sock_a = dir.path() + "/a.sock", sock_b = dir.path() + "/b.sock";
  Daemon a({"-c", dir.write("a.yaml", config(sock_a, store, "enforce")), "--log-level", "debug"});
  Daemon b({"-c", dir.write("b.yaml", config(sock_b, store, "enforce")), "--log-level", "debug"});
  Client ca = Client::unix_socket(sock_a);
  for (int i = 0; i < 3; ++i) CHECK(ask(ca, transaction("a." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  a.wait_for_log("history: wrote 1 record(s)");

  Client cb = Client::unix_socket(sock_b);
  CHECK(ask(cb, transaction("b.0", "TLSv1.3")) == "action=DUNNO\n\n");  // B fetches what A wrote
  b.wait_for_log("history: wrote 1 record(s)");
  CHECK(ask(cb, transaction("b.1", "")) == DefaultDefer);
  CHECK(b.wait_for_log("downgrade=detected").find("before_tls=4") != std::string::npos);  // 3 from A, 1 from B

  RunResult ttl = run_program({"redis-cli", "-p", std::to_string(redis.port()), "TTL",
                               "tlspolicyd:history:partner.example|mx.partner.example"});
  const int seconds = std::stoi(ttl.out);
  CHECK(seconds > 7000);
  CHECK(seconds <= 7200);
}

TEST_CASE("history (redis): two daemons' counts add up exactly: 6 + 6 = 12") {
  RedisServer redis;
  TempDir dir;
  const std::string store = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  const std::string sock_a = dir.path() + "/a.sock", sock_b = dir.path() + "/b.sock";
  const std::string cfg_a = dir.write("a.yaml", config(sock_a, store, "observe"));
  Daemon a({"-c", cfg_a, "--log-level", "debug"});
  Daemon b({"-c", dir.write("b.yaml", config(sock_b, store, "observe")), "--log-level", "debug"});
  Client ca = Client::unix_socket(sock_a), cb = Client::unix_socket(sock_b);
  // Both hosts fetch the peer before either writes, then count at the same time.
  for (int i = 0; i < 6; ++i) {
    CHECK(ask(ca, transaction("a." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
    CHECK(ask(cb, transaction("b." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  }
  for (Daemon* d : {&a, &b}) {
    d->signal(SIGTERM);  // writes what is unwritten
    CHECK(d->wait_exit() == 0);
  }
  RunResult json = run({"report", "-c", cfg_a, "--json"});
  CHECK(json.exit_code == 0);
  CHECK(json.out.find("{\"key\":\"partner.example|mx.partner.example\",") != std::string::npos);
  CHECK(json.out.find("\"plaintext\":0,\"tls\":12,\"by_protocol\":{\"TLSv1.3\":12},") != std::string::npos);
  RunResult hash = run_program({"redis-cli", "-p", std::to_string(redis.port()), "HGET",
                                "tlspolicyd:history:partner.example|mx.partner.example", "c7"});
  CHECK(hash.out == "12\n");
}

TEST_CASE("history (redis): a batch whose reply was lost is retried and counted once") {
  RedisServer redis;
  const std::string port = std::to_string(redis.port());
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, "redis://127.0.0.1:" + port + "/0", "observe")), "--log-level",
            "debug"});
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("t.0", "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");
  // A script that keeps Redis busy for 8 s: the daemon's next write waits in
  // Redis's socket, the daemon's reply times out (2 s), and Redis runs the write
  // afterwards. The retry, with the same batch id, must be skipped.
  CHECK(run_program({"redis-cli", "-p", port, "CONFIG", "SET", "busy-reply-threshold", "30000"}).exit_code == 0);
  Process busy({"redis-cli", "-p", port, "EVAL",
                "local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 8000000; "
                "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop; return 1",
                "0"});
  // Redis is busy once a PING gets no answer within a second.
  bool blocked = false;
  for (const auto until = std::chrono::steady_clock::now() + Deadline; !blocked && std::chrono::steady_clock::now() < until;) {
    blocked = run_program({"timeout", "1", "redis-cli", "-p", port, "PING"}).exit_code == 124;
  }
  REQUIRE(blocked);
  for (int i = 1; i <= 5; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("unavailable");
  CHECK(busy.wait_exit() == 0);
  d.wait_for_log("available again");
  d.wait_for_log("history: wrote 1 record(s)");
  RunResult hash = run_program({"redis-cli", "-p", port, "HGET",
                                "tlspolicyd:history:partner.example|mx.partner.example", "c7"});
  CHECK(hash.out == "6\n");
  RunResult markers = run_program({"redis-cli", "-p", port, "--scan", "--pattern", "tlspolicyd:batch:*"});
  CHECK(markers.out.find("tlspolicyd:batch:") != std::string::npos);
}

TEST_CASE("history (redis): Redis killed and restarted mid-run loses no answer") {
  const int port = free_port();
  auto redis = std::make_unique<RedisServer>(port);
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg =
      dir.write("c.yaml", config(sock, "redis://127.0.0.1:" + std::to_string(port) + "/0", "enforce"));
  Daemon d({"-c", cfg, "--log-level", "debug"});
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");

  redis->kill();
  for (int i = 0; i < 30; ++i) {
    // Every request is answered at once, by the rules, with what is known here.
    CHECK(ask(c, transaction("down." + std::to_string(i), "TLSv1.3", "u" + std::to_string(i) + "@new.example")) ==
          "action=DUNNO\n\n");
  }
  d.wait_for_log("unavailable");
  CHECK(ask(c, transaction("down.p", "")) == DefaultDefer);  // the cached history still counts

  redis = std::make_unique<RedisServer>(port);
  for (int i = 0; i < 20 && d.log().find("available again") == std::string::npos; ++i) {
    CHECK(ask(c, transaction("up." + std::to_string(i), "TLSv1.3", "w@back.example")) == "action=DUNNO\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // paces the retries; not a pass condition
  }
  d.wait_for_log("history store redis://127.0.0.1:" + std::to_string(port) + "/0 available again");
  d.wait_for_log("history: wrote");
  RunResult keys = run_program({"redis-cli", "-p", std::to_string(port), "--scan", "--pattern", "tlspolicyd:history:*"});
  CHECK(keys.out.find("tlspolicyd:history:partner.example|mx.partner.example") != std::string::npos);
}

TEST_CASE("history (redis): what was counted while Redis was away is in the record fetched again") {
  // Review 11: Redis came back, the change log's poll saw it first, and the keys
  // answered "unavailable" were fetched before what was counted meanwhile was
  // written: their TLS transactions were gone from the view, and a downgrade
  // after a failover was missed. (Which store call succeeds first is the
  // machine's timing: here the write often does, and then this passed before the
  // fix too. It guards the order a fetch now keeps: writes first.)
  const int port = free_port();
  auto redis = std::make_unique<RedisServer>(port);
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg =
      dir.write("c.yaml", config(sock, "redis://127.0.0.1:" + std::to_string(port) + "/0", "enforce"));
  Daemon d({"-c", cfg, "--log-level", "debug"});
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("t.0", "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");
  redis->kill();
  for (int i = 0; i < 5; ++i) {
    CHECK(ask(c, transaction("down." + std::to_string(i), "TLSv1.3", "u@new.example")) == "action=DUNNO\n\n");
  }
  d.wait_for_log("unavailable");
  redis = std::make_unique<RedisServer>(port);  // empty: a failover to a replica that had not seen them
  d.wait_for_log("available again");
  // A fresh key's fetch, once answered, comes after the refetch of new.example.
  CHECK(ask(c, transaction("fresh", "TLSv1.3", "a@fresh.example")) == "action=DUNNO\n\n");
  CHECK(ask(c, transaction("after.p", "", "u@new.example")) == DefaultDefer);
}

TEST_CASE("history: downgrade: removed by one reload and given back by the next (it crashed the daemon)") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string with = config(sock, "memory", "enforce");
  const std::string path = dir.write("c.yaml", with);
  Daemon d({"-c", path});
  dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\nrules: []\n");
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 2 loaded");
  // Not silently (review 10): the history checks stop.
  CHECK(d.log().find("downgrade: was removed; TLS history is neither checked nor counted until it is back") !=
        std::string::npos);
  dir.write("c.yaml", with);
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 3 loaded");
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("t1", "TLSv1.3")) == "action=DUNNO\n\n");
}

TEST_CASE("report: the figures of a scripted history") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg = dir.write("c.yaml", config(sock, "lmdb:" + dir.path() + "/history", "observe"));
  {
    Daemon d({"-c", cfg, "--log-level", "debug"});
    Client c = Client::unix_socket(sock);
    for (int i = 0; i < 3; ++i) ask(c, transaction("a." + std::to_string(i), "TLSv1.3", "x@a.example", "mx.a.example"));
    d.wait_for_log("history: wrote 1 record(s)");
    ask(c, transaction("a.p", "", "x@a.example", "mx.a.example"));  // a downgrade (observed)
    ask(c, transaction("b.0", "TLSv1", "x@b.example", "mx.b.example"));
    ask(c, transaction("b.1", "TLSv1", "x@b.example", "mx.b.example"));
    ask(c, transaction("b.2", "TLSv1.2", "x@b.example", "mx.b.example"));
    ask(c, transaction("c.0", "", "x@c.example", "unknown"));
    ask(c, transaction("c.1", "", "x@c.example", "unknown"));
    d.signal(SIGTERM);  // writes what is unwritten
    CHECK(d.wait_exit() == 0);
  }
  RunResult json = run({"report", "-c", cfg, "--json"});
  CHECK(json.exit_code == 0);
  CHECK(json.err == "");
  const std::string& j = json.out;
  CHECK(j.find("\"transactions\":9,\"plaintext\":3,\"tls\":6,\"downgrades\":1,") != std::string::npos);
  CHECK(j.find("{\"key\":\"a.example|mx.a.example\",") != std::string::npos);
  CHECK(j.find("\"plaintext\":1,\"tls\":3,\"by_protocol\":{\"TLSv1.3\":3},\"best\":\"TLSv1.3\",\"last\":\"none\","
               "\"downgrades\":1}") != std::string::npos);
  CHECK(j.find("\"plaintext\":0,\"tls\":3,\"by_protocol\":{\"TLSv1\":2,\"TLSv1.2\":1},\"best\":\"TLSv1.2\","
               "\"last\":\"TLSv1.2\",\"downgrades\":0}") != std::string::npos);
  CHECK(j.find("{\"key\":\"c.example|192.0.2.10\",") != std::string::npos);
  CHECK(j.find("\"TLS\":{\"peers\":2,\"transactions\":3,\"refused\":[{\"key\":\"c.example|192.0.2.10\","
               "\"transactions\":2},{\"key\":\"a.example|mx.a.example\",\"transactions\":1}]}") != std::string::npos);
  CHECK(j.find("\"TLS 1.2\":{\"peers\":3,\"transactions\":5,") != std::string::npos);

  RunResult table = run({"report", "-c", cfg});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("3 peer(s), 9 transaction(s): 3 plaintext, 6 TLS; 1 downgrade(s)") != std::string::npos);
  CHECK(table.out.find("If TLS were required from everyone: 2 peer(s), 3 transaction(s) (33.3%) refused") !=
        std::string::npos);
  CHECK(table.out.find("If TLS 1.2 were required from everyone: 3 peer(s), 5 transaction(s) (55.6%) refused") !=
        std::string::npos);

  RunResult recent = run({"report", "-c", cfg, "--since", "1h", "--json"});
  CHECK(recent.out.find("\"transactions\":9,") != std::string::npos);
  CHECK(run({"report", "-c", cfg, "--since", "soon"}).exit_code == 64);
  CHECK(run({"report", "-c", dir.write("none.yaml", "rules: []\n")}).exit_code == 69);
}

TEST_CASE("report: a key with ESC and CR from a client is shown escaped, never raw on the terminal") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg = dir.write("c.yaml", config(sock, "lmdb:" + dir.path() + "/history", "observe"));
  {
    Daemon d({"-c", cfg, "--log-level", "debug"});
    Client c = Client::unix_socket(sock);
    ask(c, transaction("e.0", "", "x@evil\x1b[2J\r.example", "mx.evil.example"));
    d.signal(SIGTERM);  // writes what is unwritten
    CHECK(d.wait_exit() == 0);
  }
  RunResult table = run({"report", "-c", cfg});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find('\x1b') == std::string::npos);
  CHECK(table.out.find('\r') == std::string::npos);
  CHECK(table.out.find("\"evil\\x1b[2j\\x0d.example|mx.evil.example\"") != std::string::npos);
  RunResult json = run({"report", "-c", cfg, "--json"});
  CHECK(json.out.find('\x1b') == std::string::npos);
  CHECK(json.out.find('\r') == std::string::npos);
}

// Issue 18 item 1: a request whose key is not in memory waits for the store's
// record (downgrade.lookup_timeout), so no daemon answers a known peer as new.
TEST_CASE("history (redis): B's first request for a peer A learned is a downgrade, not a stranger's") {
  RedisServer redis;
  TempDir dir;
  const std::string store = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  const std::string sock_a = dir.path() + "/a.sock", sock_b = dir.path() + "/b.sock";
  Daemon a({"-c", dir.write("a.yaml", config(sock_a, store, "enforce")), "--log-level", "debug"});
  Daemon b({"-c", dir.write("b.yaml", config(sock_b, store, "enforce")), "--log-level", "debug"});
  Client ca = Client::unix_socket(sock_a);
  for (int i = 0; i < 3; ++i) CHECK(ask(ca, transaction("a." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  a.wait_for_log("history: wrote 1 record(s)");
  Client cb = Client::unix_socket(sock_b);
  CHECK(ask(cb, transaction("b.0", "")) == DefaultDefer);  // B has never seen the peer itself
  CHECK(b.wait_for_log("downgrade=detected").find("before_tls=3") != std::string::npos);
}

TEST_CASE("history: 2 000 fresh keys through a 100-key cache do not hide a known peer's plaintext (LMDB, Redis)") {
  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  std::string store = "lmdb:" + dir.path() + "/history";
  SUBCASE("lmdb") {}
  SUBCASE("redis") {
    redis = std::make_unique<RedisServer>();
    store = "redis://127.0.0.1:" + std::to_string(redis->port()) + "/0";
  }
  CAPTURE(store);
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, store, "enforce", "  cache_entries: 100\n")), "--log-level",
            "debug"});
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");
  // Sender domains are the client's free choice: each is a new key.
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    CHECK(ask(c, transaction("f." + n, "TLSv1.3", "x@flood" + n + ".example", "mx.flood.example")) ==
          "action=DUNNO\n\n");
  }
  CHECK(ask(c, transaction("p.1", "")) == DefaultDefer);
  d.wait_for_log("downgrade=detected key=partner.example|mx.partner.example");
}

TEST_CASE("history (redis): a store that stops answering costs lookup_timeout, then the answer comes without it") {
  RedisServer redis;
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string store = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  Daemon d({"-c", dir.write("c.yaml", config(sock, store, "enforce", "  lookup_timeout: 300ms\n"))});
  Client c = Client::unix_socket(sock);
  redis.freeze();
  const auto started = std::chrono::steady_clock::now();
  CHECK(ask(c, transaction("t.0", "")) == "action=DUNNO\n\n");
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));  // it did wait
  const std::string line = d.wait_for_log("answered without their TLS history");
  CHECK(line.find("history: 1 request(s) answered without their TLS history: " + store +
                  " did not answer within downgrade.lookup_timeout (the last: key=partner.example|mx.partner.example)") !=
        std::string::npos);
  redis.thaw();
}

// Attacker re-review: stopping while requests wait for the store used a key after
// freeing it (exit 139, no answers).
TEST_CASE("history (redis): stopping while requests wait for the store answers them and exits 0") {
  RedisServer redis;
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string store = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  Daemon d({"-c", dir.write("c.yaml", config(sock, store, "enforce", "  lookup_timeout: 10s\n"))});
  redis.freeze();
  std::vector<Client> waiting;
  for (int i = 0; i < 20; ++i) {
    waiting.push_back(Client::unix_socket(sock));
    REQUIRE(waiting.back().send(transaction("s." + std::to_string(i), "", "a@p" + std::to_string(i % 3) + ".example")));
  }
  d.wait_for_log_any({"unavailable", "history:"});  // the worker is stuck on Redis: they wait
  d.signal(SIGTERM);
  for (auto& c : waiting) CHECK(c.answer() == "action=DUNNO\n\n");
  CHECK(d.wait_exit() == 0);
  redis.thaw();
}

// Attacker re-review: on an inet listener a local user who is not Postfix
// (limits.reserved_for: postfix, root) claimed TLSv1.3 for a peer, and Postfix's
// real TLSv1.2 mail was then deferred as a downgrade for the retention.
TEST_CASE("history: a local user who is not Postfix neither writes nor reads the TLS history") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ inet:127.0.0.1:" + std::to_string(port) +
                                          " ]\nrules: []\ndowngrade: { store: memory, mode: enforce, "
                                          "min_observations: 1 }\n")});
  Client nobody = Client::tcp_from("127.0.0.1", "127.0.0.1", port, 65534);
  for (int i = 0; i < 3; ++i) CHECK(ask(nobody, transaction("n." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  // A socket bound to a device hides from the kernel's lookup on every interface
  // (final attacker review): it is still nobody's, or an unknown local user's.
  Client hidden = Client::tcp_from("127.0.0.2", "127.0.0.1", port, 65534, true);
  for (int i = 0; i < 3; ++i) CHECK(ask(hidden, transaction("h." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  Client postfix = Client::tcp("127.0.0.1", port);  // root: reserved by default, as postfix is
  CHECK(ask(postfix, transaction("p.0", "TLSv1.2")) == "action=DUNNO\n\n");  // nobody's TLSv1.3 does not count
  CHECK(ask(postfix, transaction("p.1", "")) == DefaultDefer);                // Postfix's own history does
  CHECK(ask(nobody, transaction("n.3", "")) == "action=DUNNO\n\n");         // and is never asked for nobody
  CHECK(d.log().find("before_best=TLSv1.3") == std::string::npos);
}

TEST_CASE("history: reserved_for naming only another MX's network keeps local users out of the history") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ inet:127.0.0.1:" + std::to_string(port) +
                                          " ]\nlimits: { reserved_for: [ 192.0.2.26 ] }\nrules: []\n"
                                          "downgrade: { store: memory, mode: enforce, min_observations: 1 }\n")});
  Client nobody = Client::tcp_from("127.0.0.1", "127.0.0.1", port, 65534);
  for (int i = 0; i < 3; ++i) CHECK(ask(nobody, transaction("n." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  Client postfix = Client::tcp("127.0.0.1", port);  // root: still reserved, as postfix is
  CHECK(ask(postfix, transaction("p.0", "TLSv1.2")) == "action=DUNNO\n\n");  // nobody's TLSv1.3 does not count
  CHECK(ask(postfix, transaction("p.1", "")) == DefaultDefer);
}

TEST_CASE("history: a key that names no client is warned about at start (anyone may claim a sender domain)") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, "memory", "enforce", "  key: [sender_domain]\n"))});
  CHECK(d.wait_for_log("downgrade.key names no client").find("add client to the key") != std::string::npos);
  Daemon good({"-c", dir.write("g.yaml", config(dir.path() + "/g.sock", "memory", "enforce",
                                                "  key: [sender_domain, sasl_username]\n"))});
  CHECK(good.log().find("names no client") == std::string::npos);  // started: its start lines are written
}
