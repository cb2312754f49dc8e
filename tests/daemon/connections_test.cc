// SPDX-License-Identifier: MIT
// connections: the registry over socketpairs: the limits (all, and per peer),
// the one destroy path (the gauge stays true on every way out) and on_empty.
#include "connections.h"

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
  event_base* base = event_base_new();
  metrics::Metrics metrics;
  daemon::Responder responder;
  std::unique_ptr<daemon::Connections> connections;
  std::vector<int> ours;  // the clients' ends
  int emptied = 0;

  explicit Registry(std::string_view limits)
      : responder(test::load(std::string("limits: ") + std::string(limits) + "\nrules: []\n")) {
    connections = std::make_unique<daemon::Connections>(base, responder, *log, &metrics);
    connections->set_on_empty([this] { ++emptied; });
  }
  ~Registry() {
    connections.reset();
    for (int fd : ours) ::close(fd);
    event_base_free(base);
  }
  // A new client from `share`, handed to accept().
  int connect(const std::string& share) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours.push_back(fds[0]);
    connections->accept(fds[1], daemon::Peer{"client of " + share, share});
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
  const int a1 = r.connect("uid 1");
  const int a2 = r.connect("uid 1");
  const int a3 = r.connect("uid 1");  // uid 1's third: over its share
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
  for (int i = 0; i < 4; ++i) hog.push_back(r.connect("uid 1"));
  const int b1 = r.connect("uid 2");  // uid 1 holds 4, uid 2 none: uid 1's oldest goes
  CHECK(closed(hog[0]));
  CHECK_FALSE(closed(hog[1]));
  CHECK_FALSE(closed(b1));
  CHECK(r.log_text.str().find("connection limit of 4 reached: closed 1 connection(s) of the peers holding the most "
                              "(the last: uid 1, holding 4) to serve others") != std::string::npos);
  const int b2 = r.connect("uid 2");  // 3 against 1: uid 1 gives way again
  CHECK(closed(hog[1]));
  CHECK_FALSE(closed(b2));
  const int b3 = r.connect("uid 2");  // 2 against 2: even; refused
  CHECK(closed(b3));
  CHECK_FALSE(closed(hog[2]));
  CHECK(r.connections->size() == 4);
  CHECK(r.metric("tlspolicyd_connections_open 4"));
  CHECK(r.metric("tlspolicyd_connections_refused_total 3"));  // two made room, one refused
}

TEST_CASE("connections: a peer's share comes back when its connection goes; the gauge follows") {
  Registry r("{ connections: 4, connections_per_peer: 1 }");
  const int a = r.connect("uid 1");
  CHECK(r.connections->size() == 1);
  ::shutdown(a, SHUT_WR);  // the client leaves
  while (r.connections->size() == 1) event_base_loop(r.base, EVLOOP_ONCE);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  const int again = r.connect("uid 1");
  CHECK(r.connections->size() == 1);
  CHECK_FALSE(closed(again));
}

TEST_CASE("connections: shutdown answers what has arrived and closes; the gauge counts every one") {
  Registry r("{ connections: 10 }");
  const int a = r.connect("uid 1");
  const int b = r.connect("uid 2");
  REQUIRE(::send(a, Request.data(), Request.size(), 0) == static_cast<ssize_t>(Request.size()));
  CHECK(r.connections->shutdown());
  CHECK(r.connections->size() == 0);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  char buf[64];
  CHECK(::recv(a, buf, sizeof buf, MSG_DONTWAIT) == 14);  // "action=DUNNO\n\n"
  CHECK(closed(b));
  const int late = r.connect("uid 3");  // stopping: no more
  CHECK(closed(late));
}

TEST_CASE("connections: close_all destroys every one through the same path") {
  Registry r("{ connections: 10 }");
  r.connect("uid 1");
  r.connect("uid 1");
  r.connections->close_all();
  CHECK(r.connections->size() == 0);
  CHECK(r.emptied == 1);
  CHECK(r.metric("tlspolicyd_connections_open 0"));
  CHECK(r.metric("tlspolicyd_connections_total 2"));
}
