// SPDX-License-Identifier: MIT
// Integration: clients that behave as no Postfix would (issue 8). Slow senders,
// ten thousand connections, requests cut at every byte, hostile values in every
// template variable. Garbage, NUL bytes, limits, vanishing clients and the
// connection limit are in serve_test.cc.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fstream>
#include <string>
#include <vector>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

std::string config_with(const TempDir& dir, const std::string& body) {
  return dir.write("c.yaml", "listen: [ unix:" + dir.path() + "/policy.sock ]\n" + body);
}

const std::string EchoRule =
    "log: { decisions: all }\n"
    "rules:\n"
    "  - name: echo\n"
    "    action: \"reject 5.7.1 sender ${sender}\"\n";

// Raises this process's open-file limit (and, as root, the hard one) so that it,
// and the daemon it starts, can hold `wanted` descriptors; false if it cannot.
bool allow_fds(rlim_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < wanted) rl.rlim_max = wanted;  // needs root
  rl.rlim_cur = rl.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  return ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= wanted);
}

bool printable_lines(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c != '\n' && (u < 0x20 || u > 0x7e)) return false;
  }
  return true;
}

// The daemon's peak resident memory (VmHWM), in KiB.
long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool Sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif
#else
constexpr bool Sanitized = false;
#endif

}  // namespace

TEST_CASE("adversarial: clients that pipeline and never read are dropped, memory stays bounded (issue 17)") {
  // A warn rule: every empty request gets a long WARN answer (~130 bytes), so one
  // 16 KiB read of bare newlines would be 2 MiB of answers if nothing held back.
  TempDir dir;
  Daemon d({"-c", config_with(dir, "log: { decisions: none }\n"
                                   "rules:\n"
                                   "  - name: census-of-everything-with-a-long-name\n"
                                   "    mode: warn\n"
                                   "    require: { tls: true }\n"
                                   "    action: \"reject 5.7.1 TLS is required for this long answer\"\n")});
  const std::string socket = dir.path() + "/policy.sock";
  constexpr int N = 50;
  const std::string newlines(1 << 20, '\n');
  std::vector<Client> hostile;
  for (int i = 0; i < N; ++i) {
    hostile.push_back(Client::unix_socket(socket));
    REQUIRE(hostile.back().send_some(newlines) > 0);  // as much as the socket takes
  }
  // A Postfix-like client is answered meanwhile.
  Client postfix = Client::unix_socket(socket);
  REQUIRE(postfix.send(request({{"encryption_protocol", "TLSv1.3"}})));
  CHECK(postfix.answer() == "action=DUNNO\n\n");
  // Every hostile client is dropped for not reading (after 10 s without reading).
  for (int i = 0; i < N; ++i) d.wait_for_log("peer does not read its answers; closing");
  REQUIRE(postfix.send(request({{"encryption_protocol", "TLSv1.3"}})));
  CHECK(postfix.answer() == "action=DUNNO\n\n");
  // At most the cap (256 KiB) of unread answers each, plus a read's worth, was held:
  // well under 1 MiB a connection, where the answers to one read alone are 2 MiB.
  const long peak = peak_rss_kib(d.pid());
  MESSAGE("daemon peak RSS " << peak << " KiB");
  if (!Sanitized) CHECK(peak < 64 * 1024);
}

TEST_CASE("adversarial: clients sending a byte at a time do not delay the others") {
  TempDir dir;
  Daemon d({"-c", config_with(dir, EchoRule)});
  const std::string socket = dir.path() + "/policy.sock";
  std::vector<Client> slow;
  for (int i = 0; i < 50; ++i) slow.push_back(Client::unix_socket(socket));
  const std::string req = request({{"sender", "slow@example.net"}});
  Client other = Client::unix_socket(socket);
  // Every slow client is always in the middle of a request; between two of
  // their bytes, another client asks and is answered.
  for (std::size_t pos = 0; pos < req.size(); ++pos) {
    for (auto& c : slow) REQUIRE(c.send(req.substr(pos, 1)));
    if (pos % 50 == 0) {
      REQUIRE(other.send(request({{"sender", "quick" + std::to_string(pos) + "@x"}})));
      REQUIRE(other.answer() == "action=REJECT 5.7.1 sender quick" + std::to_string(pos) + "@x\n\n");
    }
  }
  for (auto& c : slow) CHECK(c.answer() == "action=REJECT 5.7.1 sender slow@example.net\n\n");
}

TEST_CASE("adversarial: 10 000 connections are held and answered") {
  constexpr int N = 10000;
  if (!allow_fds(N + 512)) {
    MESSAGE("skipped: the open file limit cannot be raised to " << N + 512);
    return;
  }
  TempDir dir;
  Daemon d({"-c", config_with(dir, "limits: { connections: " + std::to_string(N) + ", connections_per_peer: " + std::to_string(N) + " }\n" + EchoRule)});
  const std::string socket = dir.path() + "/policy.sock";
  std::vector<Client> clients;
  clients.reserve(N);
  for (int i = 0; i < N; ++i) {
    clients.push_back(Client::unix_socket(socket));
    REQUIRE(clients.back().connected());
  }
  for (int i = 0; i < N; ++i) REQUIRE(clients[i].send(request({{"sender", "c" + std::to_string(i) + "@x"}})));
  for (int i = 0; i < N; ++i) {
    REQUIRE(clients[i].answer() == "action=REJECT 5.7.1 sender c" + std::to_string(i) + "@x\n\n");
  }
  // The 10 001st is over the limit: closed, and the daemon says so.
  Client extra = Client::unix_socket(socket);
  CHECK(extra.closed_without_answer());
  d.wait_for_log("connection limit of 10000 reached");
  CHECK(d.log().find("open file limit") == std::string::npos);
}

TEST_CASE("adversarial: a request cut at every byte boundary gets the same answer") {
  TempDir dir;
  Daemon d({"-c", config_with(dir, EchoRule)});
  Client c = Client::unix_socket(dir.path() + "/policy.sock");
  const std::string req = request({{"sender", "cut@example.net"}, {"encryption_protocol", "TLSv1.3"}});
  for (std::size_t cut = 1; cut < req.size(); ++cut) {
    CAPTURE(cut);
    REQUIRE(c.send(req.substr(0, cut)));
    REQUIRE(c.send(req.substr(cut)));
    REQUIRE(c.answer() == "action=REJECT 5.7.1 sender cut@example.net\n\n");
  }
}

TEST_CASE("adversarial: hostile values in every template variable never break an answer or a log line") {
  TempDir dir;
  Daemon d({"-c", config_with(dir,
                              "limits: { line_bytes: 16384 }\n"
                              "log: { decisions: all }\n"
                              "rules:\n"
                              "  - name: every-variable\n"
                              "    require: { min_protocol: TLSv1.3 }\n"
                              "    action: \"reject s=${sender} sd=${sender_domain} r=${recipient} "
                              "rd=${recipient_domain} ca=${client_address} cn=${client_name} h=${helo_name} "
                              "u=${sasl_username} p=${encryption_protocol} c=${encryption_cipher} rule=${rule} "
                              "reason=${reason}\"\n")});
  Client c = Client::unix_socket(dir.path() + "/policy.sock");
  const std::vector<std::string> hostile = {
      "a\rb@x\r.example",                       // CR inside a value (LF would end the line)
      "\xc3\xa9\xff\x80@\xe2\x80\xae.example",  // 8-bit, invalid UTF-8, a right-to-left override
      std::string(10 * 1024, 'A') + "@example.org",  // 10 KiB
      "\" action=OK key=\"value",               // quoting and a forged pair
      "${sender}%s%n{}\\",                       // template and format syntax
  };
  const char* attributes[] = {"sender",      "recipient",           "client_address",    "client_name",
                              "helo_name",   "sasl_username",       "encryption_protocol", "encryption_cipher"};
  int n = 0;
  for (const char* attr : attributes) {
    for (const auto& value : hostile) {
      CAPTURE(attr);
      CAPTURE(value.substr(0, 40));
      REQUIRE(c.send(request({{attr, value}, {"instance", "hostile." + std::to_string(++n)}})));
      const auto answer = c.answer();
      REQUIRE(answer);
      CHECK(answer->starts_with("action=REJECT s="));
      CHECK(answer->find('\n') == answer->size() - 2);  // one line, then the blank one
      CHECK(answer->size() <= std::string("action=").size() + 400 + 2);
      CHECK(printable_lines(*answer));
    }
  }
  d.wait_for_log("instance=hostile." + std::to_string(n));
  const std::string log = d.log();
  CHECK(printable_lines(log));  // every CR and 8-bit byte escaped: no line can be broken or forged
  CHECK(log.find("key=\"value") == std::string::npos);  // the forged pair stays inside its quotes
  CHECK(log.find("\\\" action=OK key=\\\"value") != std::string::npos);
  CHECK(log.find("\\x0d") != std::string::npos);
}

// Root's socket file race (issue 17 item 1): the daemon started as root creates its
// socket in a directory that its own user (here: nobody) owns, while a process of
// that user swaps a symbolic link to a root-only file in for the new socket file
// the moment it appears. Whatever the start makes of it, the file stays as it was.
TEST_CASE("adversarial: a symlink swapped in for the new socket file never turns root's chmod/chown onto another file") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string sockdir = dir.path() + "/sock";
  REQUIRE(::mkdir(sockdir.c_str(), 0755) == 0);
  REQUIRE(::chown(sockdir.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
  const std::string victim = dir.write("victim", "root:$6$secret\n");
  REQUIRE(::chmod(victim.c_str(), 0600) == 0);
  const std::string config = dir.write("c.yaml", "user: nobody\nlisten: [ unix:" + sockdir +
                                                     "/p.sock ]\nrules: []\n");

  const std::string temp = sockdir + "/p.sock.new";
  const pid_t racer = ::fork();
  REQUIRE(racer >= 0);
  struct Reap {  // the racer goes, whatever the test's end
    pid_t pid;
    ~Reap() {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } reap{racer};
  if (racer == 0) {  // only system calls from here on
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(1);
    const int in = ::inotify_init1(IN_CLOEXEC);
    if (in < 0 || ::inotify_add_watch(in, sockdir.c_str(), IN_CREATE) < 0) ::_exit(1);
    alignas(inotify_event) char buf[4096];
    for (;;) {
      const ssize_t n = ::read(in, buf, sizeof buf);
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
        struct stat created {};
        if (ev->len > 0 && std::strcmp(ev->name, "p.sock.new") == 0 && ::lstat(temp.c_str(), &created) == 0 &&
            S_ISSOCK(created.st_mode)) {  // the daemon's, not our own link
          ::unlink(temp.c_str());
          ::symlink(victim.c_str(), temp.c_str());
        }
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
  }
  int refused = 0;
  for (int start = 0; start < 30; ++start) {
    Daemon d({"-c", config}, false);
    const std::string line = d.wait_for_log_any({"ready:", "cannot listen"});
    if (line.find("cannot listen") != std::string::npos) ++refused;
    d.signal(SIGTERM);
    d.wait_exit();
    ::unlink(temp.c_str());
  }
  CHECK(::waitpid(racer, nullptr, WNOHANG) == 0);  // the racer ran throughout (it was not refused its user)
  MESSAGE(refused << " of 30 starts refused the swapped file");
  struct stat st {};
  REQUIRE(::lstat(victim.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == 0);
}

namespace {

// A directory `owner` owns (0755), in `dir` (made 0755 too).
std::string foreign_directory(const TempDir& dir, const passwd& owner) {
  ::chmod(dir.path().c_str(), 0755);
  const std::string foreign = dir.path() + "/foreign";
  REQUIRE(::mkdir(foreign.c_str(), 0755) == 0);
  REQUIRE(::chown(foreign.c_str(), owner.pw_uid, owner.pw_gid) == 0);
  return foreign;
}

}  // namespace

TEST_CASE("adversarial: started as root, a socket directory others could swap files in is refused, saying why") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  const passwd* other = ::getpwnam("daemon");  // neither root nor the daemon's user (nobody)
  REQUIRE(other != nullptr);
  TempDir dir;
  const std::string foreign = foreign_directory(dir, *other);
  const std::string shared = dir.path() + "/shared";
  REQUIRE(::mkdir(shared.c_str(), 0775) == 0);
  REQUIRE(::chmod(shared.c_str(), 0775) == 0);
  const std::string sticky = dir.path() + "/sticky";
  REQUIRE(::mkdir(sticky.c_str(), 01770) == 0);
  REQUIRE(::chmod(sticky.c_str(), 01770) == 0);
  auto start = [&](const std::string& sockdir) {
    return run({"serve", "--log-stderr", "-c",
                dir.write("c.yaml", "user: nobody\nlisten: [ unix:" + sockdir + "/p.sock ]\nrules: []\n")});
  };
  RunResult r = start(foreign);
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("not creating " + foreign + "/p.sock: directory " + foreign + " belongs to uid " +
                   std::to_string(other->pw_uid)) != std::string::npos);
  r = start(shared);
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("directory " + shared + " is writable by its group or others and not sticky") != std::string::npos);
  // The packaged layout (root's, 1770) and the daemon user's own directory are fine.
  Daemon in_sticky({"-c", dir.write("s.yaml", "user: nobody\nlisten: [ unix:" + sticky + "/p.sock ]\nrules: []\n")});
  in_sticky.wait_for_log("running as user nobody");
}

TEST_CASE("adversarial: started as root, an LMDB history in a directory another user controls is refused") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  const passwd* other = ::getpwnam("daemon");  // neither root nor the daemon's user (nobody)
  REQUIRE(other != nullptr);
  TempDir dir;
  const std::string foreign = foreign_directory(dir, *other);
  // Its owner points the files LMDB opens, as root, at root's own.
  const std::string victim = dir.path() + "/root-only";
  REQUIRE(::close(::open(victim.c_str(), O_CREAT | O_WRONLY, 0600)) == 0);
  REQUIRE(::symlink(victim.c_str(), (foreign + "/lock.mdb").c_str()) == 0);
  auto start = [&](const std::string& store) {
    return run({"serve", "--log-stderr", "-c",
                dir.write("c.yaml", "user: nobody\nlisten: [ unix:" + dir.path() + "/p.sock ]\nrules: []\n"
                                    "downgrade: { store: \"lmdb:" + store + "\" }\n")});
  };
  RunResult r = start(foreign);
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("cannot open the history store lmdb:" + foreign + ": directory " + foreign + " belongs to uid " +
                   std::to_string(other->pw_uid)) != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(victim.c_str(), &st) == 0);
  CHECK(st.st_size == 0);  // untouched
  // The daemon user's own store directory is allowed, but not a link in it: root's
  // serve does not follow one the user planted; report and history become the
  // daemon's user first, who cannot open root's file through it either.
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  const std::string own = dir.path() + "/own";
  REQUIRE(::mkdir(own.c_str(), 0750) == 0);
  REQUIRE(::chown(own.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
  REQUIRE(::symlink(victim.c_str(), (own + "/lock.mdb").c_str()) == 0);
  r = start(own);
  CHECK(r.exit_code == 69);
  CHECK(r.err.find(own + "/lock.mdb is not a regular file") != std::string::npos);
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"report", "-c", dir.path() + "/c.yaml"},
        std::vector<std::string>{"history", "show", "-c", dir.path() + "/c.yaml", "a|b"},
        std::vector<std::string>{"history", "export", "-c", dir.path() + "/c.yaml"}}) {
    CAPTURE(command[0]);
    RunResult c = run(command);
    CHECK(c.exit_code == 69);
    CHECK(c.err.find("lmdb open " + own + ": ") != std::string::npos);  // as nobody: no data.mdb, or no right
  }
  REQUIRE(::stat(victim.c_str(), &st) == 0);
  CHECK(st.st_size == 0);  // still untouched
  // Below a directory it does not have yet, root creates it, its own.
  Daemon fresh({"-c", dir.write("f.yaml", "user: nobody\nlisten: [ unix:" + dir.path() + "/f.sock ]\nrules: []\n"
                                          "downgrade: { store: \"lmdb:" + dir.path() + "/new/history\" }\n")});
  fresh.wait_for_log("running as user nobody");
}

// Fair sharing (issue 17 item 3): a local user (nobody, from 127.0.0.2) holding
// idle connections, 2.5 times limits.connections' worth, gets its share only, and
// another (the test's, where Postfix would be) is still answered; connections
// that never send a byte go after FirstRequestTimeout (10 s).
constexpr uid_t Nobody = 65534;
constexpr uid_t DaemonUser = 1;  // Debian's "daemon"

TEST_CASE("adversarial: one peer holding idle connections cannot lock another out") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ inet:127.0.0.1:" + std::to_string(port) +
                                          " ]\nlimits: { connections: 20 }\n" + EchoRule)});
  std::vector<Client> hog;
  for (int i = 0; i < 50; ++i) hog.push_back(Client::tcp_from("127.0.0.2", "127.0.0.1", port, Nobody));
  d.wait_for_log("connection limit per peer (uid 65534) of 10 reached");
  // Bound to lo, a socket hides from the kernel's lookup on every interface: it
  // is still found, and still nobody's (final attacker review).
  Client hidden = Client::tcp_from("127.0.0.9", "127.0.0.1", port, Nobody, true);
  hidden.send(request({{"sender", "h@example.org"}}));
  CHECK_FALSE(hidden.answer().has_value());  // refused: over uid 65534's share
  // A port above 1023: any local user could take it while the daemon is down.
  d.wait_for_log("inet:127.0.0.1:" + std::to_string(port) +
                 ": any local user can take this port while tlspolicyd is not running");
  Client postfix = Client::tcp("127.0.0.1", port);
  REQUIRE(postfix.send(request({{"sender", "a@example.org"}})));
  CHECK(postfix.answer() == "action=REJECT 5.7.1 sender a@example.org\n\n");
  // The hog's ten held connections never sent anything: closed after 10 s.
  for (int i = 0; i < 10; ++i) d.wait_for_log("sent no request in 10s; closing");
  Client again = Client::tcp_from("127.0.0.2", "127.0.0.1", port, Nobody);
  REQUIRE(again.send(request({{"sender", "b@example.org"}})));
  CHECK(again.answer() == "action=REJECT 5.7.1 sender b@example.org\n\n");
}

// Two local users together filling limits.connections (each within its share,
// each connection sending a byte so that it is not dropped as silent) do not
// lock a third out: the biggest holder gives way.
TEST_CASE("adversarial: two peers holding the whole limit cannot lock a third out") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ inet:127.0.0.1:" + std::to_string(port) +
                                          " ]\nlimits: { connections: 20 }\n" + EchoRule)});
  std::vector<Client> hogs;
  for (uid_t uid : {Nobody, DaemonUser}) {
    for (int i = 0; i < 10; ++i) {
      hogs.push_back(Client::tcp_from("127.0.0.2", "127.0.0.1", port, uid));
      REQUIRE(hogs.back().send("x"));
    }
  }
  Client filler = Client::tcp_from("127.0.0.3", "127.0.0.1", port, DaemonUser);  // over its share
  CHECK(filler.closed_without_answer());
  for (int i = 0; i < 3; ++i) {
    Client postfix = Client::tcp("127.0.0.1", port);
    REQUIRE(postfix.send(request({{"sender", "p" + std::to_string(i) + "@example.org"}})));
    CHECK(postfix.answer() == "action=REJECT 5.7.1 sender p" + std::to_string(i) + "@example.org\n\n");
  }
  d.wait_for_log("to serve others");
}

// On an inet listener every local process comes from 127.0.0.1 like Postfix, and
// may choose any of 127.0.0.0/8: the daemon knows each by its user (asked of the
// kernel), so one user with sixty addresses holds one share. Postfix
// (limits.reserved_for, here the user daemon) takes others' places at the limit,
// and its connections never give way to anyone else's.
TEST_CASE("adversarial: on inet, local users with many addresses cannot take Postfix's place") {
  TempDir dir;
  const int port = free_port();
  Daemon d({"-c", dir.write("c.yaml", "listen: [ inet:127.0.0.1:" + std::to_string(port) +
                                          " ]\nlimits: { connections: 20, connections_per_peer: 15, "
                                          "reserved_for: [ daemon ] }\n" + EchoRule)});
  auto ask = [](Client& client, const std::string& sender) {
    REQUIRE(client.send(request({{"sender", sender}})));
    CHECK(client.answer() == "action=REJECT 5.7.1 sender " + sender + "\n\n");
  };
  std::vector<Client> attacker;
  for (int i = 0; i < 60; ++i) {
    attacker.push_back(Client::tcp_from("127.0.0." + std::to_string(2 + i), "127.0.0.1", port, Nobody));
    REQUIRE(attacker.back().connected());
    attacker.back().send(request({{"sender", "x@example.org"}}));
  }
  d.wait_for_log("connection limit per peer (uid 65534) of 15 reached");
  std::vector<Client> postfix;  // 5 fill the limit; 5 more take the attacker's places
  for (int i = 0; i < 10; ++i) {
    postfix.push_back(Client::tcp_from("127.0.0.1", "127.0.0.1", port, DaemonUser));
    ask(postfix.back(), "p" + std::to_string(i) + "@example.org");
  }
  d.wait_for_log("(the last: uid 65534, holding 15) to serve others");
  // A second local user's newcomers take the attacker's places, never Postfix's.
  std::vector<Client> second;
  for (int i = 0; i < 12; ++i) {
    second.push_back(Client::tcp_from("127.0.1." + std::to_string(2 + i), "127.0.0.1", port, 0));
    second.back().send(request({{"sender", "y@example.org"}}));
  }
  for (int i = 0; i < 10; ++i) ask(postfix[i], "q" + std::to_string(i) + "@example.org");
}
