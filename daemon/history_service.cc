// SPDX-License-Identifier: MIT
#include "history_service.h"

#include <algorithm>

#include <ctime>
#include <random>

#include "log/kv_line.h"
#include "util/text.h"

namespace tlspolicyd::daemon {
namespace {

using protocol::Attr;

std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

history::Tracker::Settings tracker_settings(const config::DowngradeSettings& s) {
  return history::Tracker::Settings{s.key, s.min_observations, s.cache_entries, s.rebaseline_after.count()};
}

// The warning for a downgrade: the key, what was seen before, what arrived.
std::string downgrade_line(const history::Finding& f, const protocol::Request& r, policy::Mode mode) {
  log::KvLine line;
  line.add_raw("downgrade", "detected");
  line.add("key", f.key);
  line.add("reason", policy::to_string(f.reason));
  const auto best = f.before.best_version();
  line.add_raw("before_best", best ? tls::to_string(*best) : "none");
  line.add_raw("before_tls", std::to_string(f.before.tls()));
  line.add_raw("before_plaintext", std::to_string(f.before.plaintext()));
  line.add_raw("before_first_seen", history::format_time(f.before.first_seen));
  line.add_raw("before_last_seen", history::format_time(f.before.last_seen));
  line.add("arrived", tls::to_string(f.arrived));
  line.add("cipher", r.get(Attr::EncryptionCipher).empty() ? "-" : r.get(Attr::EncryptionCipher));
  line.add("client", std::string(r.get(Attr::ClientName)) + "[" + std::string(r.get(Attr::ClientAddress)) + "]");
  line.add("sender", "<" + std::string(r.get(Attr::Sender)) + ">");
  line.add("recipient", "<" + std::string(r.get(Attr::Recipient)) + ">");
  line.add_raw("mode", policy::to_string(mode));
  return line.str();
}

std::string escaped(const std::string& key) {
  std::string out;
  log::append_escaped(out, key);
  return out;
}

std::string version_text(const std::optional<tls::TlsVersion>& v) {
  return v ? std::string(tls::to_string(*v)) : "none";
}

}  // namespace

HistoryService::HistoryService(event_base* base, const config::DowngradeSettings& settings, Logger logger,
                               metrics::Metrics* metrics, Options options)
    : logger_(std::move(logger)), metrics_(metrics), options_(std::move(options)), settings_(settings),
      tracker_(tracker_settings(settings)),
      inbox_(base, [this](std::vector<Result> results) { deliver(std::move(results)); }) {
  if (!options_.open) {
    options_.open = [this] { return history::open_store(settings_.store, settings_.retention); };
  }
  try {
    store_ = options_.open();
    store_up_ = true;
  } catch (const history::StoreError& e) {
    if (settings_.store.kind != history::StoreAddress::Kind::Redis) throw;
    // A shared Redis may come later: serve without history meanwhile.
    logger_->warn("history store unavailable: {}; answering without history, retrying", e.what());
    reported_down_ = true;
    retry_at_ = Clock::now() + backoff_;
  }
  store_name_ = settings_.store.to_string();
  tick_ = event_new(base, -1, EV_PERSIST, &HistoryService::tick_cb, this);
  wait_ev_ = evtimer_new(base, &HistoryService::wait_cb, this);
  timeval every{static_cast<time_t>(FlushInterval.count()), 0};
  if (tick_ == nullptr || wait_ev_ == nullptr || event_add(tick_, &every) != 0 || !inbox_.ok()) {
    throw history::StoreError("cannot set up the history timers");
  }
  worker_ = std::thread([this] { run(); });
  if (!options_.spawned) post(WarmUp{settings_.cache_entries});
  next_expire_ = Clock::now();  // the first tick expires old records
  logger_->log(options_.startup_level, "history: keeping TLS history in {}", store_name_);
  warn_about_key(settings_.key);
  if (metrics_ != nullptr) metrics_->store_up(store_up_);
}

HistoryService::~HistoryService() {
  shutdown();
  if (tick_ != nullptr) event_free(tick_);
  if (wait_ev_ != nullptr) event_free(wait_ev_);
}

void HistoryService::reconfigure(const config::DowngradeSettings& settings) {
  if (settings.key != settings_.key) warn_about_key(settings.key);
  tracker_.set_settings(tracker_settings(settings));
}

void HistoryService::warn_about_key(const std::vector<history::KeyPart>& key) {
  if (history::names_the_client(key)) return;
  logger_->warn("downgrade.key names no client (client, client_address, client_name or sasl_username): any client "
                "may send under a key's sender or HELO, raise its best protocol and have the genuine peer's mail "
                "taken for a downgrade; add client to the key");
}

bool HistoryService::ready(const protocol::Request& request, const config::DowngradeSettings& settings,
                           std::uint64_t conn) {
  if (no_waiting_ || settings.lookup_timeout.count() <= 0) return true;
  const auto lookup = tracker_.lookup(request);
  if (!lookup.wait) return true;
  if (auto loads = tracker_.take_loads(); !loads.empty()) post(Load{std::move(loads)});
  auto [it, fresh] = waiting_.try_emplace(lookup.key);
  it->second.conns.push_back(conn);
  if (fresh) {
    it->second.deadline = Clock::now() + settings.lookup_timeout;
    deadlines_.emplace_back(it->second.deadline, lookup.key);
    arm_wait_timer();
  }
  return false;
}

void HistoryService::stop_waiting() {
  no_waiting_ = true;
  while (!waiting_.empty()) end_wait(waiting_.begin()->first, true);
  deadlines_.clear();
}

void HistoryService::end_wait(std::string key, bool timed_out) {  // a copy: the entry it may name goes
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  const std::vector<std::uint64_t> conns = std::move(it->second.conns);
  waiting_.erase(it);
  if (timed_out) tracker_.give_up(key);
  if (metrics_ != nullptr) metrics_->history_waited(timed_out, conns.size());
  if (timed_out && !no_waiting_) {
    timeouts_unlogged_ += conns.size();
    last_timeout_key_ = key;
    log_timeouts();
  }
  if (resume_) {
    for (std::uint64_t conn : conns) resume_(conn);
  }
}

void HistoryService::log_timeouts(bool force) {
  if (timeouts_unlogged_ == 0 || (!force && Clock::now() - timeout_logged_ < std::chrono::seconds(10))) return;
  logger_->warn("history: {} request(s) answered without their TLS history: {} did not answer within "
                "downgrade.lookup_timeout (the last: key={})",
                timeouts_unlogged_, store_name_, escaped(last_timeout_key_));
  timeouts_unlogged_ = 0;
  timeout_logged_ = Clock::now();
}

void HistoryService::wait_cb(evutil_socket_t, short, void* arg) { static_cast<HistoryService*>(arg)->wait_expired(); }

void HistoryService::wait_expired() {
  const auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const std::string key = std::move(deadlines_.front().second);
    deadlines_.pop_front();
    // The key may have been answered meanwhile, and be waiting again with a later deadline.
    if (auto it = waiting_.find(key); it != waiting_.end() && it->second.deadline <= now) end_wait(key, true);
  }
  arm_wait_timer();
}

void HistoryService::arm_wait_timer() {
  if (deadlines_.empty() || evtimer_pending(wait_ev_, nullptr)) return;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadlines_.front().first - Clock::now());
  const auto us = std::max<std::int64_t>(0, left.count());
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  evtimer_add(wait_ev_, &tv);
}

std::optional<policy::Failure> HistoryService::observe(const protocol::Request& request,
                                                       const config::DowngradeSettings& settings) {
  // A match error is no exemption (fails closed: the history is checked).
  const bool exempt = settings.has_exempt && settings.exempt.matches(request).yes();
  auto finding = tracker_.observe(request, wall_now(), exempt);
  if (auto loads = tracker_.take_loads(); !loads.empty()) post(Load{std::move(loads)});
  for (auto& r : tracker_.take_rebaselined()) {
    const std::string key = escaped(r.key);
    // The command, safe to paste: the key as the log spells it (printable, what
    // the command reads back), in single quotes (the client chose its bytes).
    logger_->warn("history: key={} rebaselined: every transaction since {} was below its best {} "
                  "(downgrade.rebaseline_after {}s); its best is now {}; by hand: tlspolicyd history rebaseline {}",
                  key, history::format_time(r.below_since), version_text(r.best), settings.rebaseline_after.count(),
                  version_text(r.new_best), util::shell_quoted(key));
    if (metrics_ != nullptr) metrics_->history_rebaselined();
    rebaselined_.push_back(std::move(r.key));
  }
  if (!finding) return std::nullopt;
  if (finding->first_in_transaction) {
    logger_->warn("{}", downgrade_line(*finding, request, settings.mode));
    if (metrics_ != nullptr) metrics_->downgrade();
  }
  return std::move(finding->reason);
}

void HistoryService::shutdown() {
  if (!worker_.joinable()) return;
  resume_ = nullptr;  // the connections may be gone
  stop_waiting();
  log_timeouts(true);  // none goes unsaid
  // Let fetches under way finish, so their keys' counts are written in full.
  auto barrier = std::make_shared<std::promise<void>>();
  auto reached = barrier->get_future();
  post(Barrier{barrier});
  reached.wait();
  inbox_.drain();
  if (auto dirty = tracker_.take_dirty(true); !dirty.empty()) post(Write{std::move(dirty)});
  post(Stop{});
  worker_.join();
  inbox_.drain();
}

void HistoryService::tick_cb(evutil_socket_t, short, void* arg) { static_cast<HistoryService*>(arg)->tick(); }

void HistoryService::tick() {
  if (auto dirty = tracker_.take_dirty(); !dirty.empty()) post(Write{std::move(dirty)});
  if (!rebaselined_.empty()) post(LogChanges{std::exchange(rebaselined_, {})});  // after their write
  post(Poll{});
  if (metrics_ != nullptr) {
    using Segment = history::Tracker::Segment;
    metrics_->history_cache({tracker_.size(Segment::Probation), tracker_.evictions(Segment::Probation)},
                            {tracker_.size(Segment::Protected), tracker_.evictions(Segment::Protected)});
  }
  if (Clock::now() >= next_expire_) {
    const std::int64_t now = wall_now();
    const std::int64_t cutoff = now - settings_.retention.count();
    const std::int64_t weak_cutoff = now - history::WeakRetentionSeconds;
    if (options_.spawned) {
      // Many short processes, each a page from its own point: the store is
      // expired a little at a time, never read whole for one SMTP session.
      static constexpr char Letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
      std::string from(2, 'a');
      std::random_device random;
      for (char& c : from) c = Letters[random() % (sizeof Letters - 1)];
      post(Expire{cutoff, weak_cutoff, from, 1});
    } else {
      post(Expire{cutoff, weak_cutoff, {}, 0});
    }
    next_expire_ = Clock::now() + ExpireInterval;
  }
  log_timeouts();
  if (tracker_.dropped() > dropped_logged_) {
    logger_->warn("history: {} unwritten update(s) lost: the cache was full of records not yet written (the store "
                  "unavailable or slower than the traffic)",
                  tracker_.dropped() - dropped_logged_);
    dropped_logged_ = tracker_.dropped();
  }
}

void HistoryService::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void HistoryService::deliver(std::vector<Result> results) {
  for (auto& result : results) {
    if (auto* r = std::get_if<Loaded>(&result)) {
      if (!r->available) {
        tracker_.unavailable(r->keys);
      } else {
        for (std::size_t i = 0; i < r->keys.size(); ++i) {
          tracker_.loaded(r->keys[i], r->records[i], waiting_.contains(r->keys[i]));
        }
      }
      for (const auto& key : r->keys) end_wait(key, false);
    } else if (auto* w = std::get_if<Written>(&result)) {
      logger_->debug("history: wrote {} record(s) to {}", w->count, store_name_);
    } else if (auto* warm = std::get_if<Warm>(&result)) {
      for (const auto& [key, record] : warm->records) tracker_.preload(key, record);
      logger_->log(options_.startup_level, "history: read {} record(s) ahead from {}", warm->records.size(), store_name_);
    } else if (auto* st = std::get_if<StoreState>(&result)) {
      if (metrics_ != nullptr) {
        metrics_->store_up(st->up);
        if (!st->up) metrics_->store_error();
      }
      if (st->up) {
        logger_->info("history store {} available again", store_name_);
        // What was answered "unavailable" meanwhile has a stored record to add in.
        tracker_.refetch_unavailable();
        if (auto loads = tracker_.take_loads(); !loads.empty()) post(Load{std::move(loads)});
      } else {
        // The error names the store.
        logger_->warn("history store unavailable: {}; answering without history, retrying in {}s", st->error,
                      st->retry.count());
      }
    } else if (auto* ex = std::get_if<Expired>(&result)) {
      if (ex->count > 0) {
        logger_->info("history: expired {} record(s) not seen for {}s (for {}s when seen once or never with TLS)",
                      ex->count, settings_.retention.count(),
                      std::min<std::int64_t>(settings_.retention.count(), history::WeakRetentionSeconds));
      }
    } else if (auto* changed = std::get_if<Changed>(&result)) {
      if (!changed->complete) {
        logger_->warn("history: the change log of {} was trimmed past what this daemon read; fetching every "
                      "cached record again", store_name_);
        tracker_.reload_all();
      }
      for (const auto& key : changed->keys) tracker_.reload(key);
      if (!changed->keys.empty()) {
        logger_->info("history: {} record(s) changed in the store (history forget, rebaseline or import); fetching "
                      "them again (the last: key={})", changed->keys.size(), escaped(changed->keys.back()));
      }
      if (auto loads = tracker_.take_loads(); !loads.empty()) post(Load{std::move(loads)});
    } else if (auto* lost = std::get_if<Lost>(&result)) {
      logger_->warn("history: {} unwritten record(s) dropped: the store has been unavailable too long", lost->count);
    }
  }
}

// ---- worker thread: store calls only; results go back through the inbox.

void HistoryService::run() {
  for (;;) {
    std::optional<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, FlushInterval, [&] { return !jobs_.empty(); });
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
    }
    if (!job) {
      flush_unwritten();  // a retry after a failure
      continue;
    }
    if (std::holds_alternative<Stop>(*job)) {
      flush_unwritten();
      return;
    }
    work(*job);
  }
}

bool HistoryService::store_ready() {
  if (store_up_) return true;
  if (Clock::now() < retry_at_) return false;
  if (!store_) {
    try {
      store_ = options_.open();
    } catch (const history::StoreError& e) {
      store_failed(e.what());
      return false;
    }
  }
  return true;  // try it; a failure comes back through store_failed()
}

void HistoryService::store_failed(const std::string& error) {
  store_up_ = false;
  retry_at_ = Clock::now() + backoff_;
  if (!reported_down_) inbox_.post(StoreState{false, error, backoff_});
  reported_down_ = true;
  backoff_ = std::min(backoff_ * 2, MaxBackoff);
}

void HistoryService::store_worked() {
  store_up_ = true;
  backoff_ = std::chrono::seconds(1);
  if (reported_down_) inbox_.post(StoreState{true, {}, {}});
  reported_down_ = false;
}

void HistoryService::flush_unwritten() {
  while (in_flight_ || !unwritten_.empty()) {
    if (!store_ready()) return;
    if (!in_flight_) {
      in_flight_ = history::Batch{batch_ids_.next(), {unwritten_.begin(), unwritten_.end()}};
      unwritten_.clear();
    }
    // A failure may come after the store applied the batch (a lost reply): the
    // batch stays as it is, with its id, so that the retry is skipped there.
    try {
      store_->add(*in_flight_);
    } catch (const history::StoreError& e) {
      store_failed(e.what());
      return;
    }
    store_worked();
    inbox_.post(Written{in_flight_->deltas.size()});
    in_flight_.reset();
  }
  if (changes_to_log_.empty() || !store_ready()) return;
  try {
    store_->log_changes(changes_to_log_);
    store_worked();
    changes_to_log_.clear();
  } catch (const history::StoreError& e) {
    store_failed(e.what());
  }
}

void HistoryService::poll_changes() {
  if (!store_ready()) return;
  try {
    auto changes = store_->changes_since(change_seq_);
    store_worked();
    const bool started = change_seq_.has_value();
    change_seq_ = changes.last;
    if (warming_) warming_->stale.insert(changes.keys.begin(), changes.keys.end());
    if (started && (!changes.keys.empty() || !changes.complete)) {
      inbox_.post(Changed{std::move(changes.keys), changes.complete});
    }
  } catch (const history::StoreError& e) {
    store_failed(e.what());
  }
}

void HistoryService::add_unwritten(const std::vector<std::pair<std::string, history::Record>>& records) {
  for (const auto& [key, delta] : records) {
    if (warming_) warming_->stale.insert(key);
    auto [it, inserted] = unwritten_.try_emplace(key, delta);
    if (!inserted) it->second = history::combine(it->second, delta);  // deltas add
  }
  // Bounded while the store is away: past the cache size, keys go (the first in
  // key order), and the log says how many.
  if (unwritten_.size() > settings_.cache_entries) {
    std::size_t excess = unwritten_.size() - settings_.cache_entries;
    unwritten_.erase(unwritten_.begin(), std::next(unwritten_.begin(), static_cast<std::ptrdiff_t>(excess)));
    inbox_.post(Lost{excess});
  }
}

std::vector<std::string> HistoryService::take_fetches(std::vector<std::string> keys) {
  // One store call for the fetches queued (each request posts its own, and a
  // store across a network answers one round trip at a time), at most LoadPage
  // keys; the rest is fetched next, behind the jobs waiting. Only those before
  // the next write: a fetch never overtakes a write of its key's counts.
  {
    std::lock_guard lock(mutex_);
    for (auto it = jobs_.begin(); it != jobs_.end() && keys.size() < LoadPage;) {
      if (std::holds_alternative<Write>(*it)) break;
      if (auto* other = std::get_if<Load>(&*it)) {
        keys.insert(keys.end(), std::make_move_iterator(other->keys.begin()),
                    std::make_move_iterator(other->keys.end()));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::unordered_set<std::string> seen;  // first come, first fetched: no key order
  std::erase_if(keys, [&](const std::string& k) { return !seen.insert(k).second; });
  if (keys.size() > LoadPage) {
    post(Load{{std::make_move_iterator(keys.begin() + LoadPage), std::make_move_iterator(keys.end())}});
    keys.resize(LoadPage);
  }
  return keys;
}

void HistoryService::work(Job& job) {
  if (auto* barrier = std::get_if<Barrier>(&job)) {
    barrier->reached->set_value();
  } else if (auto* load = std::get_if<Load>(&job)) {
    std::vector<std::string> keys = take_fetches(std::move(load->keys));
    if (!change_seq_) poll_changes();  // records read from here on are newer than the log's start
    if (store_ready()) {
      try {
        auto records = store_->get(keys);
        store_worked();
        inbox_.post(Loaded{std::move(keys), std::move(records), true});
        return;
      } catch (const history::StoreError& e) {
        store_failed(e.what());
      }
    }
    inbox_.post(Loaded{std::move(keys), {}, false});
  } else if (auto* write = std::get_if<Write>(&job)) {
    add_unwritten(write->records);
    flush_unwritten();
  } else if (auto* expire = std::get_if<Expire>(&job)) {
    if (!store_ready()) return;
    try {
      expire->cursor =
          store_->expire_page(expire->cursor, WarmPage, expire->cutoff, expire->weak_cutoff, expire->removed);
      store_worked();
    } catch (const history::StoreError& e) {
      store_failed(e.what());
      expire->cursor.clear();  // again at the next interval
    }
    if (!expire->cursor.empty() && expire->pages_left != 1) {
      if (expire->pages_left > 1) --expire->pages_left;
      post(std::move(*expire));  // behind the fetches waiting
      return;
    }
    inbox_.post(Expired{expire->removed});
  } else if (std::holds_alternative<Poll>(job)) {
    poll_changes();
  } else if (auto* changes = std::get_if<LogChanges>(&job)) {
    changes_to_log_.insert(changes_to_log_.end(), changes->keys.begin(), changes->keys.end());
    flush_unwritten();
  } else if (auto* warm = std::get_if<WarmUp>(&job)) {
    if (!warming_) {
      poll_changes();  // first: a change after the records are read is not missed
      warming_.emplace(Warming{{}, history::MostRecent(warm->limit), {}});
    }
    if (!store_ready()) {
      warming_.reset();
      return;
    }
    try {
      warming_->cursor = store_->scan_page(warming_->cursor, WarmPage, [&](const std::string& key, const auto& r) {
        warming_->recent.offer(key, r);
      });
      store_worked();
    } catch (const history::StoreError& e) {
      store_failed(e.what());
      warming_->cursor.clear();  // what was read so far is still worth having
    }
    if (!warming_->cursor.empty()) {
      post(std::move(*warm));  // behind the fetches waiting
      return;
    }
    Warm out{warming_->recent.take()};
    std::erase_if(out.records, [&](const auto& kv) { return warming_->stale.contains(kv.first); });
    warming_.reset();
    inbox_.post(std::move(out));
  }
}

}  // namespace tlspolicyd::daemon
