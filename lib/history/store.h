// SPDX-License-Identifier: MIT
// store: where TLS history records live, behind one interface.
//
//   memory            a map in this process (tests; lost at restart)
//   lmdb:PATH         LMDB in directory PATH: survives restarts and crashes; the map
//                     grows as needed, and when it cannot grow the oldest records go
//   redis://H:P/DB    Redis, shared by several MX hosts; records are hashes under
//                     "tlspolicyd:history:KEY" that merge by maximum in a Lua script
//                     and expire after the retention
//
// A StoreAddress (store_address.h) names one of them; its to_string() is the
// store's name in the log and the report (LMDB's own error messages name the
// path: "lmdb open PATH", "lmdb map full: PATH").
//
// Calls are synchronous and may block (disk, network): the daemon opens a store
// before it serves and makes every later call on its history thread, never on
// the event loop. Every failure is a StoreError;
// the Redis store reconnects on the next call.
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

#include "history/record.h"
#include "history/store_address.h"

namespace tlspolicyd::history {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  // The stored records of `keys`, in order (nullopt: none).
  virtual std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) = 0;
  // Merges each record into the stored one (field by field, see record.h).
  virtual void merge(const std::vector<std::pair<std::string, Record>>& batch) = 0;
  // Removes the records last seen before `cutoff`; returns how many went.
  virtual std::size_t expire(std::int64_t cutoff) = 0;
  // Calls `fn` for every record until it returns false.
  virtual void scan(const std::function<bool(const std::string& key, const Record& record)>& fn) = 0;
};

// The `limit` records seen most recently, most recent first (a warm start: keys a
// client chose cannot crowd out peers by sorting first). Reads every record.
[[nodiscard]] std::vector<std::pair<std::string, Record>> most_recent(Store& store, std::size_t limit);

// Opens the store at `address`; Redis expires records after `retention`.
// `read_only` is for `report`. Throws StoreError.
[[nodiscard]] std::unique_ptr<Store> open_store(const StoreAddress& address, std::chrono::seconds retention,
                                                bool read_only = false);

}  // namespace tlspolicyd::history
