// SPDX-License-Identifier: MIT
#include "util/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tlspolicyd::util {
namespace {

std::string mode_text(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Why a file of this type is not read, or empty for a regular file.
std::string type_reason(mode_t mode) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "not a regular file (a directory)";
  if (S_ISFIFO(mode)) return "not a regular file (a FIFO)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "not a regular file (a device)";
  if (S_ISSOCK(mode)) return "not a regular file (a socket)";
  return "not a regular file";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string untrusted_reason(uid_t owner, mode_t mode, const std::vector<uid_t>& owners) {
  if (std::find(owners.begin(), owners.end(), owner) == owners.end()) {
    return "is owned by uid " + std::to_string(owner) + ", not by root or the daemon's user";
  }
  if ((mode & S_IWOTH) != 0) return "is writable by others (mode " + mode_text(mode) + ")";
  if ((mode & S_IWGRP) != 0) return "is writable by its group (mode " + mode_text(mode) + ")";
  return {};
}

std::string read_file(const std::string& path, std::string& out, const ReadOptions& options) {
  out.clear();
  const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (options.follow_symlink ? 0 : O_NOFOLLOW);
  Fd f{::open(path.c_str(), flags)};
  if (f.fd < 0) {
    if (errno == ELOOP && !options.follow_symlink) {
      return "is a symbolic link (not followed: name the file it points to)";
    }
    return std::strerror(errno);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return std::strerror(errno);
  if (std::string why = type_reason(st.st_mode); !why.empty()) return why;
  if (options.owners != nullptr) {
    if (std::string why = untrusted_reason(st.st_uid, st.st_mode, *options.owners); !why.empty()) return why;
  }
  if (options.secret) {
    if ((st.st_mode & S_IROTH) != 0) return "is readable by others (mode " + mode_text(st.st_mode) + ")";
    if ((st.st_mode & S_IRGRP) != 0) return "is readable by its group (mode " + mode_text(st.st_mode) + ")";
  }
  if (static_cast<std::size_t>(st.st_size) > options.max_bytes) return "file too large";
  out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > options.max_bytes) return "file too large";
  }
  return {};
}

}  // namespace tlspolicyd::util
