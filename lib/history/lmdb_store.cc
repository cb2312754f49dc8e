// SPDX-License-Identifier: MIT
#include "history/lmdb_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "history/key.h"

namespace tlspolicyd::history {
namespace {

void check(int rc, const std::string& what) {
  if (rc != MDB_SUCCESS) throw StoreError(what + ": " + mdb_strerror(rc));
}

// MDB_MAP_FULL as it is (the caller makes room and writes again); another error thrown.
int full_or_checked(int rc, const std::string& what) {
  if (rc != MDB_MAP_FULL) check(rc, what);
  return rc;
}

// A transaction that aborts unless committed.
class Txn {
 public:
  Txn(MDB_env* env, unsigned flags) { check(mdb_txn_begin(env, nullptr, flags, &txn_), "lmdb begin"); }
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  MDB_txn* get() const { return txn_; }
  int commit() {
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc;
  }

 private:
  MDB_txn* txn_ = nullptr;
};

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

constexpr const char* ChangesDb = LmdbChangesName.data();  // NUL-terminated: a literal

std::string sequence_key(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(n & 0xff);
  return out;
}

std::uint64_t sequence_of(const MDB_val& v) {
  std::uint64_t n = 0;
  const auto* p = static_cast<const unsigned char*>(v.mv_data);
  for (std::size_t i = 0; i < v.mv_size && i < 8; ++i) n = n << 8 | p[i];
  return n;
}

// A cursor closed at the end of the scope.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &cursor_), "lmdb cursor"); }
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  int get(MDB_val& k, MDB_val& v, MDB_cursor_op op) { return mdb_cursor_get(cursor_, &k, &v, op); }
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

void make_dirs(const std::string& path) {
  for (std::size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
      throw StoreError("cannot create " + dir + ": " + std::strerror(errno));
    }
    if (pos == std::string::npos) break;
  }
}

}  // namespace

LmdbStore::LmdbStore(std::string path, bool read_only, std::size_t max_map_bytes)
    : path_(std::move(path)), max_map_bytes_(max_map_bytes), map_bytes_(std::min(InitialMapBytes, max_map_bytes)) {
  if (!read_only) make_dirs(path_);
  check(mdb_env_create(&env_), "lmdb create");
  try {
    check(mdb_env_set_mapsize(env_, map_bytes_), "lmdb map size");
    check(mdb_env_set_maxreaders(env_, 126), "lmdb readers");
    check(mdb_env_set_maxdbs(env_, 1), "lmdb databases");
    check(mdb_env_open(env_, path_.c_str(), read_only ? MDB_RDONLY : 0, 0640), "lmdb open " + path_);
    // The file may be larger than our first map (it grew in an earlier run).
    MDB_envinfo info{};
    mdb_env_info(env_, &info);
    map_bytes_ = std::max(map_bytes_, info.me_mapsize);
    Txn txn(env_, read_only ? MDB_RDONLY : 0);
    check(mdb_dbi_open(txn.get(), nullptr, 0, &dbi_), "lmdb database");
    MDB_dbi changes = 0;
    const int rc = mdb_dbi_open(txn.get(), ChangesDb, read_only ? 0 : MDB_CREATE, &changes);
    if (rc == MDB_SUCCESS) {
      changes_dbi_ = changes;
    } else if (rc != MDB_NOTFOUND) {
      check(rc, "lmdb change log");
    }
    check(txn.commit(), "lmdb commit");
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

LmdbStore::~LmdbStore() { mdb_env_close(env_); }

std::vector<std::optional<Record>> LmdbStore::get(const std::vector<std::string>& keys) {
  Txn txn(env_, MDB_RDONLY);
  std::vector<std::optional<Record>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    MDB_val k = val(key), v{};
    int rc = trackable_key(key) ? mdb_get(txn.get(), dbi_, &k, &v) : MDB_NOTFOUND;  // never kept (write_batch)
    if (rc == MDB_NOTFOUND) {
      out.emplace_back();
      continue;
    }
    check(rc, "lmdb get");
    out.push_back(decode(view(v)));  // an undecodable record reads as none
  }
  return out;
}

int LmdbStore::write_batch(const std::vector<std::pair<std::string, Record>>& deltas) {
  Txn txn(env_, 0);
  for (const auto& [key, delta] : deltas) {
    if (!trackable_key(key)) continue;  // LMDB's key limit; such keys are not kept
    MDB_val k = val(key), v{};
    Record sum = delta;
    int rc = mdb_get(txn.get(), dbi_, &k, &v);
    if (rc == MDB_SUCCESS) {
      if (auto old = decode(view(v))) sum = combine(*old, delta);
    } else if (rc != MDB_NOTFOUND) {
      check(rc, "lmdb get");
    }
    std::string bytes = encode(sum);
    MDB_val data = val(bytes);
    if (full_or_checked(mdb_put(txn.get(), dbi_, &k, &data, 0), "lmdb put") == MDB_MAP_FULL) return MDB_MAP_FULL;
  }
  return full_or_checked(txn.commit(), "lmdb commit");
}

std::size_t LmdbStore::used_bytes() {
  MDB_envinfo info{};
  MDB_stat st{};
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &st);
  // Pages in the file, minus those on the free list (database 0, whose values are
  // page lists that start with their length).
  std::size_t free_pages = 0;
  Txn txn(env_, MDB_RDONLY);
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn.get(), 0, &cursor), "lmdb free list");
  MDB_val k{}, v{};
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (v.mv_size >= sizeof(std::size_t)) free_pages += *static_cast<const std::size_t*>(v.mv_data);
  }
  mdb_cursor_close(cursor);
  const std::size_t pages = info.me_last_pgno + 1;
  return (pages > free_pages ? pages - free_pages : 0) * st.ms_psize;
}

void LmdbStore::evict_oldest() {
  // Weak records (never TLS, or seen within one day: what invented sender
  // domains leave) go first, the least recently seen first; records with TLS
  // history only when those are not a tenth of the store, and then the youngest
  // relationships first (the latest first seen: a flood cannot make keys older
  // than a real partner's).
  std::vector<std::int64_t> weak_seen, strong_first;
  scan([&](const std::string&, const Record& r) {
    if (r.weak()) {
      weak_seen.push_back(r.last_seen);
    } else {
      strong_first.push_back(-r.first_seen);  // negated: the latest first seen sorts first
    }
    return true;
  });
  const std::size_t target = std::max<std::size_t>(1, (weak_seen.size() + strong_first.size()) / 10);
  if (weak_seen.empty() && strong_first.empty()) throw StoreError("lmdb map full and empty");
  // The value below which the `count` smallest of `values` are.
  auto cutoff = [](std::vector<std::int64_t>& values, std::size_t count) {
    if (count == 0) return std::numeric_limits<std::int64_t>::min();
    if (count >= values.size()) return std::numeric_limits<std::int64_t>::max();
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count - 1), values.end());
    return values[count - 1] + 1;
  };
  const std::int64_t weak_cutoff = cutoff(weak_seen, std::min(target, weak_seen.size()));
  const std::int64_t strong_cutoff = cutoff(strong_first, target - std::min(target, weak_seen.size()));
  evicted_ += remove_if([&](const Record& r) {
    return r.weak() ? r.last_seen < weak_cutoff : -r.first_seen < strong_cutoff;
  });
}

void LmdbStore::make_room() {
  if (map_bytes_ < max_map_bytes_) {
    map_bytes_ = std::min(map_bytes_ * 2, max_map_bytes_);
    check(mdb_env_set_mapsize(env_, map_bytes_), "lmdb map size");
    return;
  }
  evict_oldest();
}

void LmdbStore::write_with_room(const std::function<int()>& write) {
  // At its largest, the map keeps a fifth free: deleting needs free pages too.
  // Before the write, so that nothing can throw once it is committed.
  if (map_bytes_ >= max_map_bytes_ && used_bytes() > max_map_bytes_ / 10 * 8) evict_oldest();
  // A full map aborts the whole transaction: make room and write it again.
  for (int attempt = 0; write() == MDB_MAP_FULL; ++attempt) {
    if (attempt >= 16) throw StoreError("lmdb map full: " + path_);
    make_room();
  }
}

void LmdbStore::add(const Batch& batch) {
  if (applied_.contains(batch.id)) return;
  write_with_room([&] { return write_batch(batch.deltas); });
  applied_.remember(batch.id);  // committed: from here on nothing throws
}

std::size_t LmdbStore::remove(const std::vector<std::string>& keys) {
  std::size_t n = 0;
  write_with_room([&] {
    Txn txn(env_, 0);
    n = 0;
    for (const auto& key : keys) {
      if (!trackable_key(key)) continue;  // never kept (write_batch)
      MDB_val k = val(key);
      const int rc = mdb_del(txn.get(), dbi_, &k, nullptr);
      if (rc == MDB_NOTFOUND) continue;
      if (rc == MDB_MAP_FULL) return rc;
      check(rc, "lmdb delete");
      ++n;
    }
    return full_or_checked(txn.commit(), "lmdb commit");
  });
  return n;
}

std::size_t LmdbStore::remove_if(const std::function<bool(const Record&)>& old) {
  std::vector<std::string> keys;
  scan([&](const std::string& key, const Record& r) {
    if (old(r)) keys.push_back(key);
    return true;
  });
  // Small transactions: each copies only the pages it touches (LMDB writes are
  // copy-on-write), so deleting works even in a nearly full map.
  constexpr std::size_t Chunk = 8;
  for (std::size_t i = 0; i < keys.size(); i += Chunk) {
    Txn txn(env_, 0);
    for (std::size_t j = i; j < std::min(keys.size(), i + Chunk); ++j) {
      MDB_val k = val(keys[j]);
      const int rc = mdb_del(txn.get(), dbi_, &k, nullptr);
      if (rc != MDB_NOTFOUND) check(rc, "lmdb delete");
    }
    check(txn.commit(), "lmdb commit");
  }
  return keys.size();
}

void LmdbStore::log_changes(const std::vector<std::string>& keys) {
  if (!changes_dbi_) throw StoreError("lmdb change log: " + path_ + " is open read-only");
  write_with_room([&] {
    Txn txn(env_, 0);
    std::uint64_t last = 0;
    {
      Cursor cursor(txn.get(), *changes_dbi_);
      MDB_val k{}, v{};
      if (cursor.get(k, v, MDB_LAST) == MDB_SUCCESS) last = sequence_of(k);
      for (const auto& key : keys) {
        const std::string seq = sequence_key(++last);
        MDB_val sk = val(seq), data = val(key);
        if (full_or_checked(mdb_put(txn.get(), *changes_dbi_, &sk, &data, MDB_APPEND), "lmdb change log") ==
            MDB_MAP_FULL) {
          return MDB_MAP_FULL;
        }
      }
      MDB_stat st{};
      check(mdb_stat(txn.get(), *changes_dbi_, &st), "lmdb change log");
      for (std::size_t n = st.ms_entries; n > ChangesKept; --n) {
        if (cursor.get(k, v, MDB_FIRST) != MDB_SUCCESS) break;
        if (full_or_checked(mdb_cursor_del(cursor.get(), 0), "lmdb change log") == MDB_MAP_FULL) return MDB_MAP_FULL;
      }
    }
    return full_or_checked(txn.commit(), "lmdb commit");
  });
}

Changes LmdbStore::changes_since(std::optional<std::uint64_t> after) {
  Changes out;
  if (!changes_dbi_) {
    out.complete = !after || *after == 0;
    return out;
  }
  Txn txn(env_, MDB_RDONLY);
  Cursor cursor(txn.get(), *changes_dbi_);
  MDB_val k{}, v{};
  if (cursor.get(k, v, MDB_LAST) == MDB_SUCCESS) out.last = sequence_of(k);
  if (!after || *after == out.last) return out;
  std::uint64_t first = 0;
  if (cursor.get(k, v, MDB_FIRST) == MDB_SUCCESS) first = sequence_of(k);
  if (*after > out.last || first == 0 || *after + 1 < first) {
    out.complete = false;
    return out;
  }
  const std::string from = sequence_key(*after + 1);
  k = val(from);
  for (int rc = cursor.get(k, v, MDB_SET_RANGE); rc == MDB_SUCCESS; rc = cursor.get(k, v, MDB_NEXT)) {
    out.keys.emplace_back(view(v));
  }
  return out;
}

std::string LmdbStore::scan_page(const std::string& cursor, std::size_t count, const Visit& fn) {
  Txn txn(env_, MDB_RDONLY);
  Cursor c(txn.get(), dbi_);
  MDB_val k = val(cursor), v{};
  int rc = c.get(k, v, cursor.empty() ? MDB_FIRST : MDB_SET_RANGE);
  for (std::size_t n = 0; rc == MDB_SUCCESS; rc = c.get(k, v, MDB_NEXT), ++n) {
    if (n == count) return std::string(view(k));
    // Not a record (the change log's name in the main database): skipped.
    if (auto r = decode(view(v))) fn(std::string(view(k)), *r);
  }
  if (rc != MDB_NOTFOUND) check(rc, "lmdb scan");
  return {};
}

}  // namespace tlspolicyd::history
