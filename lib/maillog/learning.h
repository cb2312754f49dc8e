// SPDX-License-Identifier: MIT
// learning: records the transactions of a mail log (transactions.h) in a TLS
// history store as the daemon would have counted them (`tlspolicyd history
// learn`), so that downgrade detection starts with the log's evidence.
//
// Each RCPT that Postfix accepted (delivered, deferred or bounced), from a
// service that asks tlspolicyd (or is assumed to, services.h), is rebuilt as the
// request the daemon would have been sent (rebuilt_request.h) and counted by a
// history::Tracker, the daemon's own counting and detection, at the log's time:
// a transaction counts once per key, the key's stored record is the view,
// exempt requests are counted and never flagged. Counted without a downgrade
// check (as if exempt): an RCPT whose exemption reads what the log lacks, and
// one older than a transaction its key has already counted (logs read out of
// time order, a deferred message given out days later): the daemon saw them in
// order. Not counted, each in Totals: RCPTs older than downgrade.retention (the
// store would expire them) or from the last RecentSeconds (or later: a running
// daemon counts those), refused RCPTs (the log does not say whether the policy
// was asked before the refusal), RCPTs whose TLS, or a part of whose key, the
// log does not carry, keys the daemon does not track (history/key.h:
// trackable_key), and a transaction seen again in this run under another
// session (the same queue file at the same second: a second copy of the log).
//
// Idempotent by time: a key's transactions from its stored record's first to
// its last seen (as the store held it when this run first read the key, give
// or take SpanSlackSeconds) are taken as counted already (learned before, or
// counted by a daemon) and skipped. Later ones are counted on top of the
// record, as the daemon would have; earlier ones apart, from no history (a
// daemon back then had none), and added to the record (record.h: combine; a
// newer baseline keeps its own fields). So learning the same lines again counts
// nothing, logs learned in either order add up, and only a log whose time falls
// inside what the store already covers for a key is taken as learned for it
// (the middle of three logs learned newest, oldest, middle; another MX host's
// log of the same days). A transaction is placed by its first RCPT (the rest of
// it, even given out later, follows it). Limit: a transaction that a running
// daemon writes after this run read its key, and that the log already shows,
// is counted by both; so is one learned by two runs at once.
//
// Works in windows of Window RCPTs, one store read for a window's new keys, and
// writes what it counted every WriteEvery windows and at the end (one batch, and
// the keys in the change log, so that running daemons fetch those records
// again; each a synced LMDB commit). Memory: the trackers' caches (at least
// what is counted between two writes), per key seen its span (the key and about
// 50 bytes), and per transaction about 40 bytes (to know a second copy), never
// the log's lines. Store errors are thrown (history::StoreError); what was
// written before stays, and learning the same log again completes it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/downgrade_settings.h"
#include "history/store.h"
#include "history/tracker.h"
#include "maillog/rebuilt_request.h"
#include "maillog/services.h"
#include "maillog/transactions.h"

namespace tlspolicyd::maillog {

class Learning {
 public:
  static constexpr std::size_t Window = 1000;     // RCPTs per store read
  static constexpr std::size_t WriteEvery = 10;   // windows per store write
  static constexpr std::size_t KeysKept = 10000;  // keys with downgrades listed by name
  // Lines this recent are left to a running daemon, which counts them itself.
  static constexpr std::int64_t RecentSeconds = 10;
  // A stored span reaches this far either side: Postfix logs a transaction's
  // client= line a moment before the daemon is asked at RCPT.
  static constexpr std::int64_t SpanSlackSeconds = 2;

  struct Totals {
    std::uint64_t rcpts = 0;           // every RCPT given
    std::uint64_t learned_rcpts = 0;   // counted into the history
    std::uint64_t transactions = 0;    // transactions added to the store (per key)
    std::uint64_t keys = 0;            // keys written
    std::uint64_t known = 0;           // RCPTs inside their key's stored record: counted before
    std::uint64_t older = 0;           // of learned_rcpts: before their key's stored record
    std::uint64_t expired = 0;         // older than downgrade.retention
    std::uint64_t too_new = 0;         // dated within RecentSeconds of now, or later
    std::uint64_t duplicates = 0;      // the same transaction again, from another copy of the log
    std::uint64_t unjudged = 0;        // of learned_rcpts: counted without a downgrade check
    std::uint64_t refused = 0;         // refused by Postfix (or its outcome unknown)
    std::uint64_t not_asked = 0;       // a service that does not ask tlspolicyd
    std::uint64_t tls_unknown = 0;     // the log does not show the session's TLS
    std::uint64_t key_unknown = 0;     // a part of the key is not in the log (helo_name, ...)
    std::uint64_t untracked = 0;       // an empty or overlong key (the null sender by sender_domain)
    std::uint64_t downgrades = 0;      // transactions the daemon would have found downgraded
    std::uint64_t rebaselined = 0;     // keys rebaselined by downgrade.rebaseline_after
    std::uint64_t dropped = 0;         // counts lost from the tracker's cache (never, unless a bug)
  };

  // `settings` must outlive the Learning; `now` is the time the retention counts back from.
  Learning(const config::DowngradeSettings& settings, ServiceMap services, history::Store& store, std::int64_t now);

  // Takes one RCPT, in the log's order; may read and write the store.
  void add(const Rcpt& rcpt);
  // Counts and writes what is left (the end of the logs).
  void finish();

  [[nodiscard]] const Totals& totals() const { return totals_; }
  // Keys with downgrades found, and how many (at most KeysKept keys; the rest in totals).
  [[nodiscard]] const std::map<std::string, std::uint64_t>& downgrade_keys() const { return downgrade_keys_; }

 private:
  // A key's stored record's time span, as first read; both 0: the store had none.
  struct Span {
    std::int64_t first = 0, last = 0;
    bool written = false;
  };
  // Where a transaction goes: inside its key's stored span, before it, or after
  // it (or no span); or nowhere, a copy of one this run placed already.
  enum class Place : std::uint8_t { Known, Older, Later, Duplicate };
  struct Placed {
    Place place;
    std::uint64_t session;
  };
  void run_window();
  Place place(const Rcpt& rcpt, const protocol::Request& request, const std::string& key);
  void count(history::Tracker& tracker, const std::string& key, const RebuiltRequest& rebuilt, std::int64_t time);
  void write(history::Tracker& tracker);
  static std::uint64_t hash_of(std::string_view text);

  const config::DowngradeSettings& settings_;
  ServiceMap services_;
  history::Store& store_;
  std::int64_t oldest_ = 0;        // RCPTs before it are past the retention
  std::int64_t newest_ = 0;        // RCPTs after it are left to the daemon
  std::uint32_t key_fields_ = 0;  // the match fields the key's parts read
  std::uint32_t exempt_fields_ = 0;  // those downgrade.exempt reads
  history::Tracker tracker_;       // on top of the stored records
  history::Tracker older_;         // before them, from no history
  std::unordered_map<std::string, Span> spans_;
  // The recent transactions' places, by the hash of (instance, key), as the tracker's (tracker.h).
  std::unordered_map<std::uint64_t, Place> placed_;
  std::deque<std::uint64_t> placed_order_;
  // Every transaction placed in this run, by the hash of (host, queue id, time,
  // key): a copy of it from another session number is a copy of the log.
  std::unordered_map<std::uint64_t, Placed> seen_;
  std::vector<Rcpt> pending_;
  std::size_t windows_ = 0;  // since the last write
  Totals totals_;
  std::map<std::string, std::uint64_t> downgrade_keys_;
};

}  // namespace tlspolicyd::maillog
