// SPDX-License-Identifier: MIT
#include "history/tracker.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "history/key.h"

namespace tlspolicyd::history {

using protocol::Attr;

std::string format_time(std::int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Tracker::set_settings(Settings settings) {
  if (settings.key != settings_.key) {
    entries_.clear();
    for (auto& lru : lru_) lru.clear();
    loads_.clear();
    dirty_keys_.clear();
  }
  settings_ = std::move(settings);
  evict();
}

std::size_t Tracker::protected_capacity() const {
  const std::size_t capacity = settings_.capacity;
  return capacity < 2 ? 0 : capacity - std::max<std::size_t>(1, capacity / 5);
}

Tracker::Entry& Tracker::touch(const std::string& key, bool fetch) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    use(it->second);
    return it->second;
  }
  auto& probation = lru_[index(Segment::Probation)];
  probation.push_front(key);
  Entry& e = entries_[key];
  e.lru = probation.begin();
  if (fetch) loads_.push_back(key);
  evict();
  return entries_.at(key);
}

void Tracker::use(Entry& e) {
  const Segment to = e.earned ? Segment::Protected : Segment::Probation;
  auto& lru = lru_[index(to)];
  lru.splice(lru.begin(), lru_[index(e.segment)], e.lru);
  if (to == e.segment) return;
  e.segment = to;
  evict();  // the protected segment may overflow
}

void Tracker::evict() {
  auto& probation = lru_[index(Segment::Probation)];
  auto& guarded = lru_[index(Segment::Protected)];
  // Protected overflow is demoted, to be used again or go after the strangers before it.
  while (guarded.size() > protected_capacity()) {
    entries_.at(guarded.back()).segment = Segment::Probation;
    probation.splice(probation.begin(), guarded, std::prev(guarded.end()));
  }
  // The oldest of probation go; the entry just used is at a front and never goes.
  while (entries_.size() > settings_.capacity && probation.size() > 1) {
    auto it = entries_.find(probation.back());
    if (it->second.dirty) ++dropped_;
    ++evictions_[index(it->second.earned ? Segment::Protected : Segment::Probation)];
    entries_.erase(it);
    probation.pop_back();
  }
}

bool Tracker::first_time(std::string_view instance, std::string_view key) {
  std::uint64_t id = 14695981039346656037ull;  // FNV-1a, 64 bits on every platform
  for (const char c : instance) id = (id ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  id = (id ^ 0xffu) * 1099511628211ull;  // no byte of an instance: "ab"+"c" is not "a"+"bc"
  for (const char c : key) id = (id ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  if (!instances_.insert(id).second) return false;
  instance_order_.push_back(id);
  if (instance_order_.size() > RecentTransactions) {
    instances_.erase(instance_order_.front());
    instance_order_.pop_front();
  }
  return true;
}

Tracker::Lookup Tracker::lookup(const protocol::Request& request) {
  if (request.get(Attr::Instance).empty()) return {};
  Lookup out{history_key(request, settings_.key)};
  if (!trackable_key(out.key)) return {};
  const Entry& e = touch(out.key);
  out.wait = !e.ready && !e.gave_up;
  return out;
}

void Tracker::give_up(const std::string& key) {
  if (auto it = entries_.find(key); it != entries_.end()) it->second.gave_up = true;
}

std::optional<Finding> Tracker::observe(const protocol::Request& request, std::int64_t now, bool exempt) {
  const std::string_view instance = request.get(Attr::Instance);
  if (instance.empty()) return std::nullopt;
  const std::string key = history_key(request, settings_.key);
  if (!trackable_key(key)) return std::nullopt;
  Entry& e = touch(key);
  const tls::TlsVersion arrived = request.tls_version();

  // No permanent lockout: downgrades only, for rebaseline_after.
  if (e.ready && settings_.rebaseline_after > 0 && e.record.below_since != 0 &&
      now - e.record.below_since >= settings_.rebaseline_after) {
    Rebaselined note{key, e.record.best_version(), e.record.below_since, std::nullopt};
    e.record.rebaseline(now);
    e.delta.start_baseline(e.record.baseline, e.record.best);  // carries the baseline to the store
    note.new_best = e.record.best_version();
    rebaselined_.push_back(std::move(note));
    if (!e.dirty) dirty_keys_.push_back(key);
    e.dirty = true;
  }

  std::optional<Finding> finding;
  if (e.ready && !exempt) {
    const Record& before = e.record;
    const auto best = before.best_version();
    if (arrived == tls::TlsVersion::Plaintext && best && before.tls_since_baseline() >= settings_.min_observations) {
      finding = Finding{key, before, arrived,
                        policy::Failure{policy::RequirementKey::Downgrade, policy::Unmet::PlaintextAfterTls,
                                        std::to_string(before.tls_since_baseline()), std::string(tls::to_string(*best))},
                        true};
    } else if (best && tls::tls_rank(arrived) && *tls::tls_rank(arrived) < *tls::tls_rank(*best)) {
      finding = Finding{key, before, arrived,
                        policy::Failure{policy::RequirementKey::Downgrade, policy::Unmet::LowerProtocol,
                                        std::string(tls::to_string(arrived)), std::string(tls::to_string(*best))},
                        true};
    }
  }

  const bool first = first_time(instance, key);
  if (finding) finding->first_in_transaction = first;
  if (first) {
    // The delta counts in the view's baseline (a new one, fetched, starts it afresh).
    if (e.delta.baseline != e.record.baseline) e.delta.start_baseline(e.record.baseline, 0);
    e.record.add(arrived, now);
    e.delta.add(arrived, now);
    const std::size_t slot = slot_of(arrived);
    if (finding) {
      ++e.record.downgrades;
      ++e.delta.downgrades;
      e.record.mark_below(now);
      e.delta.mark_below(now);
    } else if (slot >= 2 && slot >= e.record.best) {
      e.record.mark_at_best(now);
      e.delta.mark_at_best(now);
    }
    if (!e.dirty) dirty_keys_.push_back(key);
    e.dirty = true;
    if (!e.earned && e.record.total() >= 2) {
      e.earned = true;
      use(e);
    }
  }
  return finding;
}

void Tracker::reload(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.ready || it->second.reloading) return;
  // Detection goes on with the view; the delta is held back until the record is here.
  it->second.reloading = true;
  loads_.push_back(key);
}

void Tracker::reload_all() {
  for (auto& [key, e] : entries_) {
    if (e.ready) reload(key);
  }
}

std::vector<std::string> Tracker::take_loads() {
  std::vector<std::string> out;
  out.swap(loads_);
  return out;
}

void Tracker::loaded(const std::string& key, const std::optional<Record>& stored, bool wanted) {
  auto it = entries_.find(key);
  if (it == entries_.end() && !wanted) return;
  // Until now the view holds only this entry's own counts, none of them written
  // (take_dirty waits for ready), so the stored record cannot hold them yet.
  Entry& e = it != entries_.end() ? it->second : touch(key, false);
  if (e.reloading) {
    // The view so far is replaced: the stored record plus what is not written yet.
    e.record = stored ? combine(*stored, e.delta) : e.delta;
    e.reloading = false;
  } else if (e.ready) {
    return;
  } else if (stored) {
    e.record = combine(*stored, e.record);
  }
  e.ready = true;
  if (!e.earned && ((stored && stored->tls() > 0) || e.record.total() >= 2)) {
    e.earned = true;
    use(e);
  }
}

void Tracker::preload(const std::string& key, const Record& stored) {
  if (entries_.size() >= settings_.capacity || entries_.count(key) != 0) return;
  const bool earned = stored.tls() > 0 || stored.total() >= 2;
  const Segment segment =
      earned && size(Segment::Protected) < protected_capacity() ? Segment::Protected : Segment::Probation;
  auto& lru = lru_[index(segment)];
  lru.push_back(key);  // least recently used: real traffic comes first
  Entry& e = entries_[key];
  e.record = stored;
  e.ready = true;
  e.earned = earned;
  e.segment = segment;
  e.lru = std::prev(lru.end());
}

void Tracker::unavailable(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;  // evicted meanwhile
    it->second.ready = true;
    it->second.reloading = false;
    it->second.unfetched = true;
  }
}

void Tracker::refetch_unavailable() {
  for (auto& [key, e] : entries_) {
    if (!e.unfetched) continue;
    e.unfetched = false;
    reload(key);
  }
}

std::size_t Tracker::unavailable_count() const {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const auto& kv) { return kv.second.unfetched; }));
}

std::vector<std::pair<std::string, Record>> Tracker::take_dirty(bool all) {
  std::vector<std::pair<std::string, Record>> out;
  std::vector<std::string> waiting;  // dirty, but the stored record has not arrived yet
  for (auto& key : dirty_keys_) {
    auto it = entries_.find(key);
    if (it == entries_.end() || !it->second.dirty) continue;  // evicted meanwhile
    // Held back until the record (fetched again, for an unfetched one) is here, so
    // that the record fetched never holds them and they are added to it once.
    if ((!it->second.ready || it->second.reloading || it->second.unfetched) && !all) {
      waiting.push_back(std::move(key));
      continue;
    }
    out.emplace_back(std::move(key), std::exchange(it->second.delta, Record{}));
    it->second.dirty = false;
  }
  dirty_keys_.swap(waiting);
  return out;
}

const Record* Tracker::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.record;
}

}  // namespace tlspolicyd::history
