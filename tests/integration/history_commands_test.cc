// SPDX-License-Identifier: MIT
// Integration: `tlspolicyd history show|forget|rebaseline|export|import|learn` on
// LMDB and a real redis-server, alone and beside a running daemon.
#include <doctest/doctest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "harness.h"
#include "history_support.h"

using namespace tlspolicyd::test;

namespace {

const std::string Key = "partner.example|mx.partner.example";
std::string config(const std::string& sock, const std::string& store, const std::string& extra = {}) {
  return history_config(sock, store, "enforce", extra);
}

// A store of each kind, for SUBCASEs: LMDB in `dir`, or the Redis server.
struct Stores {
  TempDir dir;
  RedisServer redis;
  std::string lmdb() const { return "lmdb:" + dir.path() + "/history"; }
  std::string redis_url(int db = 0) const { return "redis://127.0.0.1:" + std::to_string(redis.port()) + "/" + std::to_string(db); }
};

// Fills `store` through a daemon: 3 TLSv1.3 transactions and a plaintext one from
// the partner, a key with a space and a quote, and one TLSv1.2 peer.
void fill(const TempDir& dir, const std::string& store) {
  const std::string sock = dir.path() + "/fill.sock";
  Daemon d({"-c", dir.write("fill.yaml", config(sock, store)), "--log-level", "debug"});
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");
  CHECK(ask(c, transaction("p.0", "")) == DefaultDefer);
  ask(c, transaction("q.0", "TLSv1.2", "x@odd.example", "mx \"odd\".example"));
  ask(c, transaction("o.0", "TLSv1.2", "x@other.example", "mx.other.example"));
  d.signal(SIGTERM);  // writes what is unwritten
  CHECK(d.wait_exit() == 0);
}

}  // namespace

TEST_CASE("history show, forget, export and import: LMDB and Redis") {
  Stores stores;
  for (const bool redis : {false, true}) {
    CAPTURE(redis);
    const std::string store = redis ? stores.redis_url(1) : stores.lmdb();
    const std::string empty_store = redis ? stores.redis_url(2) : "lmdb:" + stores.dir.path() + "/empty";
    fill(stores.dir, store);
    const std::string cfg = stores.dir.write("c.yaml", config(stores.dir.path() + "/p.sock", store));
    const std::string empty_cfg = stores.dir.write("e.yaml", config(stores.dir.path() + "/p.sock", empty_store));

    RunResult show = run({"history", "show", "-c", cfg, Key});
    CHECK(show.exit_code == 0);
    CHECK(show.out.find("key:          partner.example|mx.partner.example\n") != std::string::npos);
    CHECK(show.out.find("plaintext:    1\nTLS:          3\nper protocol: none=1 TLSv1.3=3\nbest:         TLSv1.3\n"
                        "last:         none\ndowngrades:   1\n") != std::string::npos);
    CHECK(show.out.find("first seen:   20") != std::string::npos);
    // The escaped spelling report prints is accepted.
    RunResult odd = run({"history", "show", "-c", cfg, "\"odd.example|mx \\\"odd\\\".example\""});
    CHECK(odd.exit_code == 0);
    CHECK(odd.out.find("key:          \"odd.example|mx \\\"odd\\\".example\"\n") != std::string::npos);
    RunResult none = run({"history", "show", "-c", cfg, "nobody.example|mx.nobody.example"});
    CHECK(none.exit_code == 1);
    CHECK(none.err == "tlspolicyd history show: no record for nobody.example|mx.nobody.example\n");
    CHECK(run({"history", "show", "-c", cfg, "\"unterminated"}).exit_code == 64);

    // export, then import into an empty store: report says the same.
    RunResult exported = run({"history", "export", "-c", cfg});
    CHECK(exported.exit_code == 0);
    CHECK(exported.out.find("{\"key\":\"partner.example|mx.partner.example\",\"first_seen\":") != std::string::npos);
    CHECK(exported.out.find("\"counts\":{\"none\":1,\"unknown\":0,\"SSLv2\":0,\"SSLv3\":0,\"TLSv1\":0,\"TLSv1.1\":0,"
                            "\"TLSv1.2\":0,\"TLSv1.3\":3},\"best\":\"TLSv1.3\",\"last\":\"none\",\"downgrades\":1") !=
          std::string::npos);
    CHECK(std::count(exported.out.begin(), exported.out.end(), '\n') == 3);
    const std::string file = stores.dir.write("export.jsonl", exported.out);
    RunResult imported = run({"history", "import", "-c", empty_cfg, file});
    CHECK(imported.exit_code == 0);
    CHECK(imported.out == "imported 3 record(s)\n");
    RunResult before = run({"report", "-c", cfg}), after = run({"report", "-c", empty_cfg});
    CHECK(before.exit_code == 0);
    CHECK(before.out.find("3 peer(s), 6 transaction(s)") != std::string::npos);
    CHECK(after.out == before.out);
    CHECK(run({"history", "export", "-c", empty_cfg}).out == exported.out);
    // A broken line imports nothing and names the line.
    const std::string bad = stores.dir.write("bad.jsonl", exported.out + "{\"key\":\"x\",\"first_seen\":-1}\n");
    RunResult refused = run({"history", "import", "-c", empty_cfg, bad});
    CHECK(refused.exit_code == 65);
    CHECK(refused.err.find(bad + ":4: \"first_seen\" is not a non-negative integer; nothing imported") != std::string::npos);
    CHECK(run({"history", "export", "-c", empty_cfg}).out == exported.out);
    // A key no daemon makes, the LMDB change log's own name (review 11: MDB_INCOMPATIBLE, exit 69).
    const std::string reserved = stores.dir.write(
        "reserved.jsonl", "{\"key\":\"\\\"tlspolicyd-changes\\\\\\\\\\\"\",\"first_seen\":1,\"last_seen\":1,"
                          "\"counts\":{\"TLSv1.3\":1},\"best\":\"TLSv1.3\",\"last\":\"TLSv1.3\",\"downgrades\":0}\n");
    RunResult named = run({"history", "import", "-c", empty_cfg, reserved});
    CHECK(named.exit_code == 65);
    CHECK(named.err.find(reserved + ":1: \"key\" is not a key as report prints it; nothing imported") != std::string::npos);

    // forget: gone from show, export and report; a missing key is exit 1.
    RunResult forgot = run({"history", "forget", "-c", cfg, Key, "nobody.example|x"});
    CHECK(forgot.exit_code == 1);
    CHECK(forgot.out == "forgot partner.example|mx.partner.example\n");
    CHECK(forgot.err == "tlspolicyd history forget: no record for nobody.example|x\n");
    CHECK(run({"history", "show", "-c", cfg, Key}).exit_code == 1);
    CHECK(run({"history", "export", "-c", cfg}).out.find(Key) == std::string::npos);
    CHECK(run({"history", "forget", "-c", cfg, "mx.other.example"}).exit_code == 1);
  }
}

TEST_CASE("history commands: a memory store, no downgrade section, an unreachable Redis") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  RunResult memory = run({"history", "show", "-c", dir.write("m.yaml", config(sock, "memory")), Key});
  CHECK(memory.exit_code == 69);
  CHECK(memory.err.find("the memory store lives inside the daemon; another process cannot read or change it") !=
        std::string::npos);
  CHECK(run({"history", "export", "-c", dir.write("n.yaml", "rules: []\n")}).exit_code == 69);
  RunResult down = run({"history", "forget", "-c",
                        dir.write("r.yaml", config(sock, "redis://127.0.0.1:" + std::to_string(free_port()) + "/0")),
                        Key});
  CHECK(down.exit_code == 69);
  CHECK(down.err.find("tlspolicyd history forget: cannot connect to redis://127.0.0.1:") != std::string::npos);
  CHECK(run({"history", "-c", dir.path() + "/m.yaml"}).exit_code == 64);
}

namespace {

using Clock = std::chrono::steady_clock;

// Runs `history ACTION -c CFG KEY` and waits until every daemon in `daemons` has
// logged that it fetches KEY again; returns how long that took.
Clock::duration change_and_wait(const std::string& action, const std::string& cfg, std::vector<Daemon*> daemons) {
  const auto started = Clock::now();
  RunResult r = run({"history", action, "-c", cfg, Key});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  for (Daemon* d : daemons) {
    const std::string line = d->wait_for_log("record(s) changed in the store");
    CHECK(line.find("(the last: key=" + Key + ")") != std::string::npos);
  }
  return Clock::now() - started;
}

// Waits until `history show KEY` prints `needle` (the daemons have written).
void wait_for_show(const std::string& cfg, const std::string& needle) {
  std::string out;
  for (const auto until = Clock::now() + Deadline; Clock::now() < until;) {
    out = run({"history", "show", "-c", cfg, Key}).out;
    if (out.find(needle) != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("history show never printed " << needle << "; last: " << out);
}

}  // namespace

TEST_CASE("history forget and rebaseline take effect in running daemons within 5 s (LMDB; Redis, two hosts)") {
  Stores stores;
  for (const bool redis : {false, true}) {
    CAPTURE(redis);
    const std::string store = redis ? stores.redis_url(3) : "lmdb:" + stores.dir.path() + "/running";
    const std::string sock_a = stores.dir.path() + "/a.sock", sock_b = stores.dir.path() + "/b.sock";
    const std::string cfg = stores.dir.write("a.yaml", config(sock_a, store));
    Daemon a({"-c", cfg, "--log-level", "debug"});
    std::unique_ptr<Daemon> b;
    if (redis) b = std::make_unique<Daemon>(std::vector<std::string>{"-c", stores.dir.write("b.yaml", config(sock_b, store)), "--log-level", "debug"});
    std::vector<Daemon*> daemons = {&a};
    if (b) daemons.push_back(b.get());
    Client ca = Client::unix_socket(sock_a);
    for (int i = 0; i < 3; ++i) CHECK(ask(ca, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
    a.wait_for_log("history: wrote 1 record(s)");
    CHECK(ask(ca, transaction("p.0", "")) == DefaultDefer);
    std::optional<Client> cb;
    if (b) {
      cb.emplace(Client::unix_socket(sock_b));
      CHECK(ask(*cb, transaction("p.1", "")) == DefaultDefer);  // B has the peer in its cache too
    }
    wait_for_show(cfg, std::string("plaintext:    ") + (redis ? "2" : "1") + "\nTLS:          3\n");

    // rebaseline: plaintext is no downgrade until 3 new TLS transactions.
    CHECK(change_and_wait("rebaseline", cfg, daemons) < std::chrono::seconds(5));
    CHECK(ask(ca, transaction("p.2", "")) == "action=DUNNO\n\n");
    if (cb) CHECK(ask(*cb, transaction("p.3", "")) == "action=DUNNO\n\n");
    for (int i = 0; i < 3; ++i) CHECK(ask(ca, transaction("n." + std::to_string(i), "TLSv1.2")) == "action=DUNNO\n\n");
    CHECK(ask(ca, transaction("p.4", "")) == DefaultDefer);
    CHECK(ask(ca, transaction("o.0", "TLSv1.1")) == DefaultDefer);  // TLSv1.2 is the best now
    wait_for_show(cfg, std::string("plaintext:    ") + (redis ? "5" : "3") + "\nTLS:          7\n");

    // forget: the peer is new again everywhere, and no daemon writes the old counts back.
    CHECK(change_and_wait("forget", cfg, daemons) < std::chrono::seconds(5));
    CHECK(ask(ca, transaction("p.5", "")) == "action=DUNNO\n\n");
    if (cb) CHECK(ask(*cb, transaction("p.6", "")) == "action=DUNNO\n\n");
    cb.reset();
    for (Daemon* d : daemons) {
      d->signal(SIGTERM);  // writes what is unwritten: only what was counted since
      CHECK(d->wait_exit() == 0);
    }
    RunResult show = run({"history", "show", "-c", cfg, Key});
    CHECK(show.exit_code == 0);
    CHECK(show.out.find(std::string("plaintext:    ") + (redis ? "2" : "1") + "\nTLS:          0\n") != std::string::npos);
    CHECK(show.out.find("downgrades:   0\n") != std::string::npos);
  }
}

TEST_CASE("downgrade.rebaseline_after: 3s lifts a lockout with a warning; 1h does not (LMDB and Redis)") {
  Stores stores;
  int round = 0;
  for (const bool redis : {false, true}) {
    for (const std::string after : {"3s", "1h"}) {
      CAPTURE(redis);
      CAPTURE(after);
      ++round;
      const std::string store = redis ? stores.redis_url(3 + round) : "lmdb:" + stores.dir.path() + "/r" + std::to_string(round);
      const std::string sock = stores.dir.path() + "/p.sock";
      const std::string cfg = stores.dir.write("c.yaml", config(sock, store, "  rebaseline_after: " + after + "\n"));
      Daemon d({"-c", cfg, "--log-level", "debug"});
      Client c = Client::unix_socket(sock);
      for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
      const auto locked = Clock::now();
      CHECK(ask(c, transaction("p.0", "")) == DefaultDefer);  // the clock starts here
      // Postfix retries: plaintext again and again, paced (the pace is no pass condition).
      std::string answer = DefaultDefer;
      int n = 0;
      while (answer == DefaultDefer && Clock::now() - locked < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        answer = ask(c, transaction("p." + std::to_string(++n), ""));
      }
      if (after == "1h") {
        CHECK(answer == DefaultDefer);
        CHECK(d.log().find("rebaselined") == std::string::npos);
        continue;
      }
      CHECK(answer == "action=DUNNO\n\n");
      CHECK(Clock::now() - locked >= std::chrono::seconds(2));  // whole seconds: at least 2 s after the first
      const std::string line = d.wait_for_log("rebaselined");
      CHECK(line.find("warning: history: key=" + Key + " rebaselined: every transaction since ") != std::string::npos);
      CHECK(line.find("was below its best TLSv1.3 (downgrade.rebaseline_after 3s); its best is now none; by hand: "
                      "tlspolicyd history rebaseline '" + Key + "'") != std::string::npos);
      // The other hosts follow through the change log; the new baseline is stored.
      d.wait_for_log("record(s) changed in the store");
      CHECK(ask(c, transaction("q.0", "")) == "action=DUNNO\n\n");
      d.signal(SIGTERM);
      CHECK(d.wait_exit() == 0);
      RunResult show = run({"history", "show", "-c", cfg, Key});
      CHECK(show.out.find("best:         none\n") != std::string::npos);
      CHECK(show.out.find("TLS since baseline: 0\n") != std::string::npos);
      CHECK(show.out.find("baseline:     20") != std::string::npos);
    }
  }
}

namespace {

// Postfix's recorded log file (tests/fixtures/maillog) with every stamp moved to
// two minutes ago, local time as Postfix writes it: within any retention.
std::string recent_log() {
  std::ifstream in(std::string(TLSPOLICYD_SOURCE_DIR) + "/tests/fixtures/maillog/maillog_file.log");
  REQUIRE(in);
  const std::time_t then = std::time(nullptr) - 120;
  std::tm tm{};
  ::localtime_r(&then, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
  std::string out;
  for (std::string line; std::getline(in, line);) out += stamp + line.substr(15) + "\n";
  return out;
}

// The transactions report --json counts in the store.
std::string report_transactions(const std::string& cfg) {
  RunResult r = run({"report", "-c", cfg, "--json"});
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("],\"transactions\":");  // the total, after the peers
  REQUIRE(at != std::string::npos);
  return r.out.substr(at + 2, r.out.find_first_of(",}", at + 2) - at - 2);
}

}  // namespace

TEST_CASE("history learn: Postfix's log learned twice counts each transaction once, and the daemon then answers "
          "the learned peer's plaintext as a downgrade (LMDB and Redis)") {
  Stores stores;
  const std::string log = stores.dir.write("mail.log", recent_log());
  for (const bool redis : {false, true}) {
    CAPTURE(redis);
    const std::string store = redis ? stores.redis_url(3) : "lmdb:" + stores.dir.path() + "/learned";
    const std::string sock = stores.dir.path() + "/learn.sock";
    // Two TLS transactions are what the log holds of the partner bank.
    const std::string cfg = stores.dir.write("l.yaml", config(sock, store, "  min_observations: 2\n"));

    RunResult first = run({"history", "learn", "-c", cfg, "--postconf", "none", log});
    CHECK(first.exit_code == 0);
    CHECK(first.err.empty());
    CHECK(first.out.find("learned 14 transaction(s) of 5 key(s) into " + store + "\n") != std::string::npos);
    CHECK(first.out.find("not learned: 8 recipient(s) refused by Postfix") != std::string::npos);
    RunResult second = run({"history", "learn", "-c", cfg, "--postconf", "none", log});
    CHECK(second.exit_code == 0);
    CHECK(second.out.find("learned 0 transaction(s) of 0 key(s)") != std::string::npos);
    CHECK(second.out.find("not learned: 16 recipient(s) inside their key's stored time span") != std::string::npos);
    CHECK(report_transactions(cfg) == "\"transactions\":14");
    RunResult partner = run({"history", "show", "-c", cfg, "partner-bank.example|localhost"});
    CHECK(partner.out.find("plaintext:    0\nTLS:          2\nper protocol: TLSv1.2=1 TLSv1.3=1\nbest:         TLSv1.3\n") !=
          std::string::npos);

    Daemon d({"-c", cfg});
    Client c = Client::unix_socket(sock);
    const std::string answer =
        ask(c, request({{"instance", "live.1"}, {"sender", "x@partner-bank.example"}, {"client_name", "localhost"},
                        {"client_address", "127.0.0.1"}}));
    CHECK(answer == "action=DEFER 4.7.0 Possible TLS downgrade: localhost[127.0.0.1] used stronger TLS before; please "
                    "try again later\n\n");
    d.signal(SIGTERM);
    CHECK(d.wait_exit() == 0);
  }
}

TEST_CASE("history learn: a log that cannot be read writes nothing; a bad --since; as root, the store is the daemon "
          "user's") {
  TempDir dir;
  const std::string log = dir.write("mail.log", recent_log());
  const std::string store = dir.path() + "/h";
  const std::string cfg = dir.write("c.yaml", config(dir.path() + "/p.sock", "lmdb:" + store));
  RunResult missing = run({"history", "learn", "-c", cfg, "--postconf", "none", log, dir.path() + "/no-such.log"});
  CHECK(missing.exit_code == 66);
  CHECK(missing.err.find("tlspolicyd history learn: cannot read " + dir.path() + "/no-such.log") != std::string::npos);
  struct stat st {};
  CHECK(::stat(store.c_str(), &st) != 0);  // the store was not even opened
  CHECK(run({"history", "learn", "-c", cfg, "--since", "soon", log}).exit_code == 64);

  if (::geteuid() != 0) return;
  REQUIRE(::chmod(dir.path().c_str(), 0711) == 0);  // as /var/lib: others may pass
  // As the package lays it out: the state directory is the daemon user's (0700),
  // the log root's alone (0600). The daemon's user must be able to open what learn made.
  const std::string state = dir.path() + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  REQUIRE(::chown(state.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
  REQUIRE(::chmod(log.c_str(), 0600) == 0);
  const std::string as_user =
      dir.write("u.yaml", "user: nobody\n" + config(dir.path() + "/p.sock", "lmdb:" + state + "/history"));
  RunResult learned = run({"history", "learn", "-c", as_user, "--postconf", "none", log});
  CHECK(learned.exit_code == 0);
  CHECK(learned.out.find("learned 14 transaction(s)") != std::string::npos);
  for (const char* name : {"/history/data.mdb", "/history/lock.mdb"}) {
    CAPTURE(name);
    REQUIRE(::stat((state + name).c_str(), &st) == 0);
    CHECK(st.st_uid == nobody->pw_uid);
  }
  // report and show, as root, reach it there too.
  CHECK(run({"report", "-c", as_user}).exit_code == 0);
  CHECK(run({"history", "show", "-c", as_user, "partner-bank.example|localhost"}).exit_code == 0);

  // A store a daemon started as root made (it opens the store before it becomes
  // user:): its files are root's, and the commands open them as root.
  const std::string roots = dir.write("r.yaml", "run_as_root: true\n" + config(dir.path() + "/p.sock", "lmdb:" + store));
  REQUIRE(run({"history", "learn", "-c", roots, "--postconf", "none", log}).exit_code == 0);
  REQUIRE(::stat((store + "/data.mdb").c_str(), &st) == 0);
  REQUIRE(st.st_uid == 0);
  const std::string nobodys_view = dir.write("n.yaml", "user: nobody\n" + config(dir.path() + "/p.sock", "lmdb:" + store));
  CHECK(run({"report", "-c", nobodys_view}).exit_code == 0);
  RunResult again = run({"history", "learn", "-c", nobodys_view, "--postconf", "none", log});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("learned 0 transaction(s)") != std::string::npos);

  // A cut gzip stream is an error, not the end of the log.
  const std::string gz = dir.path() + "/cut.gz";
  REQUIRE(run_program({"sh", "-c", "gzip -c " + log + " | head -c 2000 > " + gz}).exit_code == 0);
  RunResult cut = run({"history", "learn", "-c", roots, "--postconf", "none", gz});
  CHECK(cut.exit_code == 66);
  CHECK(cut.err.find("tlspolicyd history learn: cannot read " + gz + ": unexpected end of file") != std::string::npos);
}
