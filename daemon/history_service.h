// SPDX-License-Identifier: MIT
// history_service: the TLS history of a running daemon (SPEC 6).
//
// The event loop owns a history::Tracker and never waits for the store. A
// request whose key is not in memory waits (ready() says false; the loop serves
// others): its record is fetched on the worker, and the connection is resumed
// when it arrives, or after downgrade.lookup_timeout, when it is answered
// without that history (logged, at most once per 10 s, and counted). What was
// counted is written behind as deltas (history/tracker.h), once a second
// (FlushInterval), in one batch that the store adds up. The store is opened by
// the constructor, on the loop's thread before it serves (for Redis, a connect
// with its timeout); every later store call runs on one worker thread, and
// results come back through an Inbox. A crash loses at most the last
// FlushInterval of updates.
//
// Faults: when the store fails, the worker answers every fetch with "unavailable"
// at once, keeps the failed batch as it is, with its id, and tries it again after
// a backoff that doubles from 1 s to MaxBackoff (so a batch that went through
// before its reply was lost is skipped by the store, never counted twice; see
// history/store.h); deltas that come meanwhile are added up by key (at most the
// cache size) and go in the next batch once that one is written. The log
// says when the store goes away and when it is back. Requests are answered
// throughout, by the rules, without history. At start the worker reads up to the
// cache size of the most recently seen records ahead (warm start) and expires old
// ones, then hourly: both read the whole store a page of WarmPage records at a
// time, and fetches for waiting requests go between pages. Fetches queued
// together go in one store call (at most LoadPage keys): a store across a
// network answers in one round trip what would take one per request. A process spawned per
// SMTP session reads nothing ahead and expires one page from a random point.
//
// Changes by hand: every tick the worker also reads the store's change log
// (history/store.h; `tlspolicyd history forget|rebaseline|import` on any host)
// and the keys changed are fetched again (Tracker::reload; what was counted here
// and not written stays, and is written), so a change takes effect within about
// two ticks. A key rebaselined by downgrade.rebaseline_after is logged (warning,
// with the command that does it by hand), counted, and appended to the change
// log once its new baseline is written, so the other hosts follow.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "config/config.h"
#include "history/store.h"
#include "history/tracker.h"
#include "inbox.h"
#include "logging.h"
#include "metrics/metrics.h"

namespace tlspolicyd::daemon {

class HistoryService {
 public:
  static constexpr std::size_t LoadPage = 1000;  // keys per store fetch
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds FlushInterval{1};
  static constexpr std::chrono::seconds ExpireInterval{3600};
  static constexpr std::chrono::seconds MaxBackoff{30};

  using OpenStore = std::function<std::unique_ptr<history::Store>()>;
  struct Options {
    // The level of its start-up lines (debug for a process spawned per connection).
    spdlog::level::level_enum startup_level = spdlog::level::info;
    // A process spawned per SMTP session (--stdio): no read-ahead, and at each
    // expiry one page of the store from a random point, not all of it.
    bool spawned = false;
    // Opens the store (at start, and again after a failure to open it); by
    // default history::open_store of the settings' store (tests give their own).
    OpenStore open;
  };
  // Opens the store. Throws history::StoreError when an LMDB store cannot be
  // opened (a misconfiguration: exit 69) or the loop cannot take its events; an
  // unreachable Redis is retried later. `metrics` (may be null) counts downgrades
  // and store errors, and gets the cache's figures every FlushInterval.
  HistoryService(event_base* base, const config::DowngradeSettings& settings, Logger logger,
                 metrics::Metrics* metrics, Options options);
  ~HistoryService();
  HistoryService(const HistoryService&) = delete;
  HistoryService& operator=(const HistoryService&) = delete;

  // Whether `request` can be answered now. False: its key's record is on its way,
  // and the function set_resume() gave is called with `conn` once it is here (or
  // the wait is over); the caller holds the request until then.
  [[nodiscard]] bool ready(const protocol::Request& request, const config::DowngradeSettings& settings,
                           std::uint64_t conn);
  void set_resume(std::function<void(std::uint64_t conn)> resume) { resume_ = std::move(resume); }
  // Stopping: every waiting request goes on now, and none waits from now on.
  void stop_waiting();

  // Counts the request and returns the downgrade, or nullopt. Logs each
  // downgrade once per transaction, at warning level.
  std::optional<policy::Failure> observe(const protocol::Request& request, const config::DowngradeSettings& settings);
  // A reload: min_observations, exemptions, cache size apply at once.
  void reconfigure(const config::DowngradeSettings& settings);
  // The store it was started with (a changed store needs a restart).
  [[nodiscard]] const history::StoreAddress& store() const { return settings_.store; }
  // Writes what is unwritten and stops the worker (at stop; waits for it).
  void shutdown();

 private:
  struct Load {
    std::vector<std::string> keys;
  };
  struct Write {
    std::vector<std::pair<std::string, history::Record>> records;
  };
  // One page of an expiry; the next is posted behind the jobs waiting.
  struct Expire {
    std::int64_t cutoff;       // last seen before it: gone
    std::int64_t weak_cutoff;  // weak records (history::Record::weak) last seen before it: gone
    std::string cursor;        // where the page starts ("": the first)
    std::size_t pages_left;    // 0: until the end
    std::size_t removed = 0;   // by the pages before
  };
  // One page of the warm start; the next is posted behind the jobs waiting, so
  // that fetches for requests never wait for the whole store to be read.
  struct WarmUp {
    std::size_t limit;
  };
  static constexpr std::size_t WarmPage = 1000;   // records per page of read-ahead or expiry
  struct Poll {};  // read the change log
  struct LogChanges {
    std::vector<std::string> keys;
  };
  struct Stop {};
  // Reached once every job posted before it is done (shutdown waits for it).
  struct Barrier {
    std::shared_ptr<std::promise<void>> reached;
  };
  using Job = std::variant<Load, Write, Expire, WarmUp, Poll, LogChanges, Stop, Barrier>;

  struct Loaded {
    std::vector<std::string> keys;
    std::vector<std::optional<history::Record>> records;  // empty when unavailable
    bool available = true;
  };
  struct Written {
    std::size_t count;
  };
  struct Warm {
    std::vector<std::pair<std::string, history::Record>> records;
  };
  struct StoreState {
    bool up;
    std::string error;  // why it is down
    std::chrono::seconds retry{0};
  };
  struct Expired {
    std::size_t count;
  };
  struct Lost {
    std::size_t count;
  };
  struct Changed {
    std::vector<std::string> keys;
    bool complete = true;  // false: the log was trimmed past what was read: every key
  };
  using Result = std::variant<Loaded, Written, Warm, StoreState, Expired, Lost, Changed>;

  // Warns when `key` names no client (history::names_the_client).
  void warn_about_key(const std::vector<history::KeyPart>& key);
  static void tick_cb(evutil_socket_t, short, void* arg);
  void tick();
  static void wait_cb(evutil_socket_t, short, void* arg);
  // Ends the waits that have passed their deadline (answered without history).
  void wait_expired();
  // Logs the requests answered without their history since the last such line:
  // at most once per 10 s (from the waits' end and every tick), or now (`force`,
  // at shutdown).
  void log_timeouts(bool force = false);
  void arm_wait_timer();
  // The waits for `key` are over: resumes its connections.
  void end_wait(std::string key, bool timed_out);
  void post(Job job);
  void deliver(std::vector<Result> results);

  // Worker thread.
  void run();
  void work(Job& job);
  // `keys` and those of the fetches queued before the next write, without
  // repeats, at most LoadPage (the rest is posted).
  std::vector<std::string> take_fetches(std::vector<std::string> keys);
  // Adds deltas to unwritten_ (bounded by the cache size; the excess is reported lost).
  void add_unwritten(const std::vector<std::pair<std::string, history::Record>>& records);
  bool store_ready();
  void store_failed(const std::string& error);
  void store_worked();
  void flush_unwritten();
  // Reads the change log from where it was read last (the first call only finds
  // where that is).
  void poll_changes();

  Logger logger_;
  metrics::Metrics* metrics_;
  Options options_;
  config::DowngradeSettings settings_;  // store settings as started
  std::string store_name_;  // settings_.store.to_string(), for the log
  history::Tracker tracker_;
  event* tick_ = nullptr;
  // Requests waiting for a record, by key; their deadlines, in order.
  struct Waiting {
    Clock::time_point deadline;
    std::vector<std::uint64_t> conns;
  };
  std::unordered_map<std::string, Waiting> waiting_;
  std::deque<std::pair<Clock::time_point, std::string>> deadlines_;
  event* wait_ev_ = nullptr;
  bool no_waiting_ = false;  // stopping
  std::function<void(std::uint64_t)> resume_;
  std::uint64_t timeouts_unlogged_ = 0;
  std::string last_timeout_key_;
  Clock::time_point timeout_logged_{};
  std::chrono::steady_clock::time_point next_expire_{};
  std::uint64_t dropped_logged_ = 0;
  std::vector<std::string> rebaselined_;  // for the change log, after their next write
  Inbox<Result> inbox_;

  // Shared with the worker.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;

  // Worker only.
  std::unique_ptr<history::Store> store_;
  bool store_up_ = false;
  bool reported_down_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::seconds backoff_{1};
  history::BatchIds batch_ids_;
  std::optional<history::Batch> in_flight_;  // tried and failed: retried as it is
  std::map<std::string, history::Record> unwritten_;  // deltas for the next batch, added by key
  std::optional<std::uint64_t> change_seq_;  // the last change log entry read
  std::vector<std::string> changes_to_log_;  // once unwritten_ is written
  // The warm start under way: where it is, the most recent records so far, and
  // keys written or changed meanwhile (what was read of them may be stale: they
  // are fetched when asked for instead).
  struct Warming {
    std::string cursor;
    history::MostRecent recent;
    std::unordered_set<std::string> stale;
  };
  std::optional<Warming> warming_;
  std::thread worker_;
};

}  // namespace tlspolicyd::daemon
