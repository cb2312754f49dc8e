// SPDX-License-Identifier: MIT
// config_loader: YAML text -> Config, reporting every error at once.
//
// Never throws and never half-builds: either a complete Config or
// the full list of errors, each "FILE:LINE:COLUMN: message". Unknown keys,
// repeated keys and repeated rule names are errors. Nothing is bound (the daemon
// does that when it serves); users are looked up only through FileOwners::user_id
// (the `user:`, who may own list files; limits.reserved_for's users).
// Files (util::read_file): the configuration file may be a symbolic link (tools
// that manage /etc make them); a list file may not. Either is read only when it
// is a regular file that FileOwners trusts: owned by root, by the user running the
// load, or (list files) by the configured `user:`, and writable by its owner alone.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_error.h"

namespace tlspolicyd::config {

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  ConfigErrors errors;
};

// Who may own the files a configuration reads (and alone write them), checked
// before a byte of them is read. Users are numbers here: the caller looks up names.
struct FileOwners {
  std::vector<uid_t> uids;  // may own the configuration file and the list files
  // The uid of a user (the configured `user:`, who may own list files too; those
  // of limits.reserved_for), or nullopt (no such user here); empty: not asked.
  std::function<std::optional<uid_t>(const std::string& user)> user_id;

  // Root and the process's effective user, no `user:` lookup.
  [[nodiscard]] static FileOwners of_process();
};

// Reads and compiles the file at `path`.
[[nodiscard]] LoadResult load_config_file(const std::string& path,
                                          const FileOwners& owners = FileOwners::of_process());

// Compiles `text` as if read from `path` (used in messages and as the base of
// relative file: paths).
[[nodiscard]] LoadResult load_config_text(std::string_view text, const std::string& path,
                                          const FileOwners& owners = FileOwners::of_process());

}  // namespace tlspolicyd::config
