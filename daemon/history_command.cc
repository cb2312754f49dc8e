// SPDX-License-Identifier: MIT
// history_command: `tlspolicyd history show|forget|rebaseline|export|import|
// learn`, an operator's look at, correction and seeding of the TLS history store.
//
// Opens the store the configuration names (history_store.h: LMDB read-write for
// forget, rebaseline, import and learn, read-only otherwise; Redis over its
// connection; as the daemon's user when started as root) while the daemon runs.
// KEY is spelled as `report` and the log print it (escaped, see
// log::parse_escaped); a key spelled plainly is taken as it is.
// Exit codes: 0; 1 when a key has no record (the other keys are still done);
// 64 a malformed KEY or --since; 65 an import file that cannot be read or is not
// what export writes (nothing imported); 66 a mail log that cannot be read; 67
// no such user:; 69 no history or the store failed; 78 the configuration.
// import ADDS each record to the stored one (as a daemon's delta would be), so
// importing a file twice counts it twice: import into an empty store, or once.
// learn counts the transactions of Postfix's logs (maillog/learning.h), once
// however often it is run. forget, rebaseline, import and learn append the keys
// to the store's change log (history/store.h): running daemons fetch those
// records again within seconds.
#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "history/store.h"
#include "history/tracker.h"
#include "history_json.h"
#include "history_store.h"
#include "log/kv_line.h"
#include "maillog/learning.h"
#include "maillog_input.h"

namespace tlspolicyd::daemon {
namespace {

using history::Record;

std::string command(const HistoryArgs& args) { return "tlspolicyd history " + std::string(to_string(args.action)); }
std::string prefix(const HistoryArgs& args) { return command(args) + ": "; }

std::string shown(const std::string& key) {
  std::string out;
  log::append_escaped(out, key);
  return out;
}

std::string version_name(std::size_t slot) { return std::string(tls::to_string(history::version_of_slot(slot))); }

void print_record(const std::string& key, const Record& r) {
  std::cout << "key:          " << shown(key) << '\n'
            << "first seen:   " << history::format_time(r.first_seen) << '\n'
            << "last seen:    " << history::format_time(r.last_seen) << '\n'
            << "plaintext:    " << r.plaintext() << '\n'
            << "TLS:          " << r.tls() << '\n'
            << "per protocol:";
  for (std::size_t s = 0; s < history::ProtocolSlots; ++s) {
    if (r.counts[s] != 0) std::cout << ' ' << version_name(s) << '=' << r.counts[s];
  }
  std::cout << '\n'
            << "best:         " << version_name(r.best) << '\n'
            << "last:         " << version_name(r.last) << '\n'
            << "downgrades:   " << r.downgrades << '\n'
            << "baseline:     " << (r.baseline == 0 ? std::string("never set") : history::format_time(r.baseline)) << '\n'
            << "TLS since baseline: " << r.tls_since_baseline() << '\n'
            << "last at best: " << history::format_time(r.at_best_last) << '\n'
            << "below best since: " << history::format_time(r.below_since) << '\n';
}

int show(const HistoryArgs& args, history::Store& store, const std::vector<std::string>& keys) {
  auto records = store.get(keys);
  int rc = exit_code::Ok;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) std::cout << '\n';
    if (!records[i]) {
      std::cerr << prefix(args) << "no record for " << shown(keys[i]) << '\n';
      rc = 1;
      continue;
    }
    print_record(keys[i], *records[i]);
  }
  return rc;
}

int forget(const HistoryArgs& args, history::Store& store, const std::vector<std::string>& keys) {
  auto records = store.get(keys);
  std::vector<std::string> present;
  int rc = exit_code::Ok;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (records[i]) {
      present.push_back(keys[i]);
    } else {
      std::cerr << prefix(args) << "no record for " << shown(keys[i]) << '\n';
      rc = 1;
    }
  }
  if (!present.empty()) {
    store.remove(present);
    store.log_changes(present);  // running daemons drop their views
  }
  for (const auto& key : present) std::cout << "forgot " << shown(key) << '\n';
  return rc;
}

// Writes a new baseline for each key (Record::rebaseline), as a delta the store
// adds: a newer baseline replaces the old one's fields, whatever other hosts add.
int rebaseline(const HistoryArgs& args, history::Store& store, const std::vector<std::string>& keys) {
  auto records = store.get(keys);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  history::Batch batch;
  int rc = exit_code::Ok;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!records[i]) {
      std::cerr << prefix(args) << "no record for " << shown(keys[i]) << '\n';
      rc = 1;
      continue;
    }
    Record next = *records[i];
    next.rebaseline(now);
    Record delta;
    delta.start_baseline(next.baseline, next.best);
    batch.deltas.emplace_back(keys[i], delta);
  }
  if (batch.deltas.empty()) return rc;
  store.add(batch);
  std::vector<std::string> changed;
  for (const auto& [key, delta] : batch.deltas) changed.push_back(key);
  store.log_changes(changed);
  for (const auto& [key, delta] : batch.deltas) {
    std::cout << "rebaselined " << shown(key) << ": best is now " << version_name(delta.best)
              << "; plaintext is a downgrade again after min_observations new TLS transactions\n";
  }
  return rc;
}

int export_all(history::Store& store) {
  std::vector<std::pair<std::string, Record>> records;
  store.scan([&](const std::string& key, const Record& r) {
    records.emplace_back(key, r);
    return true;
  });
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, r] : records) std::cout << json_text(record_json(key, r)) << '\n';
  return exit_code::Ok;
}

// The records of an export file (nullopt, said: a file that cannot be read, or a
// line that is not what export writes).
std::optional<history::Batch> read_import(const HistoryArgs& args) {
  std::ifstream file;
  if (args.file != "-") {
    file.open(args.file);
    if (!file) {
      std::cerr << prefix(args) << "cannot read " << args.file << '\n';
      return std::nullopt;
    }
  }
  std::istream& in = args.file == "-" ? std::cin : file;
  history::Batch batch;  // no id: a tool's one-off write
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    ParsedRecord parsed = parse_record_line(line);
    if (!parsed.record) {
      std::cerr << prefix(args) << args.file << ":" << number << ": " << parsed.error << "; nothing imported\n";
      return std::nullopt;
    }
    batch.deltas.push_back(std::move(*parsed.record));
  }
  return batch;
}

int import_batch(history::Store& store, const history::Batch& batch) {
  if (!batch.deltas.empty()) {
    store.add(batch);
    std::vector<std::string> keys;
    for (const auto& [key, r] : batch.deltas) keys.push_back(key);
    store.log_changes(keys);
  }
  std::cout << "imported " << batch.deltas.size() << " record(s)\n";
  return exit_code::Ok;
}

void print_learned(const maillog::Learning& learning, const maillog::Totals& read, const std::string& store) {
  const maillog::Learning::Totals& t = learning.totals();
  std::cout << "tlspolicyd history learn: " << read.lines << " lines, " << read.transactions << " queued messages, "
            << t.rcpts << " recipients";
  if (read.first_time != 0) {
    std::cout << " (" << history::format_time(read.first_time) << " to " << history::format_time(read.last_time) << ")";
  }
  std::cout << "\nlearned " << t.transactions << " transaction(s) of " << t.keys << " key(s) into " << store;
  if (t.older > 0) std::cout << " (" << t.older << " recipient(s) older than their key's record)";
  std::cout << "\n";
  if (t.unjudged > 0) {
    std::cout << "counted without a downgrade check: " << t.unjudged
              << " recipient(s) (out of time order, or the exemption reads what the log lacks)\n";
  }
  std::vector<std::pair<std::uint64_t, std::string_view>> skipped = {
      {t.known, "inside their key's stored time span (taken as counted: learned before, or by a daemon)"},
      {t.duplicates, "in a second copy of the same log"},
      {t.expired, "older than downgrade.retention"},
      {t.too_new, "from the last 10 s, or dated later (a running daemon counts those)"},
      {t.refused, "refused by Postfix (the policy may not have been asked)"},
      {t.not_asked, "from a service that does not ask tlspolicyd"},
      {t.tls_unknown, "whose TLS the log does not show"},
      {t.key_unknown, "whose key (downgrade.key) the log does not carry"},
      {t.untracked, "whose key is not tracked (empty, or too long)"},
  };
  std::string line;
  for (const auto& [count, why] : skipped) {
    if (count == 0) continue;
    line += (line.empty() ? "" : "; ") + std::to_string(count) + " recipient(s) " + std::string(why);
  }
  if (!line.empty()) std::cout << "not learned: " << line << "\n";
  if (t.downgrades > 0) {
    std::cout << "downgrades the daemon would have found: " << t.downgrades << " transaction(s)\n";
    std::vector<std::pair<std::string, std::uint64_t>> keys(learning.downgrade_keys().begin(),
                                                            learning.downgrade_keys().end());
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (keys.size() > 10) keys.resize(10);
    for (const auto& [key, count] : keys) std::cout << "  " << count << "  " << shown(key) << "\n";
  }
  if (t.rebaselined > 0) std::cout << "rebaselined (downgrade.rebaseline_after): " << t.rebaselined << " key(s)\n";
  if (t.dropped > 0) std::cout << "lost from the cache before written: " << t.dropped << " (a bug: please report)\n";
}

// learn: the logs' transactions into the store (maillog/learning.h). The logs
// are opened and postconf run before the store is (as the daemon's user).
int learn(const HistoryArgs& args, const config::Config& config) {
  const std::optional<std::int64_t> since = since_time(args.since, command(args));
  if (!since) return exit_code::Usage;
  MailLogs logs(command(args));
  if (!logs.open(args.logs)) return exit_code::NoInput;
  maillog::ServiceMap services = postfix_services(args.postconf, config);
  OpenedStore opened = open_history_store(config, prefix(args), false);
  if (!opened.store) return opened.exit_code;
  maillog::Learning learning(*config.downgrade, std::move(services), *opened.store, std::time(nullptr));
  maillog::Transactions tx([&](const maillog::Rcpt& r) { learning.add(r); });
  try {
    if (!logs.read(tx, since)) {
      std::cerr << prefix(args) << "stopped; what was written before stays, and learning the same logs again "
                                   "completes it\n";
      return exit_code::NoInput;
    }
    learning.finish();
  } catch (const history::StoreError& e) {
    std::cerr << prefix(args) << e.what() << "; what was written stays, and learning the same logs again completes it\n";
    return exit_code::Unavailable;
  }
  print_learned(learning, tx.totals(), config.downgrade->store.to_string());
  std::cout << std::flush;
  return std::cout ? exit_code::Ok : exit_code::Software;
}

}  // namespace

std::string_view to_string(HistoryAction action) {
  switch (action) {
    case HistoryAction::Show: return "show";
    case HistoryAction::Forget: return "forget";
    case HistoryAction::Rebaseline: return "rebaseline";
    case HistoryAction::Export: return "export";
    case HistoryAction::Import: return "import";
    case HistoryAction::Learn: return "learn";
  }
  return "?";
}

int run_history(const HistoryArgs& args) {
  std::vector<std::string> keys;
  for (const auto& text : args.keys) {
    auto key = log::parse_escaped(text);
    if (!key || key->empty()) {
      std::cerr << prefix(args) << text << " is not a key as report prints it\n";
      return exit_code::Usage;
    }
    keys.push_back(std::move(*key));
  }
  const HistoryConfig loaded = load_history_config(args.config_path, prefix(args));
  if (!loaded.config) return loaded.exit_code;
  if (args.action == HistoryAction::Learn) return learn(args, *loaded.config);
  std::optional<history::Batch> imported;
  if (args.action == HistoryAction::Import) {
    imported = read_import(args);  // before the store: as the user who ran the command
    if (!imported) return exit_code::DataErr;
  }
  const bool writes = args.action != HistoryAction::Show && args.action != HistoryAction::Export;
  OpenedStore opened = open_history_store(*loaded.config, prefix(args), !writes);
  if (!opened.store) return opened.exit_code;
  try {
    switch (args.action) {
      case HistoryAction::Show: return show(args, *opened.store, keys);
      case HistoryAction::Forget: return forget(args, *opened.store, keys);
      case HistoryAction::Rebaseline: return rebaseline(args, *opened.store, keys);
      case HistoryAction::Export: return export_all(*opened.store);
      case HistoryAction::Import: return import_batch(*opened.store, *imported);
      case HistoryAction::Learn: break;
    }
  } catch (const history::StoreError& e) {
    std::cerr << prefix(args) << e.what() << '\n';
    return exit_code::Unavailable;
  }
  return exit_code::Software;
}

}  // namespace tlspolicyd::daemon
