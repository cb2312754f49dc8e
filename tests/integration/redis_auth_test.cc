// SPDX-License-Identifier: MIT
// Integration: Redis with a password (requirepass), an ACL user, a password file
// and a unix socket, against a real redis-server; a wrong or missing password
// leaves the daemon answering without history, and no password reaches a log
// line or a report.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>
#include <thread>

#include "harness.h"
#include "history_support.h"

using namespace tlspolicyd::test;

namespace {

// '@' and ':' in it: written %40 and %3A in a URL.
const std::string Password = "Pw:with@signs-9f3K";
const std::string PasswordInUrl = "Pw%3Awith%40signs-9f3K";
const std::string AclPassword = "acl-Secret-77Qz";

std::string config(const std::string& sock, const std::string& store, const std::string& extra = {}) {
  return history_config(sock, store, "enforce", extra);
}

// Neither password in any spelling.
bool shows_a_password(const std::string& text) {
  for (const std::string& p : {Password, PasswordInUrl, AclPassword, std::string("with@signs"), std::string("Secret-77")}) {
    if (text.find(p) != std::string::npos) return true;
  }
  return false;
}

const std::string Key = "tlspolicyd:history:partner.example|mx.partner.example";

// A redis-server wanting `Password` from the default user; with `acl_user`, also
// the ACL user "tlspolicyd" with `AclPassword`; with `socket`, on that unix socket too.
RedisServer::Options protected_redis(bool acl_user, const std::string& socket = {}) {
  RedisServer::Options o;
  o.requirepass = Password;
  if (acl_user) {
    o.user = "tlspolicyd";
    o.user_password = AclPassword;
  }
  o.unix_socket = socket;
  return o;
}

}  // namespace

TEST_CASE("redis auth: a requirepass password in the URL and an ACL user with a password file; nothing shows them") {
  const int port = free_port();
  RedisServer redis(port, protected_redis(true));
  TempDir dir;
  const std::string where = "127.0.0.1:" + std::to_string(port) + "/0";
  const std::string sock_a = dir.path() + "/a.sock", sock_b = dir.path() + "/b.sock";

  Daemon a({"-c", dir.write("a.yaml", config(sock_a, "redis://:" + PasswordInUrl + "@" + where)), "--log-level",
            "debug"});
  a.wait_for_log("history: keeping TLS history in redis://:***@" + where);
  Client ca = Client::unix_socket(sock_a);
  for (int i = 0; i < 3; ++i) CHECK(ask(ca, transaction("a." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  a.wait_for_log("history: wrote 1 record(s)");
  CHECK(run_program(redis.cli({"--scan", "--pattern", "tlspolicyd:history:*"})).out == Key + "\n");

  // B as the ACL user, its password in a file: it reads what A wrote.
  const std::string password_file = dir.write("redis.password", AclPassword + "\n");
  REQUIRE(::chmod(password_file.c_str(), 0600) == 0);
  const std::string b_yaml =
      dir.write("b.yaml", config(sock_b, "redis://tlspolicyd@" + where, "  password_file: " + password_file + "\n"));
  Daemon b({"-c", b_yaml, "--log-level", "debug"});
  b.wait_for_log("history: keeping TLS history in redis://tlspolicyd:***@" + where);
  Client cb = Client::unix_socket(sock_b);
  CHECK(ask(cb, transaction("b.0", "TLSv1.3")) == "action=DUNNO\n\n");  // fetches A's record
  b.wait_for_log("history: wrote 1 record(s)");
  CHECK(ask(cb, transaction("b.1", "")) == DefaultDefer);
  CHECK(b.wait_for_log("downgrade=detected").find("before_tls=4") != std::string::npos);  // 3 from A, 1 from B

  RunResult report = run({"report", "-c", b_yaml, "--json"});
  CHECK(report.exit_code == 0);
  CHECK(report.out.find("\"store\":\"redis://tlspolicyd:***@" + where + "\"") != std::string::npos);
  CHECK(report.out.find("\"key\":\"partner.example|mx.partner.example\"") != std::string::npos);
  CHECK(report.out.find("\"by_protocol\":{\"TLSv1.3\":4}") != std::string::npos);  // written by A and B

  for (const std::string& text : {a.log(), b.log(), report.out, report.err}) CHECK_FALSE(shows_a_password(text));
}

TEST_CASE("redis auth: a wrong password is an authentication failure; the daemon answers on, and never logs it") {
  const int port = free_port();
  RedisServer redis(port, protected_redis(false));
  TempDir dir;
  const std::string where = "127.0.0.1:" + std::to_string(port) + "/0";
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, "redis://:Secret-77-wrong@" + where))});
  const std::string line = d.wait_for_log("history store unavailable:");
  CHECK(line.find("history store unavailable: redis://:***@" + where +
                  ": authentication failed (WRONGPASS invalid username-password pair or user is disabled.); "
                  "answering without history, retrying") != std::string::npos);
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 5; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  CHECK(run_program(redis.cli({"DBSIZE"})).out == "0\n");  // nothing written without AUTH
  CHECK_FALSE(shows_a_password(d.log()));
  CHECK(d.log().find("wrong") == std::string::npos);
}

TEST_CASE("redis auth: no password where Redis wants one (NOAUTH) goes through the store-down path and back") {
  const int port = free_port();
  RedisServer redis(port, protected_redis(false));
  TempDir dir;
  const std::string store = "redis://127.0.0.1:" + std::to_string(port) + "/0";
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, store)), "--log-level", "debug"});
  CHECK(d.wait_for_log("history store unavailable:")
            .find("history store unavailable: " + store +
                  ": authentication failed (NOAUTH Authentication required.); no password is configured for it; "
                  "answering without history, retrying") != std::string::npos);
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("t.0", "TLSv1.3")) == "action=DUNNO\n\n");
  // Redis drops its password: the daemon's next retry gets through.
  CHECK(run_program(redis.cli({"CONFIG", "SET", "requirepass", ""})).out == "OK\n");
  for (int i = 1; i < 40 && d.log().find("available again") == std::string::npos; ++i) {
    CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // paces the retries; not a pass condition
  }
  d.wait_for_log("history store " + store + " available again");
  d.wait_for_log("history: wrote");
  CHECK(run_program({"redis-cli", "-p", std::to_string(port), "EXISTS", Key}).out == "1\n");
}

TEST_CASE("redis auth: an error reply to a read (the ACL user lost a command) makes the store unavailable") {
  const int port = free_port();
  RedisServer redis(port, protected_redis(true));
  TempDir dir;
  const std::string store = "redis://tlspolicyd:" + AclPassword + "@127.0.0.1:" + std::to_string(port) + "/0";
  const std::string sock = dir.path() + "/p.sock";
  Daemon d({"-c", dir.write("c.yaml", config(sock, store)), "--log-level", "debug"});
  d.wait_for_log("history: read 0 record(s) ahead");
  CHECK(run_program(redis.cli({"ACL", "SETUSER", "tlspolicyd", "-hmget"})).out == "OK\n");
  Client c = Client::unix_socket(sock);
  CHECK(ask(c, transaction("t.0", "TLSv1.3")) == "action=DUNNO\n\n");  // its record is fetched: HMGET
  const std::string line = d.wait_for_log("unavailable:");
  CHECK(line.find("NOPERM") != std::string::npos);
  CHECK(line.find("answering without history") != std::string::npos);
  CHECK_FALSE(shows_a_password(d.log()));
}

TEST_CASE("redis auth: check refuses a password file its group may read, and accepts it at 0600") {
  TempDir dir;
  const std::string password_file = dir.write("redis.password", AclPassword + "\n");
  REQUIRE(::chmod(password_file.c_str(), 0640) == 0);
  const std::string cfg = dir.write(
      "c.yaml", config(dir.path() + "/p.sock", "redis://127.0.0.1:6379/0", "  password_file: " + password_file + "\n"));
  RunResult r = run({"check", "-c", cfg});
  CHECK(r.exit_code == 78);
  CHECK(r.err == cfg + ":8:18: cannot read downgrade.password_file " + password_file +
                     ": is readable by its group (mode 0640): a password file must be readable by its owner alone\n");
  CHECK_FALSE(shows_a_password(r.out + r.err));
  REQUIRE(::chmod(password_file.c_str(), 0600) == 0);
  r = run({"check", "-c", cfg});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "configuration OK\n");
}

TEST_CASE("redis auth: a Redis on a unix socket (redis+unix://), with a password") {
  TempDir dir;
  const std::string redis_sock = dir.path() + "/redis.sock";
  const int port = free_port();
  RedisServer redis(port, protected_redis(false, redis_sock));
  const std::string sock = dir.path() + "/p.sock";
  const std::string cfg = dir.write("c.yaml", config(sock, "redis+unix://:" + PasswordInUrl + "@" + redis_sock + "?db=3"));
  Daemon d({"-c", cfg, "--log-level", "debug"});
  d.wait_for_log("history: keeping TLS history in redis+unix://:***@" + redis_sock + "?db=3");
  Client c = Client::unix_socket(sock);
  for (int i = 0; i < 3; ++i) CHECK(ask(c, transaction("t." + std::to_string(i), "TLSv1.3")) == "action=DUNNO\n\n");
  d.wait_for_log("history: wrote 1 record(s)");
  CHECK(run_program({"redis-cli", "-s", redis_sock, "-a", Password, "--no-auth-warning", "-n", "3", "--scan",
                     "--pattern", "tlspolicyd:history:*"}).out ==
        Key + "\n");
  CHECK(run_program(redis.cli({"-n", "0", "DBSIZE"})).out == "0\n");  // db=3 was used, not 0
  RunResult report = run({"report", "-c", cfg, "--json"});
  CHECK(report.exit_code == 0);
  CHECK(report.out.find("\"store\":\"redis+unix://:***@" + redis_sock + "?db=3\"") != std::string::npos);
  CHECK_FALSE(shows_a_password(d.log() + report.out + report.err));
}
