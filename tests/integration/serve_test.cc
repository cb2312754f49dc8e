// SPDX-License-Identifier: MIT
// Integration: the real daemon on a temporary socket, driven like Postfix does
// (and like Postfix never would).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

// A config whose answer names the sender, so every answer can be told apart.
std::string echo_config(const TempDir& dir, const std::string& extra = {}) {
  return "listen: [ unix:" + dir.path() + "/run/policy.sock ]\n" + extra +
         "log: { decisions: all }\n"
         "rules:\n"
         "  - name: echo\n"
         "    action: \"reject 5.7.1 sender ${sender}\"\n";
}

std::string echo_answer(const std::string& sender) { return "action=REJECT 5.7.1 sender " + sender + "\n\n"; }

struct Fixture {
  TempDir dir;
  std::string socket = dir.path() + "/run/policy.sock";
  std::string config = dir.write("tlspolicyd.yaml", echo_config(dir));
  Daemon daemon{{"-c", config}};
  Client connect() {
    Client c = Client::unix_socket(socket);
    REQUIRE(c.connected());
    return c;
  }
};

}  // namespace

TEST_CASE("serve: 300 requests on one connection") {
  Fixture f;
  Client c = f.connect();
  for (int i = 0; i < 300; ++i) {
    const std::string sender = "s" + std::to_string(i) + "@example.net";
    REQUIRE(c.send(request({{"sender", sender}})));
    REQUIRE(c.answer() == echo_answer(sender));
  }
  CHECK(f.daemon.wait_for_log("from=<s299@example.net>").find("action=reject rule=echo mode=enforce") !=
        std::string::npos);
}

TEST_CASE("serve: a stderr line is local time to the millisecond, ident[pid], then the text") {
  Fixture f;
  Client c = f.connect();
  REQUIRE(c.send(request({{"sender", "shape@example.net"}})));
  REQUIRE(c.answer() == echo_answer("shape@example.net"));
  const std::string tag = " tlspolicyd[" + std::to_string(f.daemon.pid()) + "]: ";
  const std::regex shape(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$)");
  const std::string info = f.daemon.wait_for_log("from=<shape@example.net>");
  REQUIRE(info.find(tag + "action=reject rule=echo") != std::string::npos);
  CHECK(std::regex_match(info.substr(0, info.find(' ')), shape));
  Client bad = f.connect();  // a warning carries its severity after the tag
  REQUIRE(bad.send("no equals sign\n\n"));
  const std::string warning = f.daemon.wait_for_log("line without '='");
  CHECK(warning.find(tag + "warning: conn=") != std::string::npos);
  CHECK(std::regex_match(warning.substr(0, warning.find(' ')), shape));
}

TEST_CASE("serve: 64 pipelined requests are answered in order") {
  Fixture f;
  Client c = f.connect();
  std::string burst;
  for (int i = 0; i < 64; ++i) burst += request({{"sender", "p" + std::to_string(i) + "@x.example"}});
  REQUIRE(c.send(burst));
  for (int i = 0; i < 64; ++i) REQUIRE(c.answer() == echo_answer("p" + std::to_string(i) + "@x.example"));
}

TEST_CASE("serve: a request sent one byte at a time") {
  Fixture f;
  Client c = f.connect();
  const std::string req = request({{"sender", "slow@example.net"}});
  for (char ch : req) REQUIRE(c.send(std::string_view(&ch, 1)));
  CHECK(c.answer() == echo_answer("slow@example.net"));
}

TEST_CASE("serve: CRLF input, repeated and unknown attributes, 8-bit values") {
  Fixture f;
  Client c = f.connect();
  REQUIRE(c.send("request=smtpd_access_policy\r\nsender=crlf@example.net\r\n\r\n"));
  CHECK(c.answer() == echo_answer("crlf@example.net"));
  REQUIRE(c.send("sender=first@x\nx_future=1\nsender=last@x\ntls_sni=mx.example\n\n"));
  CHECK(c.answer() == echo_answer("last@x"));
  REQUIRE(c.send(request({{"sender", "j\xc3\xb6s\xc3\xa9@example.org"}})));
  CHECK(c.answer() == echo_answer("j??s??@example.org"));
  std::string line = f.daemon.wait_for_log("example.org>");
  CHECK(line.find("from=\"<j\\xc3\\xb6s\\xc3\\xa9@example.org>\"") != std::string::npos);
  // Format directives in a value are text, in the answer and in the log.
  REQUIRE(c.send(request({{"sender", "{}{0}%s%n@fmt.example"}})));
  CHECK(c.answer() == echo_answer("{}{0}%s%n@fmt.example"));
  CHECK(f.daemon.wait_for_log("fmt.example>").find("from=<{}{0}%s%n@fmt.example>") != std::string::npos);
}

TEST_CASE("serve: an empty request and a request without request= are answered") {
  Fixture f;
  Client c = f.connect();
  REQUIRE(c.send("\n"));
  CHECK(c.answer() == "action=REJECT 5.7.1 sender\n\n");
  REQUIRE(c.send("sender=no-request@x\n\n"));
  CHECK(c.answer() == echo_answer("no-request@x"));
}

TEST_CASE("serve: hostile input closes only that connection, without an answer") {
  Fixture f;
  Client bystander = f.connect();
  REQUIRE(bystander.send(request({{"sender", "before@x"}})));
  REQUIRE(bystander.answer() == echo_answer("before@x"));

  SUBCASE("a line without '='") {
    Client c = f.connect();
    REQUIRE(c.send("request=smtpd_access_policy\nGET / HTTP/1.0\n\n"));
    CHECK(c.closed_without_answer());
    CHECK(f.daemon.wait_for_log("line without '='").find("warning: conn=") != std::string::npos);
  }
  SUBCASE("an overlong line") {
    Client c = f.connect();
    REQUIRE(c.send("sender=" + std::string(9000, 'x') + "\n\n"));
    CHECK(c.closed_without_answer());
    CHECK(f.daemon.wait_for_log("line too long (limit 8192 bytes)").find("peer=unix[pid:") != std::string::npos);
  }
  SUBCASE("too many attributes") {
    Client c = f.connect();
    std::string req;
    for (int i = 0; i < 129; ++i) req += "x" + std::to_string(i) + "=1\n";
    REQUIRE(c.send(req + "\n"));
    CHECK(c.closed_without_answer());
    f.daemon.wait_for_log("too many attributes (limit 128)");
  }
  SUBCASE("binary garbage with NUL bytes") {
    Client c = f.connect();
    REQUIRE(c.send(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n\n", 13)));
    CHECK(c.closed_without_answer());
    f.daemon.wait_for_log("NUL byte in request");
  }
  SUBCASE("EOF in the middle of a request") {
    Client c = f.connect();
    REQUIRE(c.send("request=smtpd_access_policy\nsender=cut@x\n"));
    c.close();
    f.daemon.wait_for_log("connection closed in the middle of a request");
  }
  SUBCASE("answers before the bad request still arrive") {
    Client c = f.connect();
    REQUIRE(c.send(request({{"sender", "good@x"}}) + "garbage\n\n"));
    CHECK(c.answer() == echo_answer("good@x"));
    CHECK(c.closed_without_answer());
  }

  REQUIRE(bystander.send(request({{"sender", "after@x"}})));
  CHECK(bystander.answer() == echo_answer("after@x"));
}

TEST_CASE("serve: 500 concurrent connections are all answered") {
  Fixture f;
  std::vector<Client> clients;
  for (int i = 0; i < 500; ++i) clients.push_back(f.connect());
  for (int i = 0; i < 500; ++i) REQUIRE(clients[i].send(request({{"sender", "c" + std::to_string(i) + "@x"}})));
  for (int i = 0; i < 500; ++i) REQUIRE(clients[i].answer() == echo_answer("c" + std::to_string(i) + "@x"));
  // And each stays usable.
  for (int i = 0; i < 500; i += 50) {
    REQUIRE(clients[i].send(request({{"sender", "again@x"}})));
    REQUIRE(clients[i].answer() == echo_answer("again@x"));
  }
}

TEST_CASE("serve: a client that vanishes before reading its answers does not hurt the daemon") {
  Fixture f;
  for (int round = 0; round < 20; ++round) {
    Client c = f.connect();
    std::string burst;
    for (int i = 0; i < 200; ++i) burst += request({{"sender", "gone@x"}});
    REQUIRE(c.send(burst));
    c.close();
  }
  Client c = f.connect();
  REQUIRE(c.send(request({{"sender", "alive@x"}})));
  CHECK(c.answer() == echo_answer("alive@x"));
}

TEST_CASE("serve: the unix socket gets the configured mode, and group when it exists") {
  TempDir dir;
  const std::string config =
      dir.write("c.yaml", echo_config(dir, "socket: { mode: \"0640\", group: daemon }\n"));
  Daemon d({"-c", config});
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/run/policy.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(st.st_gid == 1);  // "daemon" is gid 1 on Debian
}

TEST_CASE("serve: a missing socket group is a warning, and the socket keeps the daemon's group") {
  TempDir dir;
  const std::string config =
      dir.write("c.yaml", echo_config(dir, "socket: { group: no-such-group-tlspolicyd }\n"));
  Daemon d({"-c", config});
  CHECK(d.log().find("warning: socket group \"no-such-group-tlspolicyd\" does not exist") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/run/policy.sock").c_str(), &st) == 0);
  CHECK(st.st_gid == ::getgid());
  CHECK((st.st_mode & 0777) == 0660);
}

TEST_CASE("serve: a stale socket file is replaced, a live one is never stolen") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", echo_config(dir));
  {
    Daemon first({"-c", config});
    first.signal(SIGKILL);  // leaves its socket file behind
    first.wait_exit();
  }
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/run/policy.sock").c_str(), &st) == 0);
  Daemon second({"-c", config});
  Client c = Client::unix_socket(dir.path() + "/run/policy.sock");
  REQUIRE(c.connected());
  REQUIRE(c.send(request()));
  CHECK(c.answer() == echo_answer("alice@example.net"));

  Daemon third({"-c", config}, false);
  CHECK(third.wait_exit() == 69);
  CHECK(third.log().find("another process is accepting connections on") != std::string::npos);
  REQUIRE(c.send(request()));  // the second daemon still owns its socket
  CHECK(c.answer() == echo_answer("alice@example.net"));
}

TEST_CASE("serve: a file in the way of the socket is left alone") {
  TempDir dir;
  ::mkdir((dir.path() + "/run").c_str(), 0755);
  dir.write("run/policy.sock", "not a socket");
  const std::string config = dir.write("c.yaml", echo_config(dir));
  Daemon d({"-c", config}, false);
  CHECK(d.wait_exit() == 69);
  CHECK(d.log().find("exists and is not a socket; not replacing it") != std::string::npos);
}

TEST_CASE("serve: connections over the limit are accepted, logged and closed") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", echo_config(dir, "limits: { connections: 3, connections_per_peer: 3 }\n"));
  Daemon d({"-c", config, "--log-level", "debug"});
  std::vector<Client> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(Client::unix_socket(dir.path() + "/run/policy.sock"));
    REQUIRE(held.back().send(request()));
    REQUIRE(held.back().answer());
  }
  Client extra = Client::unix_socket(dir.path() + "/run/policy.sock");
  REQUIRE(extra.connected());
  extra.send(request());
  CHECK(extra.closed_without_answer());
  d.wait_for_log("connection limit of 3 reached");
  held.pop_back();  // one leaves: a new one is served again
  d.wait_for_log("closed by peer after 1 request(s)");
  Client next = Client::unix_socket(dir.path() + "/run/policy.sock");
  REQUIRE(next.send(request()));
  CHECK(next.answer() == echo_answer("alice@example.net"));
}

TEST_CASE("serve: a connection that keeps asking outlives limits.idle_timeout") {
  // Only silence counts: 2.5 s of requests 50 ms apart, with idle_timeout 1s.
  TempDir dir;
  const std::string config = dir.write("c.yaml", echo_config(dir, "limits: { idle_timeout: 1s }\n"));
  Daemon d({"-c", config});
  Client c = Client::unix_socket(dir.path() + "/run/policy.sock");
  for (int i = 0; i < 50; ++i) {
    const std::string sender = "busy" + std::to_string(i) + "@example.net";
    REQUIRE(c.send(request({{"sender", sender}})));
    REQUIRE(c.answer() == echo_answer(sender));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(d.log().find("idle for") == std::string::npos);
}

TEST_CASE("serve: idle connections are closed after limits.idle_timeout") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", echo_config(dir, "limits: { idle_timeout: 1s }\n"));
  Daemon d({"-c", config});
  Client c = Client::unix_socket(dir.path() + "/run/policy.sock");
  REQUIRE(c.send(request()));
  REQUIRE(c.answer());
  CHECK(c.closed_without_answer());
  d.wait_for_log("idle for 1s after 1 request(s); closing");
}
