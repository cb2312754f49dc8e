// SPDX-License-Identifier: MIT
// read_file: a whole configuration or list file into memory, with the reason
// when it is refused or fails.
//
// The file is opened non-blocking (a FIFO never blocks the open or a read), and,
// unless the caller allows it, without following a symbolic link as its last
// component; then fstat() on the open descriptor decides: anything but a regular
// file (a FIFO, a device, a socket, a directory) is refused before a byte is read.
// With `owners`, a file owned by another user than those, or writable by its group
// or by others, is refused before a byte is read, as sshd's StrictModes does.
// A `secret` (a password file) is refused too when its group or others may read it.
// Limits: only the last component is checked; the directories above it are not
// (their owners are the postmaster's business, as for /etc). Users are compared
// by number: whoever calls looks names up.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace tlspolicyd::util {

struct ReadOptions {
  std::size_t max_bytes = std::size_t{1} << 30;
  bool follow_symlink = false;              // false: a symbolic link is refused
  const std::vector<uid_t>* owners = nullptr;  // not null: who may own the file (and alone write it)
  bool secret = false;                         // true: refused when its group or others may read it
};

// Reads the file at `path` into `out`. Returns empty on success, else the reason
// ("No such file or directory", "not a regular file (a FIFO)", "is writable by
// others (mode 0666)", "is readable by its group (mode 0640)").
[[nodiscard]] std::string read_file(const std::string& path, std::string& out, const ReadOptions& options = {});

// Why a file with this owner and mode may not be trusted, or empty: an owner not
// in `owners`, or group or world write permission.
[[nodiscard]] std::string untrusted_reason(uid_t owner, mode_t mode, const std::vector<uid_t>& owners);

}  // namespace tlspolicyd::util
