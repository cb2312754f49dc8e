// SPDX-License-Identifier: MIT
// history_service: the warm start reads the store a page at a time, and a fetch
// for a waiting request goes between two pages, never behind the whole store
// (2 million records took 20 s and more: every lookup timed out meanwhile); the
// fetches queued meanwhile go in one store call.
// A fake store records the order of the calls; no timing is involved.
#include "history_service.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "event_loop.h"
#include "support.h"

using namespace tlspolicyd;

namespace {

// Page one waits for `go`; there are two pages.
class PagedStore final : public history::Store {
 public:
  PagedStore(std::shared_future<void> go, std::shared_ptr<std::vector<std::string>> calls,
             std::shared_ptr<std::mutex> mutex)
      : go_(std::move(go)), calls_(std::move(calls)), mutex_(std::move(mutex)) {}
  std::vector<std::optional<history::Record>> get(const std::vector<std::string>& keys) override {
    for (const auto& k : keys) note("get " + k);
    if (gets_) {
      std::lock_guard lock(*mutex_);
      gets_->push_back(keys.size());
    }
    return std::vector<std::optional<history::Record>>(keys.size());
  }
  void add(const history::Batch&) override {}
  std::size_t remove(const std::vector<std::string>&) override { return 0; }
  void log_changes(const std::vector<std::string>&) override {}
  history::Changes changes_since(std::optional<std::uint64_t>) override { return {}; }
  std::string scan_page(const std::string& cursor, std::size_t, const Visit& fn) override {
    if (spawned_expiry_) {
      note("page at " + cursor);
      return "more";
    }
    if (cursor.empty()) {
      go_.wait();
      note("page 1");
      history::Record r;
      r.add(tls::TlsVersion::TLSv1_3, 1000);
      fn("old.example|192.0.2.1", r);
      return "page 2";
    }
    note("page 2");
    return {};
  }

 public:
  void note(std::string what) {
    std::lock_guard lock(*mutex_);
    calls_->push_back(std::move(what));
  }
  bool spawned_expiry_ = false;  // pages as one spawned process's expiry sees them
  std::shared_ptr<std::vector<std::size_t>> gets_;  // the size of each get(), when set

 private:
  std::shared_future<void> go_;
  std::shared_ptr<std::vector<std::string>> calls_;
  std::shared_ptr<std::mutex> mutex_;
};

}  // namespace

TEST_CASE("history service: a fetch for a waiting request goes between two pages of the warm start") {
  auto calls = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  event_base* base = daemon::new_event_loop();
  auto config = test::load("rules: []\ndowngrade: { store: memory, mode: enforce }\n");
  const config::DowngradeSettings& settings = *config->downgrade;
  {
    auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_st>());
    daemon::HistoryService service(
        base, settings, logger, nullptr,
        {spdlog::level::info, false, [&] { return std::make_unique<PagedStore>(started, calls, mutex); }});
    protocol::Request request;
    request.set(protocol::Attr::Sender, "a@partner.example");
    request.set(protocol::Attr::ClientAddress, "192.0.2.10");
    request.set(protocol::Attr::Instance, "1.1");
    request.finalize();
    CHECK_FALSE(service.ready(request, settings, 1));  // waits: its record is fetched
    go.set_value();  // page one ends; the fetch was asked for meanwhile
    service.shutdown();
  }
  event_base_free(base);
  std::lock_guard lock(*mutex);
  REQUIRE(calls->size() >= 2);
  CHECK((*calls)[0] == "page 1");
  CHECK((*calls)[1].starts_with("get partner.example|"));
}

TEST_CASE("history service: spawned per session, no read-ahead, and one page of expiry from a random point") {
  auto calls = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  std::promise<void> go;
  go.set_value();
  const std::shared_future<void> ready = go.get_future().share();
  event_base* base = daemon::new_event_loop();
  auto config = test::load("rules: []\ndowngrade: { store: memory, mode: enforce }\n");
  {
    auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_st>());
    daemon::HistoryService service(base, *config->downgrade, logger, nullptr,
                                   {spdlog::level::debug, true, [&] {
                                      auto store = std::make_unique<PagedStore>(ready, calls, mutex);
                                      store->spawned_expiry_ = true;
                                      return store;
                                    }});
    // The first tick (FlushInterval) expires; wait for its page, whatever the machine's speed.
    for (int i = 0; i < 600; ++i) {
      {
        std::lock_guard lock(*mutex);
        if (!calls->empty()) break;
      }
      timeval tenth{0, 100000};
      event_base_loopexit(base, &tenth);
      event_base_dispatch(base);
    }
    service.shutdown();
  }
  event_base_free(base);
  std::lock_guard lock(*mutex);
  REQUIRE(calls->size() == 1);  // one page, though the store said there was more; no read-ahead
  CHECK((*calls)[0].size() == std::string("page at ").size() + 2);
}

TEST_CASE("history service: fetches queued together go in one store call (review 11)") {
  // One fetch per request, one round trip each: 20 smtpd-like connections with
  // a new sender domain each outran a Redis 10 ms away, and every partner not
  // cached was answered without its history.
  auto calls = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  auto gets = std::make_shared<std::vector<std::size_t>>();
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  event_base* base = daemon::new_event_loop();
  auto config = test::load("rules: []\ndowngrade: { store: memory, mode: enforce }\n");
  const config::DowngradeSettings& settings = *config->downgrade;
  {
    auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_st>());
    daemon::HistoryService service(base, settings, logger, nullptr, {spdlog::level::info, false, [&] {
                                     auto store = std::make_unique<PagedStore>(started, calls, mutex);
                                     store->gets_ = gets;
                                     return store;
                                   }});
    std::vector<std::string> senders;
    for (int i = 0; i < 1500; ++i) senders.push_back("a@d" + std::to_string(i) + ".example");
    for (std::size_t i = 0; i < senders.size(); ++i) {
      protocol::Request request;
      request.set(protocol::Attr::Sender, senders[i]);
      request.set(protocol::Attr::ClientAddress, "192.0.2.10");
      const std::string instance = "i." + std::to_string(i);
      request.set(protocol::Attr::Instance, instance);
      request.finalize();
      CHECK_FALSE(service.ready(request, settings, i + 1));  // while the worker reads page one
    }
    go.set_value();
    service.shutdown();
  }
  event_base_free(base);
  std::lock_guard lock(*mutex);
  std::size_t keys = 0;
  for (std::size_t n : *gets) keys += n;
  CHECK(keys == 1500);      // each key once
  CHECK(gets->size() == 2);  // a page of 1 000, then the rest (was: 1 500 calls)
  CHECK(gets->front() == daemon::HistoryService::LoadPage);
}
