// SPDX-License-Identifier: MIT
#include "maillog_input.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <variant>

#include "config/duration.h"
#include "config/listen_address.h"
#include "maillog/log_line.h"
#include "postconf_reader.h"

namespace tlspolicyd::daemon {
namespace {

constexpr std::size_t BufferBytes = 1 << 20;
constexpr std::uint64_t ProgressEvery = 256ull << 20;  // bytes of log

std::optional<std::uint16_t> port_of(std::string_view name) {
  const std::string n(name);
  servent* s = ::getservbyname(n.c_str(), "tcp");  // /etc/services, as master(8) reads it
  if (s == nullptr) return std::nullopt;
  return static_cast<std::uint16_t>(ntohs(static_cast<std::uint16_t>(s->s_port)));
}

}  // namespace

MailLogs::~MailLogs() {
  for (const Log& log : logs_) {
    if (log.fd >= 0) ::close(log.fd);
  }
}

bool MailLogs::open(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    // O_NONBLOCK: a FIFO named by mistake must not hang the open; a log is a regular file.
    const int fd = path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st {};
    std::string why;
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      why = std::strerror(errno);
    } else if (path != "-" && !S_ISREG(st.st_mode)) {
      why = "not a regular file";
    }
    if (fd >= 0) logs_.push_back({path, fd});
    if (!why.empty()) {
      std::cerr << command_ << ": cannot read " << path << ": " << why << "\n";
      return false;
    }
    if (path != "-") ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  return true;
}

bool MailLogs::read(maillog::Transactions& tx, std::optional<std::int64_t> since) {
  next_progress_ = ProgressEvery;
  std::int64_t previous_last = 0;
  std::string previous;
  for (Log& log : logs_) {
    // One parser per file: a traditional stamp's year is judged from each file's first line.
    maillog::LineParser parser(std::time(nullptr));
    std::int64_t first = 0, last = 0;
    if (!read_one(log, tx, since, parser, first, last)) return false;
    if (first != 0 && previous_last != 0 && first < previous_last - 3600) {
      std::cerr << command_ << ": " << log.path << " begins before " << previous
                << " ends: give logs oldest first (mail.log.1 before mail.log)\n";
    }
    if (last != 0) {
      previous_last = last;
      previous = log.path;
    }
  }
  tx.finish();
  if (::isatty(STDERR_FILENO) == 1 && bytes_ >= ProgressEvery) std::cerr << "\r\033[K" << std::flush;
  if (too_long_ > 0) std::cerr << command_ << ": skipped " << too_long_ << " line(s) longer than 64 KiB\n";
  return true;
}

bool MailLogs::read_one(Log& log, maillog::Transactions& tx, std::optional<std::int64_t> since,
                        maillog::LineParser& parser, std::int64_t& first, std::int64_t& last) {
  gzFile gz = ::gzdopen(log.fd, "rb");
  if (gz == nullptr) {
    std::cerr << command_ << ": cannot read " << log.path << "\n";
    return false;
  }
  log.fd = -1;  // gzclose closes it
  ::gzbuffer(gz, 256 * 1024);
  const bool progress = ::isatty(STDERR_FILENO) == 1;
  auto on_line = [&](std::string_view line) {
    auto parsed = parser.parse(line);
    if (!parsed) {
      tx.count_unparsed();
    } else if (!since || parsed->time >= *since) {
      if (first == 0) first = parsed->time;
      last = std::max(last, parsed->time);
      tx.add(*parsed);
    }
    if (progress && bytes_ >= next_progress_) {
      std::cerr << "\r" << command_ << ": " << (bytes_ >> 20) << " MiB, " << tx.totals().lines << " lines" << std::flush;
      next_progress_ = bytes_ + ProgressEvery;
    }
  };
  std::string buf(BufferBytes, '\0');
  std::size_t have = 0;
  bool skipping = false;  // inside a line longer than MaxLine
  for (;;) {
    const int n = ::gzread(gz, buf.data() + have, static_cast<unsigned>(buf.size() - have));
    int err = Z_OK;
    const char* why = ::gzerror(gz, &err);
    if (n < 0 || (n == 0 && err != Z_OK)) {  // a broken or cut gzip stream
      std::string_view text = why;
      if (text.starts_with("<fd:")) text.remove_prefix(std::min(text.size(), text.find(": ") + 2));  // zlib's name for it
      std::cerr << command_ << ": cannot read " << log.path << ": " << text << "\n";
      ::gzclose(gz);
      return false;
    }
    bytes_ += static_cast<std::uint64_t>(n);
    const std::size_t end = have + static_cast<std::size_t>(n);
    std::size_t start = 0;
    for (std::size_t lf; (lf = std::string_view(buf.data() + start, end - start).find('\n')) != std::string_view::npos;) {
      if (!skipping) on_line(std::string_view(buf.data() + start, lf));
      skipping = false;
      start += lf + 1;
    }
    have = end - start;
    if (n == 0) {
      if (have > 0 && !skipping) on_line(std::string_view(buf.data() + start, have));
      break;
    }
    if (have >= MaxLine) {
      ++too_long_;
      skipping = true;
      have = 0;
    } else {
      std::memmove(buf.data(), buf.data() + start, have);
    }
  }
  ::gzclose(gz);
  return true;
}

maillog::ServiceMap postfix_services(const std::string& postconf_command, const config::Config& config) {
  if (postconf_command == "none") return {};
  const auto instances = read_instances(postconf_command);
  if (!instances.front().unreadable.empty()) return {};
  auto listen = config.listen;
  if (listen.empty()) listen.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));
  return maillog::service_map(instances, listen, port_of);
}

std::optional<std::int64_t> since_time(const std::string& duration, std::string_view command) {
  if (duration.empty()) return 0;
  auto d = config::parse_duration(duration);
  if (!d) {
    std::cerr << command << ": --since " << duration << ": not a duration (e.g. 30d, 12h)\n";
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::time(nullptr)) - d->count();
}

}  // namespace tlspolicyd::daemon
