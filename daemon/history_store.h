// SPDX-License-Identifier: MIT
// history_store: how the commands that read or change the TLS history (report,
// history) reach the store the configuration names, while the daemon runs.
//
// The configuration must keep a history (a downgrade: section) in a store another
// process can open: LMDB or Redis (a memory store lives inside the daemon: exit
// 69). Started as root, a command becomes the configuration's `user:` before it
// opens the store (privileges.h: for good), so that it reaches the store in the
// daemon's own directory (Debian's /var/lib/tlspolicyd is the daemon user's,
// 0700) and the files LMDB creates (a new store's data.mdb and lock.mdb) belong
// to the daemon's user, who must open them next. Without `user:`, or when the
// store's files are root's (a daemon started as root opens its store before it
// drops to `user:`), it stays root and opens LMDB only where the daemon would
// (listener.h: unsafe_lmdb_store). Whatever needs root's rights (the mail logs, a file to
// import, postconf) is read before. Messages go to stderr after `prefix`.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "history/store.h"

namespace tlspolicyd::daemon {

struct HistoryConfig {
  std::shared_ptr<const config::Config> config;  // null: exit_code says why
  int exit_code = 0;
};
[[nodiscard]] HistoryConfig load_history_config(const std::string& path, std::string_view prefix);

struct OpenedStore {
  std::unique_ptr<history::Store> store;  // null: exit_code says why
  int exit_code = 0;
};
// `config` is one that load_history_config returned.
[[nodiscard]] OpenedStore open_history_store(const config::Config& config, std::string_view prefix, bool read_only);

}  // namespace tlspolicyd::daemon
