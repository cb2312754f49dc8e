// SPDX-License-Identifier: MIT
// store: where TLS history records live, behind one interface.
//
//   memory            a map in this process (tests; lost at restart)
//   lmdb:PATH         LMDB in directory PATH: survives restarts and crashes; the map
//                     grows as needed, and when it cannot grow the oldest records go
//   redis://H:P/DB    Redis (or redis+unix://PATH), shared by several MX hosts; records are hashes under
//                     "tlspolicyd:history:KEY" that deltas are added to in a Lua
//                     script, and that expire after the retention
//
// A StoreAddress (store_address.h) names one of them; its to_string() is the
// store's name in the log and the report (LMDB's own error messages name the
// path: "lmdb open PATH", "lmdb map full: PATH").
//
// Calls are synchronous and may block (disk, network): the daemon opens a store
// before it serves and makes every later call on its history thread, never on
// the event loop. Every failure is a StoreError;
// the Redis store reconnects on the next call.
//
// Writers send deltas (what they counted since their last write), which the
// store ADDS to its records (record.h: combine), so several writers' counts add
// up exactly. A batch is idempotent by its id: a batch applied once and sent
// again (a retry after a timeout whose write went through) is skipped. Redis
// remembers ids for a day, in the store; memory and LMDB remember the last
// RecentBatches::Remembered ids of this handle, and an LMDB write that throws has
// changed nothing (its transaction did not commit).
//
// The change log: `tlspolicyd history` (forget, rebaseline, import) and a daemon
// that rebaselined a key by itself append the keys they changed, each under the
// next sequence number; running daemons poll it (changes_since) and fetch those
// keys again, so a change by hand takes effect without a restart, on every host
// sharing the store. The log keeps the last ChangesKept entries: a reader that
// fell further behind is told (complete = false) and drops its whole cache.
// LMDB keeps it in a named database ("tlspolicyd-changes\", a name no history
// key can have: keys end in an escaped pair, history/key.h), Redis in the sorted
// set tlspolicyd:changes and the counter tlspolicyd:changes:seq.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "history/batch.h"
#include "history/record.h"
#include "history/store_address.h"

namespace tlspolicyd::history {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Changes {
  std::uint64_t last = 0;         // the last sequence number in the log
  std::vector<std::string> keys;  // changed after the one asked about, in order
  bool complete = true;           // false: entries were trimmed (or the log restarted) since
};

class Store {
 public:
  static constexpr std::size_t ChangesKept = 10000;
  virtual ~Store() = default;

  // The stored records of `keys`, in order (nullopt: none).
  virtual std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) = 0;
  // Adds each delta to the stored record (a new key starts from the delta),
  // unless a batch with this id was applied before; all or nothing per batch for
  // memory and LMDB, per chunk of RedisStore::ChunkKeys keys for Redis.
  virtual void add(const Batch& batch) = 0;
  // Removes the records of `keys` (history forget); returns how many there were.
  virtual std::size_t remove(const std::vector<std::string>& keys) = 0;
  // Appends `keys` to the change log (see above).
  virtual void log_changes(const std::vector<std::string>& keys) = 0;
  // The keys logged after sequence number `after`; nullopt: none, only `last` (a
  // reader's start).
  virtual Changes changes_since(std::optional<std::uint64_t> after) = 0;
  using Visit = std::function<void(const std::string& key, const Record& record)>;
  // Calls `fn` for about `count` records from `cursor` on ("" for the first
  // page), in the store's own order; returns the cursor of the next page, ""
  // after the last. Records changed between pages may be seen or not, and a
  // Redis record more than once. Pages let a long read (the warm start) give way
  // to other calls in between.
  virtual std::string scan_page(const std::string& cursor, std::size_t count, const Visit& fn) = 0;
  // One page of expiry: removes, among about `count` records from `cursor` on,
  // those last seen before `cutoff`, and weak ones (Record::weak) last seen
  // before `weak_cutoff`, adding how many to `removed`; returns the next page's
  // cursor ("" after the last). Redis: nothing (its records carry their own
  // expiry, the same).
  virtual std::string expire_page(const std::string& cursor, std::size_t count, std::int64_t cutoff,
                                  std::int64_t weak_cutoff, std::size_t& removed);
  // Calls `fn` for every record until it returns false, page by page.
  void scan(const std::function<bool(const std::string& key, const Record& record)>& fn);
};

// The `limit` records seen most recently, most recent first, from those offered
// (a warm start: keys a client chose cannot crowd out peers by sorting first).
class MostRecent {
 public:
  explicit MostRecent(std::size_t limit) : limit_(limit) {}
  void offer(const std::string& key, const Record& record);
  // The records kept, most recent first; empties it.
  [[nodiscard]] std::vector<std::pair<std::string, Record>> take();

 private:
  std::size_t limit_;
  std::vector<std::pair<std::string, Record>> heap_;  // a min-heap by last_seen
};

// MostRecent over every record of `store`.
[[nodiscard]] std::vector<std::pair<std::string, Record>> most_recent(Store& store, std::size_t limit);

// Opens the store at `address`; Redis expires records after `retention`.
// `read_only` is for `report`. Throws StoreError.
[[nodiscard]] std::unique_ptr<Store> open_store(const StoreAddress& address, std::chrono::seconds retention,
                                                bool read_only = false);

}  // namespace tlspolicyd::history
