// SPDX-License-Identifier: MIT
// TLS history: records, keys, the tracker, and the memory and LMDB stores.
// (The Redis store is tested against a real redis-server in the integration tests.)
#include <doctest/doctest.h>

#include <memory>
#include <set>

#include "history/key.h"
#include "history/lmdb_store.h"
#include "history/memory_store.h"
#include "history/store_address.h"
#include "history/tracker.h"
#include "fixtures.h"

using namespace tlspolicyd;
using history::Record;
using protocol::Attr;
using tls::TlsVersion;

namespace {

// A request's values, kept alive for the Request's views.
struct Req {
  std::string sender = "a@Partner.Example";
  std::string client_name = "mx.partner.example";
  std::string client_address = "192.0.2.10";
  std::string protocol = "TLSv1.3";
  std::string instance = "1.1";
  protocol::Request build() const {
    protocol::Request r;
    r.set(Attr::Sender, sender);
    r.set(Attr::ClientName, client_name);
    r.set(Attr::ClientAddress, client_address);
    r.set(Attr::EncryptionProtocol, protocol);
    r.set(Attr::Instance, instance);
    r.finalize();
    return r;
  }
};

Record record_with(std::initializer_list<std::pair<TlsVersion, int>> seen, std::int64_t t = 1000) {
  Record r;
  for (auto [v, n] : seen) {
    for (int i = 0; i < n; ++i) r.add(v, t++);
  }
  return r;
}

}  // namespace

TEST_CASE("record: counts per protocol, best and last, times") {
  Record r = record_with({{TlsVersion::TLSv1_3, 2}, {TlsVersion::Plaintext, 1}, {TlsVersion::TLSv1_1, 1}});
  CHECK(r.tls() == 3);
  CHECK(r.plaintext() == 1);
  CHECK(r.total() == 4);
  CHECK(r.best_version() == TlsVersion::TLSv1_3);
  CHECK(r.last_version() == TlsVersion::TLSv1_1);
  CHECK(r.first_seen == 1000);
  CHECK(r.last_seen == 1003);
  CHECK(r.below(TlsVersion::TLSv1_2) == 2);  // plaintext and TLS 1.1
  CHECK(r.below(TlsVersion::TLSv1) == 1);
  Record unknown;
  unknown.add(TlsVersion::Unknown, 5);
  CHECK(unknown.tls() == 1);
  CHECK_FALSE(unknown.best_version().has_value());
  CHECK(unknown.below(TlsVersion::TLSv1) == 1);  // an unknown protocol never meets a floor
}

TEST_CASE("record: combine adds counts and downgrades; best and last seen by maximum, first seen by minimum") {
  Record a = record_with({{TlsVersion::TLSv1_3, 5}}, 100);
  Record b = record_with({{TlsVersion::TLSv1_2, 2}, {TlsVersion::Plaintext, 1}}, 50);
  b.downgrades = 1;
  Record m = combine(a, b);
  CHECK(m.first_seen == 50);
  CHECK(m.last_seen == 104);
  CHECK(m.counts[history::slot_of(TlsVersion::TLSv1_3)] == 5);
  CHECK(m.counts[history::slot_of(TlsVersion::TLSv1_2)] == 2);
  CHECK(m.plaintext() == 1);
  CHECK(m.total() == 8);
  CHECK(m.best_version() == TlsVersion::TLSv1_3);
  CHECK(m.last_version() == TlsVersion::TLSv1_3);  // from the record seen later
  CHECK(m.downgrades == 1);
  CHECK(combine(b, a) == m);  // the order does not matter, but for `last` on a tie
  Record twice = combine(m, a);
  CHECK(twice.tls() == 12);  // a delta added twice counts twice: stores dedupe by batch id
  CHECK(twice.downgrades == 1);

  // Deltas of two writers add up to what one writer would have counted.
  Record one, w1, w2;
  for (int i = 0; i < 12; ++i) {
    one.add(TlsVersion::TLSv1_3, 1000 + i);
    (i % 2 == 0 ? w1 : w2).add(TlsVersion::TLSv1_3, 1000 + i);
  }
  CHECK(combine(combine(Record{}, w1), w2) == one);

  // An empty delta changes nothing, and an unset first_seen (0) is no minimum.
  CHECK(combine(m, Record{}) == m);
  CHECK(combine(Record{}, m) == m);
  // A delta's lower best never lowers the stored best; its `last` wins when newer.
  Record low = record_with({{TlsVersion::TLSv1, 1}}, 200);
  Record after = combine(m, low);
  CHECK(after.best_version() == TlsVersion::TLSv1_3);
  CHECK(after.last_version() == TlsVersion::TLSv1);
  CHECK(after.first_seen == 50);
  CHECK(after.last_seen == 200);
}

TEST_CASE("record: binary form round-trips and refuses garbage") {
  Record r = record_with({{TlsVersion::TLSv1_2, 3}, {TlsVersion::Plaintext, 2}});
  r.downgrades = 7;
  CHECK(history::decode(history::encode(r)) == r);
  CHECK_FALSE(history::decode("short"));
  std::string bad = history::encode(r);
  bad[0] = 9;  // another format version
  CHECK_FALSE(history::decode(bad));
}

TEST_CASE("key: parts, case, escaping, client identity") {
  using P = history::KeyPart;
  Req q;
  CHECK(history::history_key(q.build(), {P::SenderDomain, P::Client}) == "partner.example|mx.partner.example");
  q.client_name = "unknown";
  CHECK(history::history_key(q.build(), {P::SenderDomain, P::Client}) == "partner.example|192.0.2.10");
  q.client_address = "2001:db8:1:2:aaaa:bbbb:cccc:dddd";
  CHECK(history::history_key(q.build(), {P::Client}) == "2001:db8:1:2::/64");
  q.sender = "x|y\\z@Example.ORG";
  CHECK(history::history_key(q.build(), {P::Sender, P::ClientAddress}) ==
        "x\\|y\\\\z@example.org|2001:db8:1:2:aaaa:bbbb:cccc:dddd");
}

TEST_CASE("key: a U-label and its A-label are one key (issue 20)") {
  using P = history::KeyPart;
  Req q;
  q.sender = "jösé@Bücher.Example";
  q.client_name = "MX.BÜCHER.example";
  const std::vector<P> parts = {P::Sender, P::SenderDomain, P::Client};
  const std::string key = history::history_key(q.build(), parts);
  CHECK(key == "jösé@xn--bcher-kva.example|xn--bcher-kva.example|mx.xn--bcher-kva.example");
  q.sender = "jösé@xn--bcher-kva.example";
  q.client_name = "mx.xn--bcher-kva.example";
  CHECK(history::history_key(q.build(), parts) == key);
}

TEST_CASE("key: every part's name finds the part") {
  for (std::size_t i = 0; i < history::KeyPartCount; ++i) {
    const auto part = static_cast<history::KeyPart>(i);
    CHECK(history::find_key_part(history::key_part_name(part)) == part);
  }
  CHECK(history::key_part_name(history::KeyPart::Client) == "client");
  CHECK(history::key_part_name(history::KeyPart::SenderDomain) == "sender_domain");
  CHECK_FALSE(history::find_key_part("planet"));
  CHECK(history::key_part_names().starts_with("sender, sender_domain, recipient, "));
}

TEST_CASE("store address: parse, to_string, equality") {
  using history::StoreAddress;
  auto parse = [](std::string_view text) { return StoreAddress::parse(text, "downgrade.store"); };
  auto address = [&](std::string_view text) { return std::get<StoreAddress>(parse(text)); };
  auto error = [&](std::string_view text) { return std::get<std::string>(parse(text)); };

  CHECK(address("memory").to_string() == "memory");
  CHECK(address("lmdb:/var/lib/x").to_string() == "lmdb:/var/lib/x");
  CHECK(address("redis://127.0.0.1:6380/2").to_string() == "redis://127.0.0.1:6380/2");
  CHECK(address("redis://h").to_string() == "redis://h:6379/0");  // PORT and DB are optional
  CHECK(address("redis://[::1]:6379/0").host == "::1");
  for (const char* text : {"memory", "lmdb:/var/lib/x", "redis://127.0.0.1:6380/2"}) {
    CHECK(address(address(text).to_string()) == address(text));
  }

  CHECK(address("redis://h:6379/0") == address("redis://h"));
  CHECK(address("redis://h/1") != address("redis://h/0"));
  CHECK(address("lmdb:/a") != address("lmdb:/b"));
  CHECK(address("memory") != address("lmdb:/a"));
  CHECK(address("memory") == StoreAddress::memory());

  CHECK(error("lmdb:relative") == "downgrade.store: lmdb:PATH needs an absolute path");
  CHECK(error("redis://:x/y") == "downgrade.store: expected redis://[[USER]:PASSWORD@]HOST:PORT/DB");
  CHECK(error("redis://h:0") == "downgrade.store: expected redis://[[USER]:PASSWORD@]HOST:PORT/DB");
  CHECK(error("postgres://h") ==
        "downgrade.store must be memory, lmdb:PATH, redis://HOST:PORT/DB or redis+unix:///PATH?db=DB");
}

TEST_CASE("store address: Redis credentials are percent-decoded, compared, and never printed") {
  using history::StoreAddress;
  auto parse = [](std::string_view text) { return StoreAddress::parse(text, "downgrade.store"); };
  auto address = [&](std::string_view text) {
    auto p = parse(text);
    REQUIRE_MESSAGE(std::holds_alternative<StoreAddress>(p), std::get<std::string>(p));
    return std::get<StoreAddress>(p);
  };
  auto error = [&](std::string_view text) {
    auto p = parse(text);
    REQUIRE(std::holds_alternative<std::string>(p));
    return std::get<std::string>(p);
  };

  const auto pw = address("redis://:s3cret@127.0.0.1:6379/0");
  CHECK(pw.user.empty());
  CHECK(pw.password == "s3cret");
  CHECK(pw.host == "127.0.0.1");
  CHECK(pw.to_string() == "redis://:***@127.0.0.1:6379/0");

  const auto acl = address("redis://tlspolicyd:p%40ss%3Aw%2Frd%25@[::1]:6380/3");
  CHECK(acl.user == "tlspolicyd");
  CHECK(acl.password == "p@ss:w/rd%");
  CHECK(acl.host == "::1");
  CHECK(acl.port == 6380);
  CHECK(acl.db == 3);
  CHECK(acl.to_string() == "redis://tlspolicyd:***@::1:6380/3");

  // Everything before the last '@' is USER:PASSWORD: unencoded '@', '/' and ':' work too.
  const auto raw = address("redis://u:a@b/c:d@h/1");
  CHECK(raw.user == "u");
  CHECK(raw.password == "a@b/c:d");
  CHECK(raw.host == "h");
  CHECK(raw.db == 1);

  // A user alone (its password from downgrade.password_file); a user name is shown, encoded.
  const auto user_only = address("redis://mx%20one@h");
  CHECK(user_only.user == "mx one");
  CHECK(user_only.password.empty());
  CHECK(user_only.to_string() == "redis://mx%20one@h:6379/0");
  CHECK(address(user_only.to_string()) == user_only);

  // No message shows the password, even one that is a common word.
  for (const char* text : {"redis://:hunter2@h:6379/0", "redis://u:hunter2@h:1/2", "redis+unix://:hunter2@/run/r.sock",
                           "redis://:hunter2@h:99999/0", "redis://:hunter2%zz@h", "redis+unix://:hunter2@/s?x=1"}) {
    CAPTURE(text);
    const auto p = parse(text);
    const std::string shown = std::holds_alternative<StoreAddress>(p) ? std::get<StoreAddress>(p).to_string()
                                                                       : std::get<std::string>(p);
    CHECK(shown.find("hunter2") == std::string::npos);
  }

  // Credentials count in equality: a changed password needs a restart.
  CHECK(address("redis://:a@h") != address("redis://:b@h"));
  CHECK(address("redis://u:a@h") != address("redis://v:a@h"));
  CHECK(address("redis://:a@h") != address("redis://h"));
  CHECK(address("redis://:a@h:6379/0") == address("redis://:a@h"));

  CHECK(error("redis://:a%4@h") ==
        "downgrade.store: a '%' in USER:PASSWORD must start %XX (write a '%' itself as %25)");
  CHECK(error("redis://%g0:a@h") ==
        "downgrade.store: a '%' in USER:PASSWORD must start %XX (write a '%' itself as %25)");
  CHECK(error("redis://u:@h") == "downgrade.store: the password after ':' is empty");
  CHECK(error("redis://@h") == "downgrade.store: nothing before '@' (expected USER@, :PASSWORD@ or USER:PASSWORD@)");
  CHECK(error("redis://:pw@") == "downgrade.store: expected redis://[[USER]:PASSWORD@]HOST:PORT/DB");
}

TEST_CASE("store address: a Redis unix socket is redis+unix:///PATH?db=DB") {
  using history::StoreAddress;
  auto parse = [](std::string_view text) { return StoreAddress::parse(text, "downgrade.store"); };
  auto address = [&](std::string_view text) {
    auto p = parse(text);
    REQUIRE_MESSAGE(std::holds_alternative<StoreAddress>(p), std::get<std::string>(p));
    return std::get<StoreAddress>(p);
  };
  auto error = [&](std::string_view text) {
    auto p = parse(text);
    REQUIRE(std::holds_alternative<std::string>(p));
    return std::get<std::string>(p);
  };

  const auto plain = address("redis+unix:///run/redis/redis-server.sock?db=2");
  CHECK(plain.kind == StoreAddress::Kind::Redis);
  CHECK(plain.socket == "/run/redis/redis-server.sock");
  CHECK(plain.host.empty());
  CHECK(plain.db == 2);
  CHECK(plain == StoreAddress::redis_unix("/run/redis/redis-server.sock", 2));
  CHECK(plain.to_string() == "redis+unix:///run/redis/redis-server.sock?db=2");
  CHECK(address(plain.to_string()) == plain);
  CHECK(address("redis+unix:///run/r.sock").to_string() == "redis+unix:///run/r.sock?db=0");
  CHECK(address("redis+unix:///run/r.sock") != address("redis+unix:///run/s.sock"));
  CHECK(address("redis+unix:///run/r.sock") != address("redis://localhost"));

  const auto acl = address("redis+unix://tlspolicyd:a%40b@/run/r.sock?db=1");
  CHECK(acl.user == "tlspolicyd");
  CHECK(acl.password == "a@b");
  CHECK(acl.socket == "/run/r.sock");
  CHECK(acl.to_string() == "redis+unix://tlspolicyd:***@/run/r.sock?db=1");
  CHECK(address("redis+unix://:p@w@/run/r.sock").password == "p@w");

  const std::string expected = "downgrade.store: expected redis+unix://[[USER]:PASSWORD@]/PATH?db=DB";
  CHECK(error("redis+unix://run/r.sock") == expected + " (an absolute socket path)");
  CHECK(error("redis+unix://") == expected + " (an absolute socket path)");
  CHECK(error("redis+unix:///r.sock?database=1") == expected + " (the only parameter is db=N)");
  CHECK(error("redis+unix:///r.sock?db=x") == expected + " (the only parameter is db=N)");
  // Other clients' spellings are pointed to this one.
  for (const char* other : {"unix:///run/r.sock", "redis+socket:///run/r.sock", "redis-socket:///run/r.sock"}) {
    CHECK(error(other) == "downgrade.store: a Redis unix socket is written redis+unix:///PATH?db=DB");
  }
  CHECK(error("redis:///run/r.sock") == "downgrade.store: no HOST; a Redis unix socket is written redis+unix:///PATH?db=DB");
}

TEST_CASE("tracker: a transaction counts once, requests before MAIL not at all") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  auto key = history::history_key(q.build(), {history::KeyPart::SenderDomain});
  CHECK_FALSE(t.observe(q.build(), 10));
  CHECK_FALSE(t.observe(q.build(), 11));  // a second RCPT of the same transaction
  REQUIRE(t.find(key) != nullptr);
  CHECK(t.find(key)->tls() == 1);
  Req early;
  early.instance = "";
  CHECK_FALSE(t.observe(early.build(), 12));
  CHECK(t.find(key)->tls() == 1);
  CHECK(t.take_loads() == std::vector<std::string>{key});
  CHECK(t.take_loads().empty());
}

TEST_CASE("tracker: no verdict until the stored record is in; then plaintext after min_observations is a downgrade") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  const std::string key = "partner.example";
  q.protocol = "";
  q.instance = "p.1";
  CHECK_FALSE(t.observe(q.build(), 10));  // unknown yet: answered without history
  CHECK(t.take_dirty().empty());           // nothing written before the store answered
  t.loaded(key, record_with({{TlsVersion::TLSv1_3, 3}}));
  REQUIRE(t.find(key) != nullptr);
  CHECK(t.find(key)->tls() == 3);
  CHECK(t.find(key)->plaintext() == 1);  // counted meanwhile, added to the stored record
  t.loaded(key, record_with({{TlsVersion::TLSv1_3, 3}}));  // a second answer is not added again
  CHECK(t.find(key)->total() == 4);
  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.total() == 1);  // only what was counted here is written: the delta
  CHECK(dirty[0].second.plaintext() == 1);

  q.instance = "p.2";
  auto f = t.observe(q.build(), 20);
  REQUIRE(f.has_value());
  CHECK(f->reason ==
        policy::Failure{policy::RequirementKey::Downgrade, policy::Unmet::PlaintextAfterTls, "3", "TLSv1.3"});
  CHECK(policy::to_string(f->reason) == "plaintext after 3 TLS transactions (best TLSv1.3)");
  CHECK(f->before.tls() == 3);
  CHECK(f->arrived == TlsVersion::Plaintext);
  CHECK(f->first_in_transaction);
  auto again = t.observe(q.build(), 21);  // the next RCPT of that transaction
  REQUIRE(again.has_value());
  CHECK_FALSE(again->first_in_transaction);
  CHECK(t.find(key)->downgrades == 1);
}

TEST_CASE("tracker: lookup says wait until the stored record is in, or until the wait is given up") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  q.instance = "";  // before MAIL: never counted, never waits
  auto none = t.lookup(q.build());
  CHECK(none.key.empty());
  CHECK_FALSE(none.wait);
  q.instance = "w.1";
  auto first = t.lookup(q.build());
  CHECK(first.key == "partner.example");
  CHECK(first.wait);
  CHECK(t.take_loads() == std::vector<std::string>{"partner.example"});  // fetched once
  CHECK(t.lookup(q.build()).wait);
  CHECK(t.take_loads().empty());
  t.loaded("partner.example", record_with({{TlsVersion::TLSv1_3, 3}}));
  CHECK_FALSE(t.lookup(q.build()).wait);
  // Another key: given up on, it is answered without its record, which still counts when it comes.
  q.sender = "a@other.example";
  CHECK(t.lookup(q.build()).wait);
  t.give_up("other.example");
  CHECK_FALSE(t.lookup(q.build()).wait);
  q.protocol = "";
  CHECK_FALSE(t.observe(q.build(), 10));  // no record yet: no verdict
  t.loaded("other.example", record_with({{TlsVersion::TLSv1_3, 5}}));
  CHECK(t.find("other.example")->tls() == 5);
  CHECK(t.find("other.example")->plaintext() == 1);
}

TEST_CASE("tracker: below min_observations plaintext is no downgrade; a lower version always is") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  q.instance = "t.0";
  CHECK_FALSE(t.observe(q.build(), 10));
  t.loaded("partner.example", std::nullopt);  // the store has no record of it
  q.instance = "t.1";
  CHECK_FALSE(t.observe(q.build(), 11));
  q.protocol = "";
  q.instance = "p.1";
  CHECK_FALSE(t.observe(q.build(), 20));  // 2 TLS transactions < 3
  q.protocol = "TLSv1.1";
  q.instance = "old.1";
  auto f = t.observe(q.build(), 21);
  REQUIRE(f.has_value());
  CHECK(f->reason ==
        policy::Failure{policy::RequirementKey::Downgrade, policy::Unmet::LowerProtocol, "TLSv1.1", "TLSv1.3"});
  CHECK(policy::to_string(f->reason) == "TLSv1.1 below TLSv1.3 seen before");
  q.instance = "old.2";
  CHECK_FALSE(t.observe(q.build(), 22, true));  // exempt
}

TEST_CASE("tracker: a transaction counts once in each key, one key per recipient domain (review 11)") {
  // key: [recipient_domain, client]: a message to two domains is a transaction of each.
  history::Tracker t({{history::KeyPart::RecipientDomain, history::KeyPart::Client}, 3, 100});
  auto request = [](std::string recipient, std::string protocol, std::string instance) {
    struct Owned {
      std::string recipient, protocol, instance;
      protocol::Request r;
    };
    auto o = std::make_shared<Owned>(Owned{std::move(recipient), std::move(protocol), std::move(instance), {}});
    o->r.set(Attr::Recipient, o->recipient);
    o->r.set(Attr::ClientName, "mx.partner.example");
    o->r.set(Attr::ClientAddress, "192.0.2.10");
    o->r.set(Attr::EncryptionProtocol, o->protocol);
    o->r.set(Attr::Instance, o->instance);
    o->r.finalize();
    return o;
  };
  for (int i = 0; i < 5; ++i) {
    const std::string instance = "t." + std::to_string(i);
    for (const char* rcpt : {"u@first.example", "u@second.example", "v@second.example"}) {
      auto q = request(rcpt, "TLSv1.3", instance);
      (void)t.lookup(q->r);
      for (const auto& key : t.take_loads()) t.loaded(key, std::nullopt);  // new peers: no stored record
      (void)t.observe(q->r, 100 + i);
    }
  }
  const std::string first = "first.example|mx.partner.example", second = "second.example|mx.partner.example";
  REQUIRE(t.find(first) != nullptr);
  REQUIRE(t.find(second) != nullptr);
  CHECK(t.find(first)->tls() == 5);
  CHECK(t.find(second)->tls() == 5);  // was 0: only the first RCPT's key counted; two RCPTs there count once
  // A plaintext message whose first RCPT goes elsewhere is a downgrade of each key, counted in each.
  auto elsewhere = request("u@third.example", "", "p.1");
  (void)t.observe(elsewhere->r, 200);
  auto to_second = request("u@second.example", "", "p.1");
  auto f = t.observe(to_second->r, 200);
  REQUIRE(f.has_value());
  CHECK(f->first_in_transaction);  // logged and counted as a downgrade
  CHECK(t.find(second)->downgrades == 1);
}

TEST_CASE("tracker: an unavailable store lets local history count") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 1, 100});
  Req q;
  CHECK_FALSE(t.observe(q.build(), 1));
  t.unavailable(t.take_loads());
  q.protocol = "";
  q.instance = "2";
  CHECK(t.observe(q.build(), 2).has_value());
}

TEST_CASE("tracker: take_dirty hands out deltas and resets them; a delta's best is its own") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  const std::string key = "partner.example";
  t.preload(key, record_with({{TlsVersion::TLSv1_3, 5}}));
  Req q;
  q.protocol = "TLSv1.2";
  q.instance = "d.1";
  REQUIRE(t.observe(q.build(), 2000).has_value());  // below the stored best: a downgrade
  q.instance = "d.2";
  (void)t.observe(q.build(), 2001);
  CHECK(t.find(key)->total() == 7);  // the view: stored and counted here
  CHECK(t.find(key)->best_version() == TlsVersion::TLSv1_3);

  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  const Record& delta = dirty[0].second;
  CHECK(delta.total() == 2);
  CHECK(delta.counts[history::slot_of(TlsVersion::TLSv1_2)] == 2);
  CHECK(delta.best_version() == TlsVersion::TLSv1_2);  // not the view's TLSv1.3
  CHECK(delta.downgrades == 2);
  CHECK(delta.first_seen == 2000);
  CHECK(delta.last_seen == 2001);
  CHECK(t.take_dirty().empty());  // reset: nothing new counted

  q.protocol = "TLSv1.3";
  q.instance = "d.3";
  CHECK_FALSE(t.observe(q.build(), 2002));
  dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.total() == 1);
  CHECK(dirty[0].second.downgrades == 0);
  CHECK(dirty[0].second.first_seen == 2002);
  CHECK(t.find(key)->total() == 8);
  CHECK(t.find(key)->downgrades == 2);
}

TEST_CASE("tracker: shutdown writes deltas whose stored record has not arrived") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  (void)t.observe(q.build(), 10);
  CHECK(t.take_dirty().empty());
  auto all = t.take_dirty(true);
  REQUIRE(all.size() == 1);
  CHECK(all[0].second.tls() == 1);
  CHECK(t.take_dirty(true).empty());
}

TEST_CASE("tracker: keys answered 'unavailable' are fetched again when the store is back") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  q.protocol = "";
  q.instance = "u.1";
  CHECK(t.lookup(q.build()).wait);
  t.unavailable(t.take_loads());  // the store is down: answered with what is known here
  CHECK_FALSE(t.lookup(q.build()).wait);
  CHECK_FALSE(t.observe(q.build(), 10));
  CHECK(t.take_dirty().empty());  // held until the record is fetched again (review 11: else it went in after the fetch)
  t.refetch_unavailable();  // back: the stored record (5 TLS transactions) comes in
  CHECK(t.take_loads() == std::vector<std::string>{"partner.example"});
  CHECK_FALSE(t.lookup(q.build()).wait);  // the view answers meanwhile
  t.loaded("partner.example", record_with({{TlsVersion::TLSv1_3, 5}}));
  q.instance = "u.2";
  auto f = t.observe(q.build(), 20);
  REQUIRE(f.has_value());  // the plaintext after it is a downgrade again
  CHECK(f->before.tls() == 5);
  CHECK(f->before.plaintext() == 1);  // the one counted while the store was down, not lost
  auto dirty = t.take_dirty();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].second.plaintext() == 2);  // both plaintext transactions, written once the record is in
  t.refetch_unavailable();
  CHECK(t.take_loads().empty());  // once
}

TEST_CASE("tracker: keys the store could not answer are remembered within the cache's bound (review 10)") {
  // A store down for long, and more senders than the cache holds, each asked many
  // times: what is fetched again when the store is back stays within the cache
  // (it grew by every request before: 158 MB after 80 rounds of 2 000 keys).
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  int n = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 500; ++i) {
      q.sender = "a@d" + std::to_string(i) + ".example";
      q.instance = "i." + std::to_string(++n);
      (void)t.lookup(q.build());
      t.unavailable(t.take_loads());
      (void)t.observe(q.build(), n);
    }
    CHECK(t.unavailable_count() <= t.size());
    CHECK(t.size() <= 100);
  }
  t.refetch_unavailable();
  auto loads = t.take_loads();
  CHECK(loads.size() <= 100);
  CHECK(std::set<std::string>(loads.begin(), loads.end()).size() == loads.size());  // each once
  CHECK(t.unavailable_count() == 0);
}

TEST_CASE("tracker: the cache is bounded; unwritten records that go are counted") {
  history::Tracker t({{history::KeyPart::Sender}, 3, 2});
  for (int i = 0; i < 5; ++i) {
    Req q;
    q.sender = "u" + std::to_string(i) + "@x.example";
    q.instance = std::to_string(i);
    (void)t.observe(q.build(), i);
  }
  CHECK(t.size() == 2);
  CHECK(t.dropped() == 3);
  t.preload("z@x.example", record_with({{TlsVersion::TLSv1_2, 1}}));
  CHECK(t.size() == 2);  // full: preloading never evicts
}

namespace {

using Segment = history::Tracker::Segment;

// One transaction of `sender`, as the daemon sends it: lookup, the store's answer
// (`stored`, nullopt: no record), observe.
void transaction_of(history::Tracker& t, const std::string& sender, const std::string& instance,
                    const std::optional<Record>& stored = std::nullopt) {
  Req q;
  q.sender = sender;
  q.instance = instance;
  (void)t.lookup(q.build());
  for (const auto& key : t.take_loads()) t.loaded(key, stored);
  (void)t.observe(q.build(), 3000);
}

}  // namespace

TEST_CASE("tracker: 2 000 fresh keys through a 100-key cache leave peers with TLS history cached") {
  history::Tracker t({{history::KeyPart::Sender}, 3, 100});
  const std::string peer = "a@partner.example";
  const std::string preloaded = "b@partner.example";  // read ahead at start, not used since
  t.preload(preloaded, record_with({{TlsVersion::TLSv1_2, 1}}));
  transaction_of(t, peer, "p.0", record_with({{TlsVersion::TLSv1_3, 5}}));
  // Sender domains are the client's free choice: each is a new key, seen once.
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    transaction_of(t, "x@flood" + n + ".example", "f." + n);
  }
  CHECK(t.size() == 100);
  REQUIRE(t.find(peer) != nullptr);
  CHECK(t.find(peer)->tls() == 6);
  REQUIRE(t.find(preloaded) != nullptr);
  CHECK(t.evictions(Segment::Probation) == 1902);
  CHECK(t.evictions(Segment::Protected) == 0);
  Req q;
  q.sender = peer;
  q.protocol = "";
  q.instance = "p.1";
  CHECK_FALSE(t.lookup(q.build()).wait);  // no store round trip
  CHECK(t.take_loads().empty());
  CHECK(t.observe(q.build(), 4000).has_value());  // plaintext after 6 TLS transactions
  q.sender = preloaded;
  CHECK_FALSE(t.lookup(q.build()).wait);
}

TEST_CASE("tracker: a key flooded out of the cache while its record was fetched is cached again for its waiters") {
  history::Tracker t({{history::KeyPart::Sender}, 3, 100});
  Req q;
  q.sender = "a@partner.example";
  q.protocol = "";  // the stripped delivery, waiting for the peer's record
  q.instance = "v.1";
  REQUIRE(t.lookup(q.build()).wait);
  for (int i = 0; i < 200; ++i) {  // strangers meanwhile push it out of probation
    const std::string n = std::to_string(i);
    transaction_of(t, "x@flood" + n + ".example", "f." + n);
  }
  REQUIRE(t.find(q.sender) == nullptr);
  t.loaded(q.sender, record_with({{TlsVersion::TLSv1_3, 5}}));  // nobody waits: not cached again
  CHECK(t.find(q.sender) == nullptr);
  t.loaded(q.sender, record_with({{TlsVersion::TLSv1_3, 5}}), true);
  REQUIRE(t.find(q.sender) != nullptr);
  CHECK_FALSE(t.lookup(q.build()).wait);
  CHECK(t.take_loads().empty());
  CHECK(t.observe(q.build(), 4000).has_value());  // plaintext after 5 TLS transactions
  CHECK(t.size() == 100);
}

TEST_CASE("tracker: an empty key (a bounce, key [sender_domain]) or one longer than LMDB keeps is not tracked") {
  history::Tracker t({{history::KeyPart::SenderDomain}, 3, 100});
  Req q;
  q.sender = "";  // MAIL FROM:<>
  q.instance = "b.1";
  CHECK(history::history_key(q.build(), {history::KeyPart::SenderDomain}).empty());
  CHECK_FALSE(t.lookup(q.build()).wait);
  CHECK_FALSE(t.observe(q.build(), 10).has_value());
  q.sender = "a@" + std::string(600, 'x') + ".example";  // a client's choice
  q.instance = "b.2";
  CHECK_FALSE(t.lookup(q.build()).wait);
  CHECK_FALSE(t.observe(q.build(), 10).has_value());
  CHECK(t.size() == 0);
  CHECK(t.take_loads().empty());
  CHECK(t.take_dirty(true).empty());
}

TEST_CASE("lmdb: an empty or overlong key reads as no record, never an error") {
  test::TempDir dir;
  history::LmdbStore s(dir.path + "/db", false);
  std::vector<std::optional<Record>> got;
  CHECK_NOTHROW(got = s.get({"", std::string(600, 'k'), "a|b"}));
  CHECK(got == std::vector<std::optional<Record>>(3));
}

TEST_CASE("tracker: a key seen in 2 transactions, or with TLS in the store, is protected; once is not") {
  history::Tracker t({{history::KeyPart::Sender}, 3, 10});
  CHECK(t.protected_capacity() == 8);
  transaction_of(t, "k@x.example", "k.1");
  transaction_of(t, "k@x.example", "k.1");  // a second RCPT of the same transaction
  CHECK(t.size(Segment::Probation) == 1);
  CHECK(t.size(Segment::Protected) == 0);
  transaction_of(t, "k@x.example", "k.2");
  CHECK(t.size(Segment::Probation) == 0);
  CHECK(t.size(Segment::Protected) == 1);
  // Stored transactions count: one plaintext there and one here make two.
  Req q;
  q.sender = "p@x.example";
  q.instance = "p.1";
  (void)t.lookup(q.build());
  t.loaded("p@x.example", record_with({{TlsVersion::Plaintext, 1}}));
  CHECK(t.size(Segment::Protected) == 1);
  (void)t.observe(q.build(), 3000);
  CHECK(t.size(Segment::Protected) == 2);
  transaction_of(t, "s@x.example", "s.1", record_with({{TlsVersion::TLSv1_3, 1}}));  // TLS in the store
  CHECK(t.size(Segment::Protected) == 3);
  for (int i = 0; i < 50; ++i) transaction_of(t, "x" + std::to_string(i) + "@flood.example", "f." + std::to_string(i));
  CHECK(t.size(Segment::Protected) == 3);
  CHECK(t.size(Segment::Probation) == 7);
  for (const char* key : {"k@x.example", "p@x.example", "s@x.example"}) CHECK(t.find(key) != nullptr);
  // Preloaded: with TLS (or 2 transactions) protected while there is room; the rest on probation.
  history::Tracker warm({{history::KeyPart::Sender}, 3, 10});
  for (int i = 0; i < 9; ++i) warm.preload("w" + std::to_string(i) + "@x.example", record_with({{TlsVersion::TLSv1_3, 1}}));
  warm.preload("plain@x.example", record_with({{TlsVersion::Plaintext, 1}}));
  CHECK(warm.size(Segment::Protected) == 8);
  CHECK(warm.size(Segment::Probation) == 2);
}

TEST_CASE("tracker: protected overflow is demoted to probation's front; evictions are counted by segment") {
  history::Tracker t({{history::KeyPart::Sender}, 3, 10});
  auto key = [](const char* prefix, int i) { return std::string(prefix) + std::to_string(i) + "@x.example"; };
  auto seen_twice = [&](int i) {
    transaction_of(t, key("k", i), key("k", i) + ".1");
    transaction_of(t, key("k", i), key("k", i) + ".2");
  };
  for (int i = 0; i < 8; ++i) seen_twice(i);
  transaction_of(t, key("f", 0), "f.0");
  CHECK(t.size(Segment::Protected) == 8);
  seen_twice(8);  // k0, the least recently used protected key, is demoted
  CHECK(t.size(Segment::Protected) == 8);
  CHECK(t.size(Segment::Probation) == 2);
  transaction_of(t, key("f", 1), "f.1");  // f0 goes: it was behind the demoted k0
  CHECK(t.find(key("f", 0)) == nullptr);
  CHECK(t.find(key("k", 0)) != nullptr);
  CHECK(t.evictions(Segment::Probation) == 1);
  transaction_of(t, key("k", 0), "k0.3");  // used again: protected again, k1 demoted
  transaction_of(t, key("f", 2), "f.2");   // f1 goes
  transaction_of(t, key("f", 3), "f.3");   // k1 goes
  CHECK(t.find(key("k", 0)) != nullptr);
  CHECK(t.find(key("k", 1)) == nullptr);
  CHECK(t.find(key("f", 1)) == nullptr);
  CHECK(t.evictions(Segment::Probation) == 2);
  CHECK(t.evictions(Segment::Protected) == 1);
  CHECK(t.dropped() == 3);  // all of them unwritten
  CHECK(t.size() == 10);
}

TEST_CASE("stores: memory and LMDB add deltas, scan, expire; LMDB persists") {
  test::TempDir dir;
  Record old = record_with({{TlsVersion::TLSv1_3, 4}}, 100);
  Record newer = record_with({{TlsVersion::TLSv1_2, 1}}, 5000);
  auto check_store = [&](history::Store& s) {
    s.add({"b1", {{"a", old}, {"b", newer}}});
    s.add({"b2", {{"a", newer}}});
    auto got = s.get({"a", "b", "c"});
    REQUIRE(got.size() == 3);
    REQUIRE(got[0].has_value());
    CHECK(got[0]->tls() == 5);  // 4 TLS 1.3 + 1 TLS 1.2
    CHECK(got[0]->best_version() == TlsVersion::TLSv1_3);
    CHECK(got[0]->last_version() == TlsVersion::TLSv1_2);
    CHECK(got[0]->first_seen == 100);
    CHECK(got[0]->last_seen == 5000);
    CHECK(got[1] == newer);
    CHECK_FALSE(got[2].has_value());
    std::vector<std::string> keys;
    s.scan([&](const std::string& k, const Record&) {
      keys.push_back(k);
      return true;
    });
    CHECK(keys == std::vector<std::string>{"a", "b"});
    auto expire = [&](std::int64_t cutoff) {  // page by page, as the daemon does
      std::size_t removed = 0;
      std::string cursor;
      do cursor = s.expire_page(cursor, 1, cutoff, 0, removed);
      while (!cursor.empty());
      return removed;
    };
    CHECK(expire(1000) == 0);  // "a" was seen at 5000 too
    s.add({"b3", {{"c", old}}});
    CHECK(expire(1000) == 1);  // "c" last seen at 103
    CHECK_FALSE(s.get({"c"})[0].has_value());
  };
  SUBCASE("memory") {
    history::MemoryStore m;
    check_store(m);
  }
  SUBCASE("lmdb") {
    {
      history::LmdbStore s(dir.path + "/db", false);
      check_store(s);
    }
    history::LmdbStore reopened(dir.path + "/db", true);  // read-only, as report opens it
    auto got = reopened.get({"a"});
    REQUIRE(got[0].has_value());
    CHECK(got[0]->tls() == 5);
  }
}

TEST_CASE("stores: expiry a page at a time, from any point, removes what is old, weak records sooner (memory, LMDB)") {
  test::TempDir dir;
  history::MemoryStore memory;
  history::LmdbStore lmdb(dir.path + "/h", false);
  for (history::Store* store : {static_cast<history::Store*>(&memory), static_cast<history::Store*>(&lmdb)}) {
    std::vector<std::pair<std::string, Record>> records;
    for (int i = 0; i < 50; ++i) {
      const std::string n = std::to_string(100 + i);
      records.emplace_back("k" + n, record_with({{TlsVersion::TLSv1_3, 1}}, i % 2 ? 1000 : 5000));  // odd: old
    }
    store->add({"", records});
    std::size_t removed = 0;
    std::string cursor = store->expire_page("k120", 10, 2000, 0, removed);  // k120..k129
    CHECK(cursor == "k130");
    CHECK(removed == 5);
    cursor.clear();
    do {
      cursor = store->expire_page(cursor, 10, 2000, 0, removed);  // all of it, again
    } while (!cursor.empty());
    CHECK(removed == 25);
    CHECK(history::most_recent(*store, 100).size() == 25);
    // Weak records (never TLS, or seen within one day) go at the weak cutoff; a peer with TLS history stays.
    Record peer = record_with({{TlsVersion::TLSv1_3, 1}}, 3000 - 86400);  // seen on two days
    peer.add(TlsVersion::TLSv1_3, 3000);
    store->add({"", {{"peer", peer},
                     {"plain", record_with({{TlsVersion::Plaintext, 5}}, 3000)}}});
    removed = 0;
    CHECK(store->expire_page("", 1000, 2000, 6000, removed).empty());
    CHECK(removed == 26);  // the 25 seen once at 5000, and the plaintext-only one
    CHECK(store->get({"peer"})[0].has_value());
  }
}

TEST_CASE("stores: a warm start reads the most recently seen records, whatever their keys") {
  auto store = history::open_store(history::StoreAddress::memory(), std::chrono::hours(1));
  std::vector<std::pair<std::string, Record>> batch;
  for (int i = 0; i < 50; ++i) {  // keys that sort first, seen long ago
    batch.emplace_back("aaa" + std::to_string(i), record_with({{TlsVersion::TLSv1_2, 1}}, 1000 + i));
  }
  batch.emplace_back("zzz.partner", record_with({{TlsVersion::TLSv1_3, 1}}, 9000));
  batch.emplace_back("zzy.partner", record_with({{TlsVersion::TLSv1_3, 1}}, 8000));
  store->add({"", batch});
  auto warm = history::most_recent(*store, 3);
  REQUIRE(warm.size() == 3);
  CHECK(warm[0].first == "zzz.partner");
  CHECK(warm[1].first == "zzy.partner");
  CHECK(warm[2].first == "aaa49");
  CHECK(history::most_recent(*store, 0).empty());
  CHECK(history::most_recent(*store, 1000).size() == 52);
}

TEST_CASE("stores: two writers' counts add up exactly (6 + 6 = 12); a batch sent twice counts once") {
  test::TempDir dir;
  const std::string key = "partner.example";
  // Two daemons (trackers) sharing one store, 6 TLS transactions each for one
  // peer, at the same time: each fetched the key before the other wrote.
  auto check_store = [&](history::Store& s) {
    const history::Tracker::Settings settings{{history::KeyPart::SenderDomain}, 3, 100};
    history::Tracker hosts[2] = {history::Tracker(settings), history::Tracker(settings)};
    history::BatchIds writers[2];
    for (int i = 0; i < 6; ++i) {
      for (std::size_t h = 0; h < 2; ++h) {
        Req q;
        q.instance = std::to_string(h) + "." + std::to_string(i);
        (void)hosts[h].observe(q.build(), 1000 + i);
        for (const auto& k : hosts[h].take_loads()) hosts[h].loaded(k, s.get({k})[0]);
      }
      for (std::size_t h = 0; h < 2; ++h) {
        if (i % 2 == 1) s.add({writers[h].next(), hosts[h].take_dirty()});  // a write every other transaction
      }
    }
    auto got = s.get({key})[0];
    REQUIRE(got.has_value());
    CHECK(got->tls() == 12);
    CHECK(got->first_seen == 1000);
    CHECK(got->last_seen == 1005);

    history::BatchIds ids;
    const history::Batch batch{ids.next(), {{key, record_with({{TlsVersion::TLSv1_2, 2}}, 2000)}}};
    s.add(batch);
    s.add(batch);  // a retry of a batch that was applied: skipped
    CHECK(s.get({key})[0]->tls() == 14);
    s.add({ids.next(), batch.deltas});  // the same deltas in a new batch count again
    CHECK(s.get({key})[0]->tls() == 16);
    CHECK(s.get({key})[0]->best_version() == TlsVersion::TLSv1_3);
  };
  SUBCASE("memory") {
    history::MemoryStore m;
    check_store(m);
  }
  SUBCASE("lmdb") {
    history::LmdbStore s(dir.path + "/db", false);
    check_store(s);
  }
}

TEST_CASE("batch ids: unique per writer and per batch") {
  history::BatchIds a, b;
  const std::string a1 = a.next(), a2 = a.next(), b1 = b.next();
  CHECK(a1 != a2);
  CHECK(a1 != b1);  // 128 random bits per writer
  CHECK(a1.size() == 32 + 2);
  CHECK(a2.substr(0, 33) == a1.substr(0, 33));
  history::RecentBatches recent;
  CHECK_FALSE(recent.contains(a1));
  recent.remember(a1);
  CHECK(recent.contains(a1));
  recent.remember("");
  CHECK_FALSE(recent.contains(""));  // no id: never a repeat
  for (std::size_t i = 0; i < history::RecentBatches::Remembered; ++i) recent.remember(b.next());
  CHECK_FALSE(recent.contains(a1));  // bounded: the oldest is forgotten
}

TEST_CASE("lmdb: a full map grows, and past its limit the oldest records go") {
  test::TempDir dir;
  history::LmdbStore s(dir.path + "/db", false, std::size_t{1} << 20);  // 1 MiB at most
  // Written first, seen last: age by last seen, not by writing, decides.
  s.add({"known", {{"known.example|mx.example", record_with({{TlsVersion::TLSv1_3, 50}}, 30000)}}});
  std::vector<std::pair<std::string, Record>> batch;
  for (int i = 0; i < 20000; ++i) {
    batch.emplace_back("peer-" + std::to_string(i) + ".example|mx.example", record_with({{TlsVersion::TLSv1_3, 1}}, i));
    if (batch.size() == 1000) {
      s.add({"fill." + std::to_string(i), batch});
      batch.clear();
    }
  }
  CHECK(s.evicted() > 0);
  // The newest are kept.
  CHECK(s.get({"peer-19999.example|mx.example"})[0].has_value());
  CHECK(s.get({"known.example|mx.example"})[0].has_value());
  CHECK_FALSE(s.get({"peer-0.example|mx.example"})[0].has_value());
}

TEST_CASE("lmdb: a full map evicts invented keys first, even with two TLS transactions each, not an old partner") {
  for (const int per_key : {1, 2}) {  // two: MAIL, RCPT, RSET twice per invented domain in one TLS session
    CAPTURE(per_key);
    test::TempDir dir;
    history::LmdbStore s(dir.path + "/db", false, std::size_t{1} << 20);  // 1 MiB at most
    // Last seen before any of the flood, seen over weeks (a partner that writes weekly).
    Record partner = record_with({{TlsVersion::TLSv1_3, 40}}, 10);
    partner.add(TlsVersion::TLSv1_3, 30 * 86400);
    s.add({"partner", {{"partner.example|mx.partner.example", partner}}});
    std::vector<std::pair<std::string, Record>> batch;
    for (int i = 0; i < 20000; ++i) {
      batch.emplace_back("flood-" + std::to_string(i) + ".example|mx.example",
                         record_with({{TlsVersion::TLSv1_3, per_key}}, 40 * 86400 + i));
      if (batch.size() == 100) {  // a second's worth, small beside the map (as 16 GiB is beside any batch)
        s.add({"flood." + std::to_string(i), batch});
        batch.clear();
      }
    }
    REQUIRE(s.evicted() > 0);
    CHECK(s.get({"partner.example|mx.partner.example"})[0].has_value());
    CHECK_FALSE(s.get({"flood-0.example|mx.example"})[0].has_value());  // the least recently seen went
  }
}

TEST_CASE("lmdb: among records with TLS history, the youngest relationships go first") {
  test::TempDir dir;
  history::LmdbStore s(dir.path + "/db", false, std::size_t{1} << 20);
  Record partner = record_with({{TlsVersion::TLSv1_3, 2}}, 10);  // known since the start, last seen long ago
  partner.add(TlsVersion::TLSv1_3, 2 * 86400);
  s.add({"partner", {{"partner.example|mx.partner.example", partner}}});
  std::vector<std::pair<std::string, Record>> batch;
  for (int i = 0; i < 20000; ++i) {  // keys the flood came back to a day later: not weak
    Record r = record_with({{TlsVersion::TLSv1_3, 1}}, 10 * 86400 + i);
    r.add(TlsVersion::TLSv1_3, 11 * 86400 + i);
    batch.emplace_back("kept-" + std::to_string(i) + ".example|mx.example", r);
    if (batch.size() == 100) {
      s.add({"kept." + std::to_string(i), batch});
      batch.clear();
    }
  }
  REQUIRE(s.evicted() > 0);
  CHECK(s.get({"partner.example|mx.partner.example"})[0].has_value());
  CHECK(s.get({"kept-0.example|mx.example"})[0].has_value());          // the oldest of them
  CHECK_FALSE(s.get({"kept-19000.example|mx.example"})[0].has_value());  // among the youngest
}

TEST_CASE("lmdb: at the largest map, the change log and forget still work (they make room too)") {
  test::TempDir dir;
  history::LmdbStore s(dir.path + "/db", false, std::size_t{1} << 20);  // 1 MiB at most
  std::vector<std::pair<std::string, Record>> batch;
  for (int i = 0; i < 20000; ++i) {
    batch.emplace_back("peer-" + std::to_string(i) + ".example|mx.example", record_with({{TlsVersion::TLSv1_3, 1}}, i));
    if (batch.size() == 1000) {
      s.add({"fill." + std::to_string(i), batch});
      batch.clear();
    }
  }
  REQUIRE(s.evicted() > 0);  // full
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> keys;
    for (int i = 0; i < 500; ++i) keys.push_back("changed-" + std::to_string(round * 500 + i) + ".example|mx.example");
    CHECK_NOTHROW(s.log_changes(keys));
  }
  CHECK(s.changes_since(0).last == 2000);
  CHECK_NOTHROW(s.remove({"peer-19999.example|mx.example"}));
  CHECK_FALSE(s.get({"peer-19999.example|mx.example"})[0].has_value());
}

TEST_CASE("lmdb: a path that cannot be created is a StoreError") {
  CHECK_THROWS_AS(history::LmdbStore("/proc/no/such/dir", false), history::StoreError);
}
