// SPDX-License-Identifier: MIT
// report: summarises the TLS history store (SPEC 2 and 6).
//
// One row per peer key (first and last seen, transactions in plaintext and with
// TLS, best and last protocol, downgrades), then the answer to "if TLS, or TLS 1.2,
// were required from everyone, which peers and how much of their mail would be
// refused". Reads the store the configuration names (history_store.h), read-only
// for LMDB, while the daemon runs.
// Keys are chosen by SMTP clients (a sender's domain, a HELO name): the table
// writes them escaped as the log does (log::append_escaped: a key with a space,
// a quote, a backslash or a byte outside printable ASCII is quoted, such bytes as
// \xNN), so no ESC or CR reaches the terminal; --json escapes them as JSON does.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "commands.h"
#include "config/duration.h"
#include "history/store.h"
#include "history/tracker.h"
#include "history_store.h"
#include "json.h"
#include "log/kv_line.h"

namespace tlspolicyd::daemon {
namespace {

using history::Record;

// A client-chosen key as the table shows it: escaped, then at most `width` bytes.
std::string shown_key(const std::string& key, std::size_t width) {
  std::string out;
  log::append_escaped(out, key);
  if (out.size() > width) out = out.substr(0, width - 3) + "...";
  return out;
}

std::string version_text(const Record& r, bool best) {
  if (best) {
    auto v = r.best_version();
    return v ? std::string(tls::to_string(*v)) : "none";
  }
  return std::string(tls::to_string(r.last_version()));
}

// Peers a floor would hit and how many of their transactions.
struct Impact {
  std::string label;
  std::uint64_t transactions = 0;
  std::vector<std::pair<std::string, std::uint64_t>> peers;  // key, refused transactions
};

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

}  // namespace

int run_report(const ReportArgs& args) {
  const HistoryConfig loaded = load_history_config(args.config_path, "tlspolicyd report: ");
  if (!loaded.config) return loaded.exit_code;
  std::int64_t since = 0;
  if (!args.since.empty()) {
    auto d = config::parse_duration(args.since);
    if (!d) {
      std::cerr << "tlspolicyd report: --since takes a duration such as 7d or 12h\n";
      return exit_code::Usage;
    }
    since = static_cast<std::int64_t>(std::time(nullptr)) - d->count();
  }
  std::vector<std::pair<std::string, Record>> peers;
  OpenedStore opened = open_history_store(*loaded.config, "tlspolicyd report: ", true);
  if (!opened.store) return opened.exit_code;
  try {
    opened.store->scan([&](const std::string& key, const Record& r) {
      if (r.last_seen >= since) peers.emplace_back(key, r);
      return true;
    });
  } catch (const history::StoreError& e) {
    std::cerr << "tlspolicyd report: " << e.what() << '\n';
    return exit_code::Unavailable;
  }
  std::sort(peers.begin(), peers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::uint64_t total = 0, plaintext = 0, tls = 0, downgrades = 0;
  Impact need_tls, need_12;
  need_tls.label = "TLS";
  need_12.label = "TLS 1.2";
  for (const auto& [key, r] : peers) {
    total += r.total();
    plaintext += r.plaintext();
    tls += r.tls();
    downgrades += r.downgrades;
    // Plaintext and unknown protocols never meet a floor.
    if (std::uint64_t n = r.plaintext() + r.counts[1]; n > 0) {
      need_tls.transactions += n;
      need_tls.peers.emplace_back(key, n);
    }
    if (std::uint64_t n = r.below(tls::TlsVersion::TLSv1_2); n > 0) {
      need_12.transactions += n;
      need_12.peers.emplace_back(key, n);
    }
  }
  for (Impact* impact : {&need_tls, &need_12}) {
    std::stable_sort(impact->peers.begin(), impact->peers.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }

  if (args.json) {
    Json out;
    out["store"] = loaded.config->downgrade->store.to_string();
    Json rows = Json::array();
    for (const auto& [key, r] : peers) {
      Json row;
      row["key"] = key;
      row["first_seen"] = history::format_time(r.first_seen);
      row["last_seen"] = history::format_time(r.last_seen);
      row["plaintext"] = r.plaintext();
      row["tls"] = r.tls();
      Json by_protocol = Json::object();
      for (std::size_t s = 1; s < history::ProtocolSlots; ++s) {
        if (r.counts[s] != 0) by_protocol[std::string(tls::to_string(history::version_of_slot(s)))] = r.counts[s];
      }
      row["by_protocol"] = std::move(by_protocol);
      row["best"] = version_text(r, true);
      row["last"] = version_text(r, false);
      row["downgrades"] = r.downgrades;
      rows.push_back(std::move(row));
    }
    out["peers"] = std::move(rows);
    out["transactions"] = total;
    out["plaintext"] = plaintext;
    out["tls"] = tls;
    out["downgrades"] = downgrades;
    Json if_required = Json::object();
    for (const Impact* impact : {&need_tls, &need_12}) {
      Json refused = Json::array();
      for (const auto& [key, n] : impact->peers) {
        Json peer;
        peer["key"] = key;
        peer["transactions"] = n;
        refused.push_back(std::move(peer));
      }
      Json summary;
      summary["peers"] = impact->peers.size();
      summary["transactions"] = impact->transactions;
      summary["refused"] = std::move(refused);
      if_required[impact->label] = std::move(summary);
    }
    out["if_required"] = std::move(if_required);
    std::cout << json_text(out) << '\n';
    return exit_code::Ok;
  }

  std::printf("%-44s %-20s %-20s %7s %7s %-8s %-8s %5s\n", "PEER", "FIRST SEEN", "LAST SEEN", "PLAIN", "TLS", "BEST",
              "LAST", "DOWNG");
  for (const auto& [key, r] : peers) {
    const std::string shown = shown_key(key, 44);
    std::printf("%-44s %-20s %-20s %7llu %7llu %-8s %-8s %5llu\n", shown.c_str(), history::format_time(r.first_seen).c_str(),
                history::format_time(r.last_seen).c_str(), static_cast<unsigned long long>(r.plaintext()),
                static_cast<unsigned long long>(r.tls()), version_text(r, true).c_str(), version_text(r, false).c_str(),
                static_cast<unsigned long long>(r.downgrades));
  }
  std::printf("\n%zu peer(s), %llu transaction(s): %llu plaintext, %llu TLS; %llu downgrade(s)\n", peers.size(),
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(plaintext),
              static_cast<unsigned long long>(tls), static_cast<unsigned long long>(downgrades));
  for (const Impact* impact : {&need_tls, &need_12}) {
    std::printf("If %s were required from everyone: %zu peer(s), %llu transaction(s) (%s) refused\n",
                impact->label.c_str(), impact->peers.size(), static_cast<unsigned long long>(impact->transactions),
                percent(impact->transactions, total).c_str());
    for (const auto& [key, n] : impact->peers) {
      std::printf("  %-60s %llu\n", shown_key(key, std::string::npos).c_str(), static_cast<unsigned long long>(n));
    }
  }
  return exit_code::Ok;
}

}  // namespace tlspolicyd::daemon
