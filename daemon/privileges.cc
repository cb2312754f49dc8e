// SPDX-License-Identifier: MIT
#include "privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tlspolicyd::daemon {

config::FileOwners file_owners() {
  config::FileOwners owners = config::FileOwners::of_process();
  owners.user_id = [](const std::string& user) -> std::optional<uid_t> {
    // getpwnam_r: a reload runs this on its own thread.
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
    return found->pw_uid;
  };
  return owners;
}

PrivilegeResult drop_privileges(const config::ProcessSettings& settings, bool allow_root) {
  if (::geteuid() != 0) return {0, "running as uid " + std::to_string(::geteuid())};
  if (settings.user.empty()) {
    if (allow_root || settings.run_as_root) return {0, "running as root (run_as_root)"};
    return {77,
            "refusing to run as root: set user: in the configuration (the packages use tlspolicyd), or "
            "run_as_root: true"};
  }
  const passwd* pw = ::getpwnam(settings.user.c_str());
  if (pw == nullptr) return {67, "no such user: " + settings.user};
  const uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (!settings.group.empty()) {
    const group* gr = ::getgrnam(settings.group.c_str());
    if (gr == nullptr) return {67, "no such group: " + settings.group};
    gid = gr->gr_gid;
  }
  if (uid == 0) return {77, "user: " + settings.user + " is root"};
  auto fail = [](const std::string& what) { return PrivilegeResult{77, what + ": " + std::strerror(errno)}; };
  if (::initgroups(settings.user.c_str(), gid) != 0) return fail("initgroups");
  if (::setgid(gid) != 0) return fail("setgid");
  if (::setuid(uid) != 0) return fail("setuid");
  if (::setuid(0) == 0 || ::geteuid() == 0) return {77, "root could be regained after the drop"};
  return {0, "running as user " + settings.user + " (uid " + std::to_string(uid) + ", gid " + std::to_string(gid) + ")"};
}

}  // namespace tlspolicyd::daemon
