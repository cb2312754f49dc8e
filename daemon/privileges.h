// SPDX-License-Identifier: MIT
// privileges: leaves root for good once the sockets and the store are open.
//
// Started as root with `user:` (and optionally `group:`), the daemon takes that
// user's groups, group and user, and checks that root cannot be regained. Started
// as root without `user:`, it refuses to go on unless `run_as_root: true` (or
// --run-as-root) says so. Started as another user, nothing changes.
// file_owners() says who may own the files a configuration reads: root, the
// user running now, and the configured `user:` as the system knows it.
#pragma once

#include <string>

#include "config/config.h"
#include "config/config_loader.h"

namespace tlspolicyd::daemon {

struct PrivilegeResult {
  int exit_code = 0;    // 0, 67 (no such user or group) or 77 (refused, or the drop failed)
  std::string message;  // what happened, for the log
};

// Root, the effective user, and a lookup of `user:` (none when there is no such user).
[[nodiscard]] config::FileOwners file_owners();

[[nodiscard]] PrivilegeResult drop_privileges(const config::ProcessSettings& settings, bool allow_root);

}  // namespace tlspolicyd::daemon
