// SPDX-License-Identifier: MIT
#include "maillog/learning.h"

#include <algorithm>
#include <deque>

#include "history/key.h"
#include "maillog/rebuilt_request.h"

namespace tlspolicyd::maillog {
namespace {

// The tracker's settings as the daemon's (history_service.cc), with room for
// what is counted between two writes, so that nothing counted leaves the cache
// unwritten.
history::Tracker::Settings tracker_settings(const config::DowngradeSettings& s) {
  constexpr std::size_t room = 4 * Learning::Window * Learning::WriteEvery;
  return history::Tracker::Settings{s.key, s.min_observations, std::max(s.cache_entries, room),
                                    s.rebaseline_after.count()};
}

// The match fields a key part reads (its name is the field's; `client` reads the name or the address).
std::uint32_t fields_of(const std::vector<history::KeyPart>& key) {
  std::uint32_t out = 0;
  for (const history::KeyPart part : key) {
    if (part == history::KeyPart::Client) {
      out |= field_bit(match::Field::ClientName) | field_bit(match::Field::ClientAddress);
    } else if (auto field = match::find_field(history::key_part_name(part))) {
      out |= field_bit(*field);
    }
  }
  return out;
}

}  // namespace

Learning::Learning(const config::DowngradeSettings& settings, ServiceMap services, history::Store& store,
                   std::int64_t now)
    : settings_(settings),
      services_(std::move(services)),
      store_(store),
      oldest_(now - settings.retention.count()),
      newest_(now - RecentSeconds),
      key_fields_(fields_of(settings.key)),
      tracker_(tracker_settings(settings)),
      older_(tracker_settings(settings)) {
  for (std::size_t f = 0; f < match::FieldCount && settings.has_exempt; ++f) {
    if (settings.exempt.uses(static_cast<match::Field>(f))) exempt_fields_ |= field_bit(static_cast<match::Field>(f));
  }
}

std::uint64_t Learning::hash_of(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, the same on every platform
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

void Learning::add(const Rcpt& rcpt) {
  ++totals_.rcpts;
  if (rcpt.time < oldest_) {
    ++totals_.expired;
    return;
  }
  if (rcpt.time > newest_) {
    ++totals_.too_new;
    return;
  }
  if (rcpt.outcome != Outcome::Delivered && rcpt.outcome != Outcome::Deferred && rcpt.outcome != Outcome::Bounced) {
    ++totals_.refused;
    return;
  }
  if (services_.find(rcpt.service).asks == false) {
    ++totals_.not_asked;
    return;
  }
  pending_.push_back(rcpt);
  if (pending_.size() >= Window) run_window();
}

void Learning::finish() {
  if (!pending_.empty()) run_window();
  write(tracker_);
  write(older_);
  windows_ = 0;
}

void Learning::run_window() {
  // The requests of the window, and the keys whose stored records are not read yet.
  std::deque<RebuiltRequest> requests;  // per pending_ RCPT; a deque: they stay where they were made
  std::vector<std::size_t> counted;     // which of them are counted
  std::vector<std::string> keys;        // per counted request
  std::vector<std::string> unread;
  for (const Rcpt& rcpt : pending_) {
    const RebuiltRequest& r = requests.emplace_back(rcpt, services_.find(rcpt.service));
    if ((r.unknown() & TlsFields) != 0) {
      ++totals_.tls_unknown;
      continue;
    }
    if ((r.unknown() & key_fields_) != 0) {
      ++totals_.key_unknown;
      continue;
    }
    std::string key = history::history_key(r.request(), settings_.key);
    if (!history::trackable_key(key)) {
      ++totals_.untracked;
      continue;
    }
    if (spans_.try_emplace(key).second) unread.push_back(key);
    counted.push_back(requests.size() - 1);
    keys.push_back(std::move(key));
  }

  if (!unread.empty()) {
    const auto stored = store_.get(unread);
    for (std::size_t i = 0; i < unread.size(); ++i) {
      if (stored[i]) {
        Span& span = spans_[unread[i]];
        span.first = stored[i]->first_seen;
        span.last = stored[i]->last_seen;
      }
      tracker_.loaded(unread[i], stored[i], true);
    }
  }

  for (std::size_t i = 0; i < counted.size(); ++i) {
    const Rcpt& rcpt = pending_[counted[i]];
    const RebuiltRequest& rebuilt = requests[counted[i]];
    switch (place(rcpt, rebuilt.request(), keys[i])) {
      case Place::Known: ++totals_.known; break;
      case Place::Duplicate: ++totals_.duplicates; break;
      case Place::Older:
        ++totals_.older;
        count(older_, keys[i], rebuilt, rcpt.time);
        break;
      case Place::Later: count(tracker_, keys[i], rebuilt, rcpt.time); break;
    }
  }
  pending_.clear();
  if (++windows_ >= WriteEvery) {
    write(tracker_);
    write(older_);
    windows_ = 0;
  }
}

Learning::Place Learning::place(const Rcpt& rcpt, const protocol::Request& request, const std::string& key) {
  // The transaction's place is its first RCPT's: a later one (or the same queue
  // file given out again) follows it, as the tracker counts it once, whatever
  // its time; else a second run could place it otherwise than the first did.
  std::uint64_t id = hash_of(request.get(protocol::Attr::Instance));
  id = (id ^ 0xffu) * 1099511628211ull;  // no byte of an instance
  for (const char c : key) id = (id ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  if (auto it = placed_.find(id); it != placed_.end()) return it->second;
  // The same queue file at the same second in another session: a second copy
  // of the log (a file given twice, plain and gzipped, journal and mail.log).
  std::uint64_t same = hash_of(rcpt.host);
  for (std::string_view part : {std::string_view(rcpt.queue_id), std::string_view(key)}) {
    same = (same ^ 0xffu) * 1099511628211ull;
    for (const char c : part) same = (same ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  same ^= static_cast<std::uint64_t>(rcpt.time) * 0x9e3779b97f4a7c15ull;
  if (auto it = seen_.find(same); it != seen_.end()) {
    return it->second.session != rcpt.session ? Place::Duplicate : it->second.place;
  }
  const Span& span = spans_[key];
  const std::int64_t time = rcpt.time;
  Place p = Place::Later;
  if (span.last != 0 && time >= span.first - SpanSlackSeconds && time <= span.last + SpanSlackSeconds) {
    p = Place::Known;
  } else if (span.last != 0 && time < span.first) {
    p = Place::Older;
  }
  seen_.try_emplace(same, Placed{p, rcpt.session});
  placed_.emplace(id, p);
  placed_order_.push_back(id);
  if (placed_order_.size() > history::Tracker::RecentTransactions) {
    placed_.erase(placed_order_.front());
    placed_order_.pop_front();
  }
  return p;
}

void Learning::count(history::Tracker& tracker, const std::string& key, const RebuiltRequest& rebuilt,
                     std::int64_t time) {
  const protocol::Request& request = rebuilt.request();
  ++totals_.learned_rcpts;
  if (const auto lookup = tracker.lookup(request); lookup.wait) {
    // Not in the cache (read before, and evicted since): the store's record, as
    // this run left it. The older tracker has no store: it starts from nothing.
    const std::vector<std::string> loads = tracker.take_loads();
    const auto stored = &tracker == &older_ ? std::vector<std::optional<history::Record>>(loads.size())
                                            : store_.get(loads);
    for (std::size_t i = 0; i < loads.size(); ++i) tracker.loaded(loads[i], stored[i], true);
  }
  // A match error is no exemption, as in the daemon. Not judged, only counted:
  // what the exemption reads is not in the log (the daemon would have known), or
  // the key has seen a later transaction (logs read out of time order, a
  // deferred message given out days later), which the daemon would not have.
  const history::Record* view = tracker.find(key);
  const bool unjudged = (rebuilt.unknown() & exempt_fields_) != 0 || (view != nullptr && time < view->last_seen);
  if (unjudged) ++totals_.unjudged;
  const bool exempt = unjudged || (settings_.has_exempt && settings_.exempt.matches(request).yes());
  if (auto finding = tracker.observe(request, time, exempt); finding && finding->first_in_transaction) {
    ++totals_.downgrades;
    if (auto it = downgrade_keys_.find(finding->key); it != downgrade_keys_.end()) {
      ++it->second;
    } else if (downgrade_keys_.size() < KeysKept) {
      downgrade_keys_.emplace(finding->key, 1);
    }
  }
  totals_.rebaselined += tracker.take_rebaselined().size();
}

void Learning::write(history::Tracker& tracker) {
  history::Batch batch;  // no id: a tool's one-off write, made idempotent by the spans
  batch.deltas = tracker.take_dirty();
  totals_.dropped = tracker_.dropped() + older_.dropped();
  if (batch.deltas.empty()) return;
  std::vector<std::string> changed;
  for (const auto& [key, delta] : batch.deltas) {
    totals_.transactions += delta.total();
    Span& span = spans_[key];
    if (!span.written) ++totals_.keys;
    span.written = true;
    changed.push_back(key);
  }
  store_.add(batch);
  store_.log_changes(changed);  // running daemons fetch these records again
}

}  // namespace tlspolicyd::maillog
