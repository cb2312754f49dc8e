// SPDX-License-Identifier: MIT
// Integration: listeners, reloads, signals, --stdio.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pwd.h>

#include <csignal>
#include <fstream>
#include <string>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

std::string config_text(const std::string& listen, const std::string& answer) {
  return "listen: [ \"" + listen + "\" ]\n"
         "rules:\n"
         "  - name: fixed\n"
         "    action: \"" + answer + "\"\n";
}

}  // namespace

TEST_CASE("lifecycle: SIGHUP with a good config changes answers on an open connection") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", config_text("unix:" + sock, "reject 5.7.1 first"));
  Daemon d({"-c", config});
  Client c = Client::unix_socket(sock);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 first\n\n");

  dir.write("c.yaml", config_text("unix:" + sock, "defer 4.7.1 second"));
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 2 loaded");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=DEFER 4.7.1 second\n\n");
}

TEST_CASE("lifecycle: SIGHUP with a bad config keeps the old one and the connection") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", config_text("unix:" + sock, "reject 5.7.1 kept"));
  Daemon d({"-c", config});
  Client c = Client::unix_socket(sock);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 kept\n\n");

  dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\nmode: sometimes\nrules:\n  - name: x\n    action: \"550\"\n");
  d.signal(SIGHUP);
  CHECK(d.wait_for_log("c.yaml:2:7: mode must be enforce").find("error: ") != std::string::npos);
  d.wait_for_log("c.yaml:5:13: action: a numeric action needs text");
  d.wait_for_log("reload failed with 2 error(s); keeping configuration generation 1");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 kept\n\n");

  ::unlink(config.c_str());
  d.signal(SIGHUP);
  d.wait_for_log("cannot read the configuration file: No such file or directory");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 kept\n\n");

  // Unreadable (root reads any file, so a directory stands in its place).
  REQUIRE(::mkdir(config.c_str(), 0700) == 0);
  d.signal(SIGHUP);
  d.wait_for_log("cannot read the configuration file: not a regular file");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 kept\n\n");

  // The fault ends: the next reload takes the file.
  REQUIRE(::rmdir(config.c_str()) == 0);
  dir.write("c.yaml", config_text("unix:" + sock, "reject 5.7.1 back"));
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 2 loaded");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 back\n\n");
}

TEST_CASE("lifecycle: SIGTERM answers what arrived, removes the socket and exits 0") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", config_text("unix:" + sock, "reject 5.7.1 bye"));
  Daemon d({"-c", config});
  Client idle = Client::unix_socket(sock);
  Client busy = Client::unix_socket(sock);
  REQUIRE(busy.send(request()));
  REQUIRE(busy.answer());
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
  CHECK(idle.closed_without_answer());
  struct stat st {};
  CHECK(::stat(sock.c_str(), &st) != 0);
  CHECK(d.log().find("stopping (signal TERM)") != std::string::npos);
}

TEST_CASE("lifecycle: SIGINT also stops cleanly") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", config_text("unix:" + dir.path() + "/p.sock", "dunno"));
  Daemon d({"-c", config});
  d.signal(SIGINT);
  CHECK(d.wait_exit() == 0);
}

TEST_CASE("lifecycle: inet listeners on IPv4 and IPv6, several at once") {
  TempDir dir;
  const int port = free_port();
  const std::string config = dir.write("c.yaml", config_text("inet:127.0.0.1:" + std::to_string(port), "reject 5.7.1 tcp"));
  Daemon d({"-c", config});
  d.wait_for_log("listening on inet:127.0.0.1:" + std::to_string(port));
  Client c = Client::tcp("127.0.0.1", port);
  REQUIRE(c.connected());
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 tcp\n\n");

  const int port6 = free_port();
  const bool have_v6 = ::access("/proc/net/if_inet6", R_OK) == 0;
  if (have_v6) {
    const std::string sock = dir.path() + "/both.sock";
    Daemon both({"-c", config, "--listen", "inet:[::1]:" + std::to_string(port6), "--listen", "unix:" + sock});
    both.wait_for_log("listening on inet:[::1]:" + std::to_string(port6));
    Client c6 = Client::tcp("::1", port6);
    REQUIRE(c6.connected());
    REQUIRE(c6.send(request()));
    CHECK(c6.answer() == "action=REJECT 5.7.1 tcp\n\n");
    Client cu = Client::unix_socket(sock);
    REQUIRE(cu.send(request()));
    CHECK(cu.answer() == "action=REJECT 5.7.1 tcp\n\n");
    CHECK(both.log().find("inet:127.0.0.1") == std::string::npos);  // --listen replaced the config's list
  }
}

TEST_CASE("lifecycle: a port that cannot be bound exits 69") {
  TempDir dir;
  const int port = free_port();
  const std::string config = dir.write("c.yaml", config_text("inet:127.0.0.1:" + std::to_string(port), "dunno"));
  Daemon first({"-c", config});
  Daemon second({"-c", config}, false);
  CHECK(second.wait_exit() == 69);
  CHECK(second.log().find("cannot listen on inet:127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("lifecycle: --stdio serves one connection on stdin/stdout and writes nothing to stderr") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", config_text("unix:" + dir.path() + "/unused.sock", "reject 5.7.1 spawned ${sender}"));
  std::string input;
  for (int i = 0; i < 5; ++i) input += request({{"sender", "s" + std::to_string(i) + "@x"}});
  RunResult r = run({"serve", "-c", config, "--stdio", "--log-stderr", "--run-as-root"}, input);
  CHECK(r.exit_code == 0);
  std::string expected;
  for (int i = 0; i < 5; ++i) expected += "action=REJECT 5.7.1 spawned s" + std::to_string(i) + "@x\n\n";
  CHECK(r.out == expected);
  CHECK(r.err.empty());
  struct stat st {};
  CHECK(::stat((dir.path() + "/unused.sock").c_str(), &st) != 0);  // --stdio opens no listener

  RunResult bad = run({"serve", "-c", config, "--stdio", "--run-as-root"}, "garbage\n\n");
  CHECK(bad.exit_code == 0);
  CHECK(bad.out.empty());
  CHECK(bad.err.empty());
}

TEST_CASE("lifecycle: --stdio (spawn) ignores listen: and metrics:, and logs its start quietly") {
  // Postfix's spawn(8) starts one process per smtpd connection: a second one
  // must not fail on the ports the first (or a long-running daemon) holds, and
  // the log must not get start-up lines per connection.
  TempDir dir;
  SyslogServer syslog(dir.path() + "/log");
  const int port = free_port();
  const int metrics_port = free_port();
  const std::string config =
      dir.write("c.yaml", "listen: [ \"inet:127.0.0.1:" + std::to_string(port) + "\" ]\n"
                          "metrics: { listen: \"inet:127.0.0.1:" + std::to_string(metrics_port) + "\" }\n"
                          "log: { syslog: { socket: " + dir.path() + "/log }, decisions: all }\n"
                          "rules:\n"
                          "  - name: fixed\n"
                          "    action: \"reject 5.7.1 spawned\"\n");
  Daemon holder({"-c", config});  // holds both ports
  syslog.drain();
  RunResult r = run({"serve", "-c", config, "--stdio", "--run-as-root"}, request({{"sender", "one@x"}}));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "action=REJECT 5.7.1 spawned\n\n");
  CHECK(r.err.empty());
  std::string logged;  // everything the spawned process logged (it has exited: all of it is queued)
  while (logged.find("from=<one@x>") == std::string::npos) {
    auto datagram = syslog.next(20000);
    REQUIRE(datagram);
    logged += *datagram + "\n";
  }
  logged += syslog.take_all();
  CHECK(logged.find("ready:") == std::string::npos);
  CHECK(logged.find("running as") == std::string::npos);
  CHECK(logged.find("metrics") == std::string::npos);
  CHECK(logged.find("cannot listen") == std::string::npos);

  // At debug level the start-up lines are there.
  RunResult debug = run({"serve", "-c", config, "--stdio", "--run-as-root", "--log-level", "debug"},
                        request({{"sender", "two@x"}}));
  CHECK(debug.exit_code == 0);
  CHECK(debug.out == "action=REJECT 5.7.1 spawned\n\n");
  syslog.wait_for("ready:");
}

TEST_CASE("lifecycle: a bad config at start exits 78 with every error on stderr") {
  TempDir dir;
  const std::string config = dir.write("c.yaml", "listen: nowhere\nrules:\n  - name: a\n    action: permit\n");
  RunResult r = run({"serve", "-c", config, "--log-stderr"});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("c.yaml:1:9: listen address \"nowhere\": expected unix:PATH or inet:HOST:PORT") != std::string::npos);
  CHECK(r.err.find("c.yaml:4:13: action: unknown action \"permit\"") != std::string::npos);
}

TEST_CASE("lifecycle: SIGHUP re-reads file: lists; a broken list file keeps the old rules") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  dir.write("senders.txt", "old.example\n");
  const std::string config = dir.write("c.yaml", "listen: [ \"unix:" + sock + "\" ]\n"
                                                 "rules:\n"
                                                 "  - name: listed\n"
                                                 "    match: { sender_domain: file:senders.txt }\n"
                                                 "    action: \"reject 5.7.1 listed ${sender_domain}\"\n");
  Daemon d({"-c", config});
  Client c = Client::unix_socket(sock);
  REQUIRE(c.send(request({{"sender", "a@old.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 listed old.example\n\n");

  dir.write("senders.txt", "new.example\n");
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 2 loaded");
  REQUIRE(c.send(request({{"sender", "a@old.example"}})));
  CHECK(c.answer() == "action=DUNNO\n\n");
  REQUIRE(c.send(request({{"sender", "a@new.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 listed new.example\n\n");

  dir.write("senders.txt", "new.example\nnot a domain\n");
  d.signal(SIGHUP);
  d.wait_for_log("senders.txt:2:1: \"not a domain\" is not a domain name");
  d.wait_for_log("reload failed with 1 error(s); keeping configuration generation 2");
  REQUIRE(c.send(request({{"sender", "a@new.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 listed new.example\n\n");

  // The list vanishes: the reload fails naming it, the rules in force stay.
  ::unlink((dir.path() + "/senders.txt").c_str());
  d.signal(SIGHUP);
  d.wait_for_log("c.yaml:4:29: cannot read list file " + dir.path() + "/senders.txt: No such file or directory");
  d.wait_for_log("reload failed with 1 error(s); keeping configuration generation 2");
  REQUIRE(c.send(request({{"sender", "a@new.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 listed new.example\n\n");
  // And comes back.
  dir.write("senders.txt", "back.example\n");
  d.signal(SIGHUP);
  d.wait_for_log("configuration generation 3 loaded");
  REQUIRE(c.send(request({{"sender", "a@back.example"}})));
  CHECK(c.answer() == "action=REJECT 5.7.1 listed back.example\n\n");
}

TEST_CASE("lifecycle: started as root, the daemon drops to user: for good after binding") {
  if (::geteuid() != 0) return;  // only root can test leaving root
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", "user: nobody\n" + config_text("unix:" + sock, "reject 5.7.1 dropped"));
  Daemon d({"-c", config});  // the harness adds --run-as-root; user: wins
  d.wait_for_log("running as user nobody");
  std::ifstream status("/proc/" + std::to_string(d.pid()) + "/status");
  std::string line, uids;
  while (std::getline(status, line)) {
    if (line.starts_with("Uid:")) uids = line;
  }
  const std::string nobody = std::to_string(::getpwnam("nobody")->pw_uid);
  CHECK(uids == "Uid:\t" + nobody + "\t" + nobody + "\t" + nobody + "\t" + nobody);  // real, effective, saved, fs
  Client c = Client::unix_socket(sock);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 dropped\n\n");
  // The socket is the user's, so that it can remove it at exit even from a
  // sticky directory (the package's root:tlspolicyd 1770).
  struct stat st {};
  REQUIRE(::stat(sock.c_str(), &st) == 0);
  CHECK(st.st_uid == ::getpwnam("nobody")->pw_uid);
}

TEST_CASE("lifecycle: started as root in a sticky root-owned directory, the daemon removes its socket at exit") {
  if (::geteuid() != 0) return;
  TempDir dir;
  const std::string spool = dir.path() + "/spool";
  REQUIRE(::mkdir(spool.c_str(), 01777) == 0);
  REQUIRE(::chmod(spool.c_str(), 01777) == 0);
  ::chmod(dir.path().c_str(), 0755);
  const std::string sock = spool + "/p.sock";
  const std::string config = dir.write("c.yaml", "user: nobody\n" + config_text("unix:" + sock, "dunno"));
  {
    Daemon d({"-c", config});
    d.wait_for_log("running as user nobody");
    d.signal(SIGTERM);
    CHECK(d.wait_exit() == 0);
  }
  CHECK(::access(sock.c_str(), F_OK) != 0);
  // And the next start (as the service user, say) finds nothing of root's in its way.
  Daemon again({"-c", config});
  again.wait_for_log("running as user nobody");
}

TEST_CASE("lifecycle: a socket the daemon can no longer remove at exit is logged, and replaced by the next start") {
  if (::geteuid() != 0) return;
  TempDir dir;
  const std::string run = dir.path() + "/run";
  REQUIRE(::mkdir(run.c_str(), 0755) == 0);  // root's, not writable by nobody
  ::chmod(dir.path().c_str(), 0755);
  const std::string sock = run + "/p.sock";
  const std::string config = dir.write("c.yaml", "user: nobody\n" + config_text("unix:" + sock, "dunno"));
  {
    Daemon d({"-c", config});
    d.wait_for_log("running as user nobody");
    d.signal(SIGTERM);
    CHECK(d.wait_exit() == 0);
    CHECK(d.log().find("warning: cannot remove " + sock + ": Permission denied") != std::string::npos);
  }
  Daemon again({"-c", config});
  again.wait_for_log("running as user nobody");
}

TEST_CASE("lifecycle: as root without user:, the daemon refuses to run unless told to") {
  if (::geteuid() != 0) return;
  TempDir dir;
  const std::string config = dir.write("c.yaml", config_text("unix:" + dir.path() + "/p.sock", "dunno"));
  RunResult r = run({"serve", "-c", config, "--log-stderr"});
  CHECK(r.exit_code == 77);
  CHECK(r.err.find("refusing to run as root: set user: in the configuration") != std::string::npos);
  RunResult unknown = run({"serve", "-c", dir.write("u.yaml", "user: no-such-user-x\n" + config_text("unix:" + dir.path() + "/q.sock", "dunno")), "--log-stderr"});
  CHECK(unknown.exit_code == 67);
  CHECK(unknown.err.find("no such user: no-such-user-x") != std::string::npos);
}

TEST_CASE("lifecycle: a FIFO as the configuration or a list file never hangs check, a reload or SIGTERM") {
  TempDir dir;
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", config_text("unix:" + sock, "reject 5.7.1 kept"));
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // nobody ever opens it for writing

  // check: a list file that is a FIFO is an error at once.
  const std::string with_list = dir.write("l.yaml", "rules:\n  - name: a\n    match: { sender: file:fifo }\n"
                                                    "    action: dunno\n");
  RunResult checked = run({"check", "-c", with_list});
  CHECK(checked.exit_code == 78);
  CHECK(checked.err.find("cannot read list file " + fifo + ": not a regular file (a FIFO)") != std::string::npos);
  RunResult fifo_config = run({"check", "-c", fifo});
  CHECK(fifo_config.err.find("cannot read the configuration file: not a regular file (a FIFO)") != std::string::npos);

  // A reload of a configuration replaced by a FIFO fails at once, and SIGTERM
  // still ends the daemon (a reload stuck in open() would keep it from exiting).
  Daemon d({"-c", config});
  Client c = Client::unix_socket(sock);
  REQUIRE(::unlink(config.c_str()) == 0);
  REQUIRE(::mkfifo(config.c_str(), 0600) == 0);
  d.signal(SIGHUP);
  d.wait_for_log("cannot read the configuration file: not a regular file (a FIFO)");
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 kept\n\n");
  d.signal(SIGTERM);
  CHECK(d.wait_exit() == 0);
}
