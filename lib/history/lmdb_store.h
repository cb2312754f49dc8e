// SPDX-License-Identifier: MIT
// lmdb_store: history in an LMDB environment (a directory with data.mdb and
// lock.mdb), the embedded default.
//
// Each batch of deltas is added in one write transaction, synced at commit: a
// crash or kill -9 loses nothing that was written. LMDB commits atomically: a
// failed commit changes nothing (LMDB writes the old meta page back when writing
// the new one fails). add() throws only before its commit (room is made before
// the write, never after it), so a batch that add() threw for was not applied and
// the caller may send it again; a batch whose id was applied through this handle
// (the last RecentBatches::Remembered) is skipped. Ids are not kept in the file:
// another process's handle does not know them.
//
// The map starts at 64 MiB and doubles when full, up to MaxMapBytes; there,
// whenever more than four fifths are in use before a write (records, the change
// log, a forget), a tenth of the records is removed to make room (evicted()
// counts them): weak ones first (Record::weak: never TLS, or seen within one
// day, what invented sender domains leave), the least recently seen first, and
// records with TLS history only when the weak ones are not enough, the youngest
// relationships (latest first seen) first.
// Other processes (`report`) may read while the daemon writes.
#pragma once

#include <lmdb.h>

#include <functional>
#include <optional>
#include <string>

#include "history/store.h"

namespace tlspolicyd::history {

class LmdbStore final : public Store {
 public:
  static constexpr std::size_t InitialMapBytes = std::size_t{64} << 20;
  static constexpr std::size_t MaxMapBytes = std::size_t{16} << 30;

  // Opens (creating the directory when writable). Throws StoreError.
  LmdbStore(std::string path, bool read_only, std::size_t max_map_bytes = MaxMapBytes);
  ~LmdbStore() override;
  LmdbStore(const LmdbStore&) = delete;
  LmdbStore& operator=(const LmdbStore&) = delete;

  std::vector<std::optional<Record>> get(const std::vector<std::string>& keys) override;
  void add(const Batch& batch) override;
  std::size_t remove(const std::vector<std::string>& keys) override;
  void log_changes(const std::vector<std::string>& keys) override;
  Changes changes_since(std::optional<std::uint64_t> after) override;
  std::string scan_page(const std::string& cursor, std::size_t count, const Visit& fn) override;

  // How many records were removed to make room, since opening.
  [[nodiscard]] std::size_t evicted() const { return evicted_; }
  // Bytes of the file in use (pages on LMDB's free list excluded).
  [[nodiscard]] std::size_t used_bytes();

 private:
  // MDB_SUCCESS, or MDB_MAP_FULL (nothing written); throws on other errors.
  int write_batch(const std::vector<std::pair<std::string, Record>>& deltas);
  // Runs `write` (one transaction: MDB_SUCCESS, or MDB_MAP_FULL having aborted it
  // whole) until it fits, making room in between (make_room); throws StoreError.
  void write_with_room(const std::function<int()>& write);
  void make_room();
  void evict_oldest();  // a tenth of the records: weak ones first, then the youngest relationships
  // Removes the records `old` says; returns how many.
  std::size_t remove_if(const std::function<bool(const Record&)>& old);

  std::string path_;
  std::size_t max_map_bytes_;
  std::size_t map_bytes_;
  std::size_t evicted_ = 0;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::optional<MDB_dbi> changes_dbi_;  // none: read-only and never written
  RecentBatches applied_;
};

}  // namespace tlspolicyd::history
