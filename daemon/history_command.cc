// SPDX-License-Identifier: MIT
// history_command: `tlspolicyd history show|forget|rebaseline|export|import`,
// an operator's look at and correction of the TLS history store.
//
// Opens the store the configuration names (LMDB read-write for forget,
// rebaseline and import, read-only otherwise; Redis over its connection) while
// the daemon runs. A memory store lives inside the daemon: nothing to do here
// (exit 69). KEY is spelled as `report` and the log print it (escaped, see
// log::parse_escaped); a key spelled plainly is taken as it is.
// Exit codes: 0; 1 when a key has no record (the other keys are still done);
// 64 a malformed KEY; 65 an import file that is not what export writes (nothing
// imported); 69 no history or the store failed; 78 the configuration.
// import ADDS each record to the stored one (as a daemon's delta would be), so
// importing a file twice counts it twice: import into an empty store, or once.
// forget, rebaseline and import append the keys to the store's change log
// (history/store.h): running daemons fetch those records again within seconds.
#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "config/config_loader.h"
#include "history/store.h"
#include "history/tracker.h"
#include "history_json.h"
#include "listener.h"
#include "log/kv_line.h"
#include "privileges.h"

namespace tlspolicyd::daemon {
namespace {

using history::Record;

struct Opened {
  std::unique_ptr<history::Store> store;
  int exit_code = exit_code::Ok;
};

std::string prefix(const HistoryArgs& args) { return "tlspolicyd history " + std::string(to_string(args.action)) + ": "; }

Opened open_configured_store(const HistoryArgs& args, bool read_only) {
  config::LoadResult loaded = config::load_config_file(args.config_path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return {nullptr, exit_code::Config};
  if (!loaded.config->downgrade) {
    std::cerr << prefix(args) << "the configuration has no downgrade: section, so no TLS history is kept\n";
    return {nullptr, exit_code::Unavailable};
  }
  const auto& settings = *loaded.config->downgrade;
  if (settings.store.kind == history::StoreAddress::Kind::Memory) {
    std::cerr << prefix(args)
              << "the memory store lives inside the daemon; another process cannot read or change it\n";
    return {nullptr, exit_code::Unavailable};
  }
  if (settings.store.kind == history::StoreAddress::Kind::Lmdb) {
    if (std::string err = unsafe_lmdb_store(settings.store.path, resolve_socket_owner(loaded.config->process));
        !err.empty()) {
      std::cerr << prefix(args) << "not opening " << settings.store.to_string() << ": " << err << '\n';
      return {nullptr, exit_code::Unavailable};
    }
  }
  try {
    return {history::open_store(settings.store, settings.retention, read_only), exit_code::Ok};
  } catch (const history::StoreError& e) {
    std::cerr << prefix(args) << e.what() << '\n';
    return {nullptr, exit_code::Unavailable};
  }
}

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

int import_file(const HistoryArgs& args, history::Store& store) {
  std::ifstream file;
  if (args.file != "-") {
    file.open(args.file);
    if (!file) {
      std::cerr << prefix(args) << "cannot read " << args.file << '\n';
      return exit_code::DataErr;
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
      return exit_code::DataErr;
    }
    batch.deltas.push_back(std::move(*parsed.record));
  }
  if (!batch.deltas.empty()) {
    store.add(batch);
    std::vector<std::string> keys;
    for (const auto& [key, r] : batch.deltas) keys.push_back(key);
    store.log_changes(keys);
  }
  std::cout << "imported " << batch.deltas.size() << " record(s)\n";
  return exit_code::Ok;
}

}  // namespace

std::string_view to_string(HistoryAction action) {
  switch (action) {
    case HistoryAction::Show: return "show";
    case HistoryAction::Forget: return "forget";
    case HistoryAction::Rebaseline: return "rebaseline";
    case HistoryAction::Export: return "export";
    case HistoryAction::Import: return "import";
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
  const bool writes = args.action != HistoryAction::Show && args.action != HistoryAction::Export;
  Opened opened = open_configured_store(args, !writes);
  if (!opened.store) return opened.exit_code;
  try {
    switch (args.action) {
      case HistoryAction::Show: return show(args, *opened.store, keys);
      case HistoryAction::Forget: return forget(args, *opened.store, keys);
      case HistoryAction::Rebaseline: return rebaseline(args, *opened.store, keys);
      case HistoryAction::Export: return export_all(*opened.store);
      case HistoryAction::Import: return import_file(args, *opened.store);
    }
  } catch (const history::StoreError& e) {
    std::cerr << prefix(args) << e.what() << '\n';
    return exit_code::Unavailable;
  }
  return exit_code::Software;
}

}  // namespace tlspolicyd::daemon
