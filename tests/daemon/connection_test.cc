// SPDX-License-Identifier: MIT
// connection: the state machine over a socketpair, with a host that owns one
// connection and the real Responder. The loop is turned by hand (EVLOOP_ONCE):
// nothing here waits for a clock, except the idle check, armed with 0 seconds.
#include "connection.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <sstream>

#include "support.h"
#include "responder.h"

using namespace tlspolicyd;

namespace {

constexpr std::string_view Tls1 = "request=smtpd_access_policy\nencryption_protocol=TLSv1\n\n";
constexpr std::string_view Tls13 = "request=smtpd_access_policy\nencryption_protocol=TLSv1.3\n\n";

class Host final : public daemon::ConnectionHost {
 public:
  Host() : base_(event_base_new()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(log_text);
    sink->set_pattern("%v");
    logger_ = std::make_shared<spdlog::logger>("test", sink);
    logger_->set_level(spdlog::level::debug);
    limits_.idle_timeout = std::chrono::seconds(1000);
  }
  ~Host() override {
    conn.reset();
    event_base_free(base_);
  }

  event_base* base() override { return base_; }
  const config::ServerLimits& limits() override { return limits_; }
  const timeval* idle_timeout() override { return nullptr; }
  spdlog::logger& log() override { return *logger_; }
  void release(daemon::Connection& c) override {
    CHECK(&c == conn.get());
    CHECK(c.state() == daemon::Connection::State::Closed);
    conn.reset();
    ++released;
  }

  void turn() { event_base_loop(base_, EVLOOP_ONCE); }
  void turn_if_ready() { event_base_loop(base_, EVLOOP_NONBLOCK); }

  std::ostringstream log_text;
  std::unique_ptr<daemon::Connection> conn;
  config::ServerLimits limits_;
  int released = 0;

 private:
  event_base* base_;
  std::shared_ptr<spdlog::logger> logger_;
};

struct Pair {
  int ours = -1;
  int theirs = -1;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~Pair() { ::close(ours); }
  std::size_t send_some(std::string_view bytes) const {
    ssize_t n = ::send(ours, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  void send(std::string_view bytes) const {
    REQUIRE(::send(ours, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // What has arrived so far, without waiting; `eof` set when the peer closed.
  std::string received(bool* eof = nullptr) const {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(ours, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (eof != nullptr) *eof = n == 0;
      return out;
    }
  }
};

std::shared_ptr<const config::Config> floor_config() { return test::load(test::Floor); }

// A connection served over a socketpair: the test holds pair.ours. Destroyed
// in reverse: the connection (host), the pair, then what it used.
struct Served {
  metrics::Metrics metrics;
  daemon::Responder responder{floor_config(), nullptr, &metrics};
  Pair pair;
  Host host;
  explicit Served(std::chrono::seconds idle_timeout = std::chrono::seconds(1000)) {
    host.limits_.idle_timeout = idle_timeout;
    host.conn = std::make_unique<daemon::Connection>(host, responder, 7, pair.theirs, pair.theirs, "peer");
    REQUIRE(host.conn->start());
  }
};

}  // namespace

TEST_CASE("pipelined requests are answered in order") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send(std::string(Tls1) + std::string(Tls13));
  host.turn();
  CHECK(pair.received() == "action=REJECT 5.7.1 protocol TLSv1 < TLSv1.2\n\naction=DUNNO\n\n");
  CHECK(host.conn != nullptr);
  CHECK(host.conn->state() == daemon::Connection::State::Open);
}

TEST_CASE("a request split across reads is answered once it is complete") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send(Tls13.substr(0, 20));
  host.turn();
  CHECK(pair.received().empty());
  pair.send(Tls13.substr(20));
  host.turn();
  CHECK(pair.received() == "action=DUNNO\n\n");
}

TEST_CASE("a protocol error closes without an answer to that request, after the earlier answers") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send(std::string(Tls13) + "no equals sign\n\n" + std::string(Tls1));
  host.turn();
  bool eof = false;
  CHECK(pair.received(&eof) == "action=DUNNO\n\n");
  CHECK(eof);
  CHECK(host.released == 1);
  CHECK(host.log_text.str().find("conn=7 peer=peer: ") != std::string::npos);
  CHECK(host.log_text.str().find("closing without an answer") != std::string::npos);
  CHECK(s.metrics.render().find("tlspolicyd_protocol_errors_total 1") != std::string::npos);
}

TEST_CASE("the peer's end of input closes the connection and hands it back to the host") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send(Tls13);
  ::shutdown(pair.ours, SHUT_WR);
  while (host.released == 0) host.turn();
  bool eof = false;
  CHECK(pair.received(&eof) == "action=DUNNO\n\n");
  CHECK(eof);
  CHECK(host.log_text.str().find("closed by peer after 1 request(s)") != std::string::npos);
}

TEST_CASE("an end of input in the middle of a request is logged") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send("request=smtpd_access_policy\n");
  ::shutdown(pair.ours, SHUT_WR);
  while (host.released == 0) host.turn();
  CHECK(host.log_text.str().find("connection closed in the middle of a request") != std::string::npos);
}

TEST_CASE("shutdown answers what has arrived, then closes") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  pair.send(std::string(Tls1) + std::string(Tls13));
  host.conn->shutdown();  // the loop has not seen the requests yet
  CHECK(host.conn->state() == daemon::Connection::State::Closed);
  bool eof = false;
  CHECK(pair.received(&eof) == "action=REJECT 5.7.1 protocol TLSv1 < TLSv1.2\n\naction=DUNNO\n\n");
  host.conn.reset();  // the host destroys a connection shutdown() closed; that closes the socket
  CHECK(pair.received(&eof).empty());
  CHECK(eof);
}

TEST_CASE("a connection that never sends a byte is closed at the first check") {
  Served s(std::chrono::seconds(0));
  auto& host = s.host;
  while (host.released == 0) host.turn();
  CHECK(host.log_text.str().find("conn=7 peer=peer: sent no request in 0s; closing") != std::string::npos);
}

TEST_CASE("a byte is not a request: a connection that never completes one is closed at the first check") {
  Served s(std::chrono::seconds(0));
  auto& host = s.host;
  s.pair.send("r");
  while (host.released == 0) host.turn();
  CHECK(host.log_text.str().find("conn=7 peer=peer: sent no request in 0s; closing") != std::string::npos);
}

TEST_CASE("a connection that reads nothing for idle_timeout after a request is closed") {
  Served s(std::chrono::seconds(0));
  auto& host = s.host;
  s.pair.send(Tls13);
  while (host.released == 0) host.turn();
  CHECK(s.pair.received() == "action=DUNNO\n\n");
  CHECK(host.log_text.str().find("conn=7 peer=peer: idle for 0s after 1 request(s); closing") != std::string::npos);
}

TEST_CASE("answers held back while the peer does not read all come, in order, once it reads") {
  Served s;
  auto& host = s.host;
  auto& pair = s.pair;
  // 600 000 empty requests are 17 MB of answers: far more than the socket and
  // MaxPendingOutput hold, so answering stops until the peer reads.
  const std::string requests(600000, '\n');
  std::size_t sent = 0;
  for (int i = 0; i < 100; ++i) {
    sent += pair.send_some(std::string_view(requests).substr(sent));
    host.turn_if_ready();
  }
  REQUIRE(sent < requests.size());  // the connection stopped reading
  const std::string_view answer = "action=REJECT 5.7.1 no TLS\n\n";
  std::string got;
  for (int i = 0; i < 1000000 && got.size() < requests.size() * answer.size(); ++i) {
    sent += pair.send_some(std::string_view(requests).substr(sent));
    host.turn_if_ready();
    got += pair.received();
  }
  REQUIRE(sent == requests.size());
  CHECK(got.size() == requests.size() * answer.size());
  bool same = true;
  for (std::size_t at = 0; at < got.size() && same; at += answer.size()) same = got.compare(at, answer.size(), answer) == 0;
  CHECK(same);
  CHECK(host.conn != nullptr);
}
