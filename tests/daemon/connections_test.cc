// SPDX-License-Identifier: MIT
// connections: the registry over socketpairs: the limits (all, and per peer),
// the one destroy path (the gauge stays true on every way out) and on_empty.
#include "connections.h"
#include "event_loop.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "support.h"

using namespace tlspolicyd;

namespace {

constexpr std::string_view Request = "request=smtpd_access_policy\nencryption_protocol=TLSv1.3\n\n";

struct Registry {
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log = [this] {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(log_text);
    sink->set_pattern("%v");
    return std::make_shared<spdlog::logger>("test", sink);
  }();
  event_base* base = daemon::new_event_loop();  // the daemon's, with its priorities
  metrics::Metrics metrics;
  daemon::Responder responder;
  std::unique_ptr<daemon::Connections> connections;
  std::vector<int> ours;  // the clients' ends
  int emptied = 0;

  explicit Registry(std::string_view limits)
      : responder(test::load(std::string("limits: ") + std::string(limits) + "\nrules: []\n", users()), log.get()) {
    connections = std::make_unique<daemon::Connections>(base, responder, *log, &metrics);
    connections->set_on_empty([this] { ++emptied; });
  }
  ~Registry() {
    connections.reset();
    for (int fd : ours) ::close(fd);
    event_base_free(base);
  }
  // This host's users, as the loader looks them up: postfix is uid 107.
  static config::FileOwners users() {
    config::FileOwners owners = config::FileOwners::of_process();
    owners.user_id = [](const std::string& name) -> std::optional<uid_t> {
      if (name == "postfix") return 107;
      return std::nullopt;
    };
    return owners;
  }
  // A new client of the local user `uid`, handed to accept().
  int connect(uid_t uid) { return accept("uid " + std::to_string(uid), uid, std::nullopt); }
  // A new remote client from `address`.
  int connect_from(std::string_view address) {
    return accept(std::string(address), std::nullopt, net::parse_ip(address));
  }
  int accept(const std::string& share, std::optional<uid_t> uid, std::optional<net::IpAddress> address) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours.push_back(fds[0]);
    connections->accept(fds[1], daemon::Peer{"client of " + share, share, uid, address, uid.has_value()});
    return fds[0];
  }
  [[nodiscard]] bool metric(std::string_view line) const { return metrics.render().find(line) != std::string::npos; }
};

// True when the daemon's end of `fd` is closed (EOF, nothing sent).
bool closed(int fd) {
  char c;
  return ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

}  // namespace

TEST_CASE("connections: beyond a peer's share a connection is closed at once") {
  Registry r("{ connections: 4, connections_per_peer: 2 }");
  const int a1 = r.connect(1);
  const int a2 = r.connect(1);
  const int a3 = r.connect(1);  // uid 1's third: over its share
  CHECK(r.connections->size() == 2);
  CHECK_FALSE(closed(a1));
  CHECK_FALSE(closed(a2));
  CHECK(closed(a3));
  CHECK(r.log_text.str().find("connection limit per peer (uid 1) of 2 reached: refused 1 connection(s), the last "
                              "from client of uid 1") != std::string::npos);
  CHECK(r.metric("tlspolicyd_connections_refused_total 1"));
}

TEST_CASE("connections: at limits.connections peers in demand share it: the biggest holder gives way") {
  Registry r("{ connections: 4, connections_per_peer: 4 }");
  std::vector<int> hog;
  for (int i = 0; i < 4; ++i) hog.push_back(r.connect(1));
  const int b1 = r.connect(2);  // uid 1 holds 4, uid 2 none: uid 1's oldest goes
  CHECK(closed(hog[0]));
  CHECK_FALSE(closed(hog[1]));
  CHECK_FALSE(closed(b1));
  CHECK(r.log_text.str().find("connection limit of 4 reached: closed 1 connection(s) of the peers holding the most "
                              "(the last: uid 1, holding 4) to serve others") != std::string::npos);
  const int b2 = r.connect(2);  // 3 against 1: uid 1 gives way again
  CHECK(closed(hog[1]));
  CHECK_FALSE(closed(b2));
  const int b3 = r.connect(2);  // 2 against 2: even; refused
  CHECK(closed(b3));
  CHECK_FALSE(closed(hog[2]));
  CHECK(r.connections->size() == 4);
  CHECK(r.metric("tlspolicyd_connections_open 4"));
  CHECK(r.metric("tlspolicyd_connections_refused_total 3"));  // two made room, one refused
}

TEST_CASE("connections: a peer's share comes back when its connection goes; the gauge follows") {
  Registry r("{ connections: 4, connections_per_peer: 1 }");
  const int a = r.connect(1);
  CHECK(r.connections->size() == 1);
  ::shutdown(a, SHUT_WR);  // the client leaves
  while (r.connections->size() == 1) event_base_loop(r.base, EVLOOP_ONCE);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  const int again = r.connect(1);
  CHECK(r.connections->size() == 1);
  CHECK_FALSE(closed(again));
}

TEST_CASE("connections: shutdown answers what has arrived and closes; the gauge counts every one") {
  Registry r("{ connections: 10 }");
  const int a = r.connect(1);
  const int b = r.connect(2);
  REQUIRE(::send(a, Request.data(), Request.size(), 0) == static_cast<ssize_t>(Request.size()));
  CHECK(r.connections->shutdown());
  CHECK(r.connections->size() == 0);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  char buf[64];
  CHECK(::recv(a, buf, sizeof buf, MSG_DONTWAIT) == 14);  // "action=DUNNO\n\n"
  CHECK(closed(b));
  const int late = r.connect(3);  // stopping: no more
  CHECK(closed(late));
}

TEST_CASE("connections: close_all destroys every one through the same path") {
  Registry r("{ connections: 10 }");
  r.connect(1);
  r.connect(1);
  r.connections->close_all();
  CHECK(r.connections->size() == 0);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  CHECK(r.metric("tlspolicyd_connections_total 2"));
}

TEST_CASE("connections: at the limit Postfix (limits.reserved_for) takes any other peer's place") {
  Registry r("{ connections: 4, connections_per_peer: 3 }");  // reserved_for: postfix (uid 107) by default
  std::vector<int> others{r.connect(1), r.connect(2), r.connect(3), r.connect(4)};  // one each: even
  const int stranger = r.connect(5);  // an unreserved newcomer: no one holds two more
  CHECK(closed(stranger));
  const int p1 = r.connect(107);  // Postfix: uid 1's oldest gives way although it holds one
  CHECK(closed(others[0]));
  CHECK_FALSE(closed(p1));
  const int p2 = r.connect(107);
  const int p3 = r.connect(107);
  CHECK(closed(others[1]));
  CHECK(closed(others[2]));
  CHECK_FALSE(closed(p2));
  CHECK_FALSE(closed(p3));
  CHECK(closed(r.connect(107)));  // over Postfix's own share (3)
  // Postfix holds 3 against uid 4's one: others' newcomers never take Postfix's place.
  CHECK(closed(r.connect(6)));
  CHECK(closed(r.connect(4)));
  CHECK_FALSE(closed(p1));
  CHECK_FALSE(closed(others[3]));
  CHECK(r.connections->size() == 4);
}

TEST_CASE("connections: reserved remote peers by address; a local process is known by its uid only") {
  Registry r("{ connections: 2, connections_per_peer: 2, reserved_for: [ 192.0.2.0/24 ] }");  // and postfix
  const int a = r.connect(107);
  const int b = r.connect(107);
  const int mx = r.connect_from("192.0.2.25");  // another MX host: uid 107's oldest gives way
  CHECK(closed(a));
  CHECK_FALSE(closed(b));
  CHECK_FALSE(closed(mx));
  const int far = r.connect_from("198.51.100.1");  // not reserved: 1 against 1, refused
  CHECK(closed(far));
  CHECK_FALSE(closed(mx));
}

TEST_CASE("connections: a reserved IPv6 MX has a share of its own, not its /64's") {
  Registry r("{ connections: 10, connections_per_peer: 2, reserved_for: [ \"fd00:61::25\" ] }");
  const int n1 = r.accept("fd00:61::/64", std::nullopt, net::parse_ip("fd00:61::99"));  // a neighbour
  const int n2 = r.accept("fd00:61::/64", std::nullopt, net::parse_ip("fd00:61::98"));
  const int n3 = r.accept("fd00:61::/64", std::nullopt, net::parse_ip("fd00:61::97"));
  CHECK(closed(n3));  // the /64's share is full
  std::vector<int> mx;
  for (int i = 0; i < 2; ++i) mx.push_back(r.accept("fd00:61::/64", std::nullopt, net::parse_ip("fd00:61::25")));
  for (int fd : mx) CHECK_FALSE(closed(fd));
  CHECK_FALSE(closed(n1));
  CHECK_FALSE(closed(n2));
}

TEST_CASE("connections: Postfix's requests are served before other peers', however many are ready") {
  Registry r("{ connections: 400, connections_per_peer: 200 }\nlog: { decisions: all }");
  std::vector<int> others;
  for (int i = 0; i < 300; ++i) others.push_back(r.connect(static_cast<uid_t>(1000 + i)));
  const int postfix = r.connect(107);  // reserved_for: postfix (uid 107), the last to connect
  auto send = [](int fd, std::string_view sender) {
    const std::string request = "request=smtpd_access_policy\nsender=" + std::string(sender) + "\n\n";
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  };
  for (int fd : others) send(fd, "other@example.net");
  send(postfix, "postfix@example.org");
  auto answered = [&r] {
    std::size_t n = 0;
    const std::string log = r.log_text.str();
    for (auto at = log.find("from=<"); at != std::string::npos; at = log.find("from=<", at + 1)) ++n;
    return n;
  };
  while (answered() < 301) event_base_loop(r.base, EVLOOP_ONCE);
  // The answers' order is the decision lines' order. Postfix's fd comes with one
  // of epoll's batches (libevent asks for 32, then 64, 128, 256 ready fds), and
  // at most MaxCallbacksPerTurn others are served per batch: Postfix's is in the
  // fourth, then first, instead of after every other ready connection.
  const std::string log = r.log_text.str();
  const auto postfix_line = log.find("from=<postfix@example.org>");
  REQUIRE(postfix_line != std::string::npos);
  std::size_t before = 0;
  for (auto at = log.find("from=<other@"); at != std::string::npos && at < postfix_line;
       at = log.find("from=<other@", at + 1)) {
    ++before;
  }
  CHECK(before <= 3 * daemon::MaxCallbacksPerTurn);
  CHECK(before < others.size());
}
