// SPDX-License-Identifier: MIT
// tracker: the in-memory side of the TLS history: a bounded cache of records,
// downgrade detection, and the lists of what to fetch from and write to the store.
//
// Pure and single-threaded: no I/O, no clock (the caller passes `now`). A
// transaction counts once per key (its `instance`: the RCPTs of one message to
// several recipient domains count once in each domain's key; requests without
// one, before MAIL, are not counted or checked). A key not in memory has its stored record fetched
// (take_loads / loaded): lookup() says so, and the caller holds the request back
// until the record is here or it gives up waiting (give_up); a request observed
// meanwhile is answered without history, and what was counted is added to the
// stored record, once, when it arrives. A key the store could not answer for
// (unavailable) is fetched again when the store is back (refetch_unavailable).
//
// Per cached key it keeps two records: the view (the stored record plus all
// counted here), which detection uses, and the delta (what was counted here since
// the last take_dirty), which is written: take_dirty hands out deltas and resets
// them, and the store adds them (store.h), so several processes' counts add up.
// A delta's best protocol is the best of its own transactions. The view is not
// refreshed from the store after it is loaded: other hosts' later counts are seen
// only once the key is evicted and fetched again.
//
// The cache is a segmented LRU, so that strangers cannot flush it: sender
// domains are the client's free choice, and a key seen once must not push out a
// peer with history. A key starts in the probation segment; it earns the
// protected segment (at most 4/5 of the capacity) once the store's record shows
// TLS or it has been seen in 2 transactions (stored ones included). Preloaded
// records that earned it go there too, while there is room. Overflow leaves from
// probation's least recently used end, never from protected: there the least
// recently used is demoted to probation's most recently used end, and is
// protected again when used. Keys seen once can thus only push out each other
// and demoted keys; pushing out a protected peer takes more than 4/5 of the
// capacity in other keys earning protection (each seen twice) since that peer was
// last used. Every step is O(1).
//
// Downgrade (SPEC 6): plaintext after min_observations TLS transactions since
// the key's baseline, or a protocol below the best seen in it.
//
// No permanent lockout: when every transaction of a key has been a downgrade for
// rebaseline_after (none at the best level in between; the clock starts at the
// first downgrade, Record::below_since), the next transaction rebaselines the
// key (Record::rebaseline: the last protocol becomes the best) instead of being
// a downgrade; take_rebaselined() says which keys, and the delta carries the new
// baseline to the store. reload() fetches a key's record again when the store's
// record was changed elsewhere (history forget, rebaseline, or a change log that
// was trimmed): detection goes on with the view it has until the record arrives,
// and what was counted here and not yet written is kept (not written meanwhile,
// so that the record fetched cannot hold it) and added to it.
//
// Memory is the cache's: every per-key mark (unwritten, unavailable, reloading)
// is a flag of a cached entry and leaves with it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "history/key.h"
#include "history/record.h"
#include "policy/failure.h"
#include "protocol/request.h"

namespace tlspolicyd::history {

struct Finding {
  std::string key;
  Record before;             // what was known before this transaction
  tls::TlsVersion arrived = tls::TlsVersion::Plaintext;
  policy::Failure reason;    // key Downgrade: "plaintext after 40 TLS transactions (best TLSv1.3)"
  bool first_in_transaction = true;  // false for the second RCPT of one transaction
};

class Tracker {
 public:
  struct Settings {
    std::vector<KeyPart> key = DefaultKey;
    std::uint32_t min_observations = 3;
    std::size_t capacity = 100000;  // cached keys
    std::int64_t rebaseline_after = 3 * 86400;  // seconds; 0: never
  };
  // A key rebaselined by rebaseline_after.
  struct Rebaselined {
    std::string key;
    std::optional<tls::TlsVersion> best;     // the best before
    std::int64_t below_since = 0;            // when the downgrades began
    std::optional<tls::TlsVersion> new_best; // the last protocol seen
  };
  static constexpr std::size_t RecentTransactions = 65536;
  enum class Segment : std::uint8_t { Probation, Protected };

  explicit Tracker(Settings settings) : settings_(std::move(settings)) {}
  // New settings; a different key invalidates the cache.
  void set_settings(Settings settings);

  // Before observe(): whether the request's key has its stored record here (or
  // known absent, or given up on). When not, the key is being fetched (take_loads)
  // and `wait` is set. Requests without an instance never wait.
  struct Lookup {
    std::string key;
    bool wait = false;
  };
  Lookup lookup(const protocol::Request& request);
  // Stop waiting for `key`'s record: requests are answered without it until it
  // arrives (it is still added in then).
  void give_up(const std::string& key);

  // Counts the request's transaction (once) and returns a downgrade, if any; an
  // exempt request is counted but never a downgrade.
  std::optional<Finding> observe(const protocol::Request& request, std::int64_t now, bool exempt = false);

  // The keys rebaselined since the last call.
  std::vector<Rebaselined> take_rebaselined() { return std::exchange(rebaselined_, {}); }
  // The store's record of `key` was changed elsewhere: fetch it again
  // (take_loads), keeping the view for detection until it arrives and what was
  // counted here and not yet written. A key not cached, or being fetched, needs
  // nothing. reload_all() does it for every cached key.
  void reload(const std::string& key);
  void reload_all();

  // Keys to fetch from the store (each once).
  std::vector<std::string> take_loads();
  // The store's answer for a key (nullopt: it has no record). A key evicted
  // while it was fetched (a flood of new keys) is cached again when `wanted`
  // (requests wait for it), so that they are answered with its history.
  void loaded(const std::string& key, const std::optional<Record>& stored, bool wanted = false);
  // A record read ahead of use (warm start), as the least recently used of its
  // segment; ignored for keys already cached or when the cache is full.
  void preload(const std::string& key, const Record& stored);
  // The store could not answer for these keys: go on with what is known here,
  // and fetch them again at refetch_unavailable() (the store is back).
  void unavailable(const std::vector<std::string>& keys);
  void refetch_unavailable();
  // Cached keys waiting for refetch_unavailable().
  [[nodiscard]] std::size_t unavailable_count() const;
  // What was counted since the last call, per key (deltas, reset here), to be
  // added to the store. Keys whose stored record has not arrived wait for it (a
  // key the store could not answer, until its refetch), so that the record
  // fetched never holds this process's own deltas; unless `all` (at shutdown:
  // every delta goes).
  std::vector<std::pair<std::string, Record>> take_dirty(bool all = false);

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] std::size_t size(Segment segment) const { return lru_[index(segment)].size(); }
  // The protected segment's capacity: 4/5 of the cache, and room for one stranger.
  [[nodiscard]] std::size_t protected_capacity() const;
  // Keys that left the cache, by the segment they had earned: Protected counts
  // keys with history (demoted, or preloaded past the protected segment's room)
  // not used again before they left.
  [[nodiscard]] std::uint64_t evictions(Segment segment) const { return evictions_[index(segment)]; }
  // Changes lost because the cache was full of unwritten records (store down).
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }
  // The view of `key` (stored record plus what was counted here), or null.
  [[nodiscard]] const Record* find(const std::string& key) const;

 private:
  struct Entry {
    Record record;         // the view: the stored record plus what was counted here
    Record delta;          // counted here since the last take_dirty()
    bool ready = false;    // the store's record has been added in (or is known to be absent)
    bool gave_up = false;  // requests no longer wait for it
    bool dirty = false;    // delta holds something
    bool earned = false;   // TLS in the store's record, or seen in 2 transactions
    bool reloading = false;  // ready, and its record is being fetched again (reload)
    bool unfetched = false;  // the store could not answer: fetched again when it is back
    Segment segment = Segment::Probation;
    std::list<std::string>::iterator lru;
  };
  static constexpr std::size_t index(Segment s) { return s == Segment::Probation ? 0 : 1; }

  // The key's entry, used now; a new one is fetched (take_loads) unless `fetch` is false.
  Entry& touch(const std::string& key, bool fetch = true);
  // Moves a used entry to the front of its segment, the protected one if earned.
  void use(Entry& e);
  // Demotes protected overflow, then evicts down to the capacity.
  void evict();
  // Whether this is the first request of transaction `instance` for `key` (a
  // transaction counts once per key: a key on the recipient counts each RCPT's).
  bool first_time(std::string_view instance, std::string_view key);

  Settings settings_;
  std::unordered_map<std::string, Entry> entries_;
  std::array<std::list<std::string>, 2> lru_;  // per segment (index()), most recently used first
  std::array<std::uint64_t, 2> evictions_{};
  std::vector<std::string> loads_;
  std::vector<std::string> dirty_keys_;  // keys that became dirty, for take_dirty()
  // Recent (transaction, key) pairs by the hash of both: a collision (about 1 in
  // 10^10 at this size) would skip one count, never invent a downgrade.
  std::unordered_set<std::uint64_t> instances_;
  std::deque<std::uint64_t> instance_order_;
  std::uint64_t dropped_ = 0;
  std::vector<Rebaselined> rebaselined_;
};

// "2026-11-28T20:10:00Z"
[[nodiscard]] std::string format_time(std::int64_t unix_seconds);

}  // namespace tlspolicyd::history
