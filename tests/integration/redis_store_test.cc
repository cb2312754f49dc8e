// SPDX-License-Identifier: MIT
// Integration: the Redis store's Lua script against a real redis-server: deltas
// add, and a batch id applied before is skipped (the retry after a lost reply);
// and against a fake one: what it says is escaped, a reply of the wrong shape is
// no crash.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "harness.h"
#include "history/redis_store.h"

using namespace tlspolicyd;
using history::Record;
using test::RedisServer;
using tls::TlsVersion;

namespace {

Record seen(TlsVersion v, int n, std::int64_t t) {
  Record r;
  for (int i = 0; i < n; ++i) r.add(v, t + i);
  return r;
}

}  // namespace

TEST_CASE("redis store: deltas add; the same batch id twice counts once, a half-applied batch is completed") {
  RedisServer redis;
  history::RedisStore store(history::StoreAddress::redis("127.0.0.1", static_cast<std::uint16_t>(redis.port()), 0),
                            std::chrono::hours(2));
  history::BatchIds ids;
  const history::Batch first{ids.next(), {{"p", seen(TlsVersion::TLSv1_3, 6, 1000)}, {"q", seen(TlsVersion::Plaintext, 1, 900)}}};
  store.add(first);
  store.add(first);  // a retry after a lost reply: skipped
  store.add({ids.next(), {{"p", seen(TlsVersion::TLSv1_2, 6, 500)}}});  // another host's delta
  auto got = store.get({"p", "q", "r"});
  REQUIRE(got[0].has_value());
  CHECK(got[0]->tls() == 12);
  CHECK(got[0]->counts[history::slot_of(TlsVersion::TLSv1_3)] == 6);
  CHECK(got[0]->best_version() == TlsVersion::TLSv1_3);  // a delta's lower best never lowers it
  CHECK(got[0]->last_version() == TlsVersion::TLSv1_3);  // from the newer
  CHECK(got[0]->first_seen == 500);
  CHECK(got[0]->last_seen == 1005);
  REQUIRE(got[1].has_value());
  CHECK(got[1]->plaintext() == 1);
  CHECK_FALSE(got[2].has_value());

  // A batch larger than one chunk whose first chunk went through before the
  // reply was lost: sent again, only the rest is added.
  history::Batch big{ids.next(), {}};
  for (std::size_t i = 0; i < history::RedisStore::ChunkKeys + 10; ++i) {
    big.deltas.emplace_back("k" + std::to_string(i), seen(TlsVersion::TLSv1_3, 1, 2000));
  }
  history::Batch head{big.id, {big.deltas.begin(), big.deltas.begin() + history::RedisStore::ChunkKeys}};
  store.add(head);
  store.add(big);
  for (const auto& key : {std::string("k0"), "k" + std::to_string(history::RedisStore::ChunkKeys + 9)}) {
    CAPTURE(key);
    auto r = store.get({key})[0];
    REQUIRE(r.has_value());
    CHECK(r->tls() == 1);
  }

  // Without an id a batch is not idempotent: each write adds.
  store.add({"", {{"q", seen(TlsVersion::Plaintext, 1, 950)}}});
  store.add({"", {{"q", seen(TlsVersion::Plaintext, 1, 950)}}});
  CHECK(store.get({"q"})[0]->plaintext() == 3);
}

namespace {

// A stand-in for whoever answers on Redis's address: reads RESP commands and
// answers each with reply(command name). One connection, until it closes.
class FakeRedis {
 public:
  FakeRedis(const std::string& path, std::function<std::string(const std::string&)> reply)
      : reply_(std::move(reply)) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener_, 4) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRedis() {
    ::shutdown(listener_, SHUT_RDWR);
    if (conn_ >= 0) ::shutdown(conn_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  FakeRedis(const FakeRedis&) = delete;
  FakeRedis& operator=(const FakeRedis&) = delete;

 private:
  void serve() {
    conn_ = ::accept(listener_, nullptr, nullptr);
    if (conn_ < 0) return;
    std::string in;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(conn_, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      // Whole commands only: *N, then N times $LEN CRLF DATA CRLF; the name is the first.
      for (;;) {
        std::size_t at = 0;
        auto line = [&]() -> std::optional<std::string> {
          const auto end = in.find("\r\n", at);
          if (end == std::string::npos) return std::nullopt;
          std::string l = in.substr(at, end - at);
          at = end + 2;
          return l;
        };
        auto head = line();
        if (!head) break;
        const int count = std::stoi(head->substr(1));
        std::string name;
        bool whole = true;
        for (int i = 0; i < count && whole; ++i) {
          auto len = line();
          if (!len) { whole = false; break; }
          const auto size = static_cast<std::size_t>(std::stoul(len->substr(1)));
          if (in.size() < at + size + 2) { whole = false; break; }
          if (i == 0) name = in.substr(at, size);
          at += size + 2;
        }
        if (!whole) break;
        in.erase(0, at);
        const std::string out = reply_(name);
        if (::write(conn_, out.data(), out.size()) < 0) return;
      }
    }
  }

  std::function<std::string(const std::string&)> reply_;
  int listener_ = -1;
  int conn_ = -1;
  std::thread thread_;
};

}  // namespace

TEST_CASE("redis store: what a fake Redis says reaches no message raw (control bytes escaped, bounded)") {
  test::TempDir dir;
  const std::string path = dir.path() + "/redis.sock";
  FakeRedis fake(path, [](const std::string&) { return "-ERR \x1b]0;pwned\x07\x1b[2J " + std::string(2000, 'x') + "\r\n"; });
  try {
    history::RedisStore store(history::StoreAddress::redis_unix(path, 0), std::chrono::hours(2));
    FAIL("a store whose every reply is an error opened");
  } catch (const history::StoreError& e) {
    const std::string what = e.what();
    CHECK(what.find("ERR \\x1b]0;pwned\\x07\\x1b[2J x") != std::string::npos);
    for (const char c : what) CHECK_FALSE((static_cast<unsigned char>(c) < 0x20 || c == 0x7f));
    CHECK(what.size() < 400);
    CHECK(what.ends_with("..."));
  }
}

TEST_CASE("redis store: a key without the history prefix in a SCAN reply is skipped, not a crash") {
  test::TempDir dir;
  const std::string path = dir.path() + "/redis.sock";
  FakeRedis fake(path, [](const std::string& name) -> std::string {
    if (name == "SCRIPT") return "$40\r\n" + std::string(40, 'a') + "\r\n";
    if (name == "SCAN") return "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nk\r\n:7\r\n";  // a short key, and no string at all
    return "+OK\r\n";
  });
  history::RedisStore store(history::StoreAddress::redis_unix(path, 0), std::chrono::hours(2));
  int seen = 0;
  CHECK_NOTHROW(store.scan([&](const std::string&, const Record&) { return ++seen > 0; }));
  CHECK(seen == 0);
}

TEST_CASE("redis store: a weak record (never TLS, or seen within a day) expires after 30 days, a peer's after the retention") {
  RedisServer redis;
  history::RedisStore store(history::StoreAddress::redis("127.0.0.1", static_cast<std::uint16_t>(redis.port()), 0),
                            std::chrono::hours(24 * 90));
  Record peer = seen(TlsVersion::TLSv1_3, 1, 1000);
  peer.add(TlsVersion::TLSv1_3, 1000 + 86400);  // seen on two days
  store.add({"", {{"once", seen(TlsVersion::TLSv1_3, 1, 1000)},
                  {"session", seen(TlsVersion::TLSv1_3, 2, 1000)},  // twice in one session: still weak
                  {"plain", seen(TlsVersion::Plaintext, 5, 1000)},
                  {"peer", peer}}});
  auto ttl = [&](const std::string& key) {
    return std::stol(test::run_program(redis.cli({"TTL", std::string(history::RedisStore::Prefix) + key})).out);
  };
  CHECK(ttl("once") > 30 * 86400 - 60);
  CHECK(ttl("once") <= 30 * 86400);
  CHECK(ttl("plain") <= 30 * 86400);
  CHECK(ttl("session") <= 30 * 86400);
  CHECK(ttl("peer") > 89 * 86400);
  // Seen again a day later, with TLS: the retention from then on.
  store.add({"", {{"once", seen(TlsVersion::TLSv1_3, 1, 1000 + 86400)}}});
  CHECK(ttl("once") > 89 * 86400);
}
