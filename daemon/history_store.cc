// SPDX-License-Identifier: MIT
#include "history_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "commands.h"
#include "config/config_loader.h"
#include "listener.h"
#include "privileges.h"

namespace tlspolicyd::daemon {

HistoryConfig load_history_config(const std::string& path, std::string_view prefix) {
  config::LoadResult loaded = config::load_config_file(path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return {nullptr, exit_code::Config};
  if (!loaded.config->downgrade) {
    std::cerr << prefix << "the configuration has no downgrade: section, so no TLS history is kept\n";
    return {nullptr, exit_code::Unavailable};
  }
  if (loaded.config->downgrade->store.kind == history::StoreAddress::Kind::Memory) {
    std::cerr << prefix << "the memory store lives inside the daemon; another process cannot read or change it\n";
    return {nullptr, exit_code::Unavailable};
  }
  return {std::move(loaded.config), exit_code::Ok};
}

OpenedStore open_history_store(const config::Config& config, std::string_view prefix, bool read_only) {
  const auto& settings = *config.downgrade;
  // A daemon started as root opens its store before it drops to user:, so its
  // files are root's: then root opens them, as before (checked below).
  struct stat st {};
  const bool roots_store = settings.store.kind == history::StoreAddress::Kind::Lmdb && ::geteuid() == 0 &&
                           ::lstat((settings.store.path + "/data.mdb").c_str(), &st) == 0 && st.st_uid == 0;
  if (!config.process.user.empty() && !roots_store) {
    // As the daemon's user (nothing changes when not root): its files, its rights.
    if (PrivilegeResult dropped = drop_privileges(config.process, false); dropped.exit_code != 0) {
      std::cerr << prefix << "not opening " << settings.store.to_string() << " as user " << config.process.user
                << ": " << dropped.message << '\n';
      return {nullptr, dropped.exit_code};
    }
  }
  if (settings.store.kind == history::StoreAddress::Kind::Lmdb) {
    // Still root (no user:, or root's files): LMDB follows symbolic links; only where no one else controls.
    if (std::string err = unsafe_lmdb_store(settings.store.path, resolve_socket_owner(config.process)); !err.empty()) {
      std::cerr << prefix << "not opening " << settings.store.to_string() << ": " << err << '\n';
      return {nullptr, exit_code::Unavailable};
    }
  }
  try {
    return {history::open_store(settings.store, settings.retention, read_only), exit_code::Ok};
  } catch (const history::StoreError& e) {
    std::cerr << prefix << e.what() << '\n';
    return {nullptr, exit_code::Unavailable};
  }
}

}  // namespace tlspolicyd::daemon
