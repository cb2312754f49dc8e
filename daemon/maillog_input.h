// SPDX-License-Identifier: MIT
// maillog_input: what `simulate` and `history learn` read: Postfix's mail logs
// and, through postconf, its services.
//
// Logs are all opened before any is read (so that a command that writes, such
// as learn, writes nothing when one cannot be read, and can leave root's rights
// after opening them), each a regular file (O_NONBLOCK at open: a FIFO named by
// mistake does not hang it) or "-" for stdin. Each is then streamed in the order
// given through a 1 MiB buffer (zlib reads a gzip file and a plain one alike;
// a broken or cut gzip stream is an error), each with its own line parser (a
// traditional stamp's year is judged from the file's first line); a file that
// begins more than an hour before the previous one ends is said (give logs
// oldest first); a line longer than MaxLine is skipped and counted. On a
// terminal, stderr shows the progress every 256 MiB of log. Errors are said on
// stderr, prefixed with the command's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "maillog/log_line.h"
#include "maillog/services.h"
#include "maillog/transactions.h"

namespace tlspolicyd::daemon {

class MailLogs {
 public:
  static constexpr std::size_t MaxLine = 64 * 1024;

  explicit MailLogs(std::string command) : command_(std::move(command)) {}
  ~MailLogs();
  MailLogs(const MailLogs&) = delete;
  MailLogs& operator=(const MailLogs&) = delete;

  // Opens every log; false (said) when one cannot be opened.
  bool open(const std::vector<std::string>& paths);
  // Streams the opened logs' lines into `tx` (lines before `since` skipped), then
  // tx.finish(); false (said) when one cannot be read to its end.
  bool read(maillog::Transactions& tx, std::optional<std::int64_t> since);

 private:
  struct Log {
    std::string path;
    int fd = -1;
  };
  // `first` and `last` (0: none) become the first and the latest time read.
  bool read_one(Log& log, maillog::Transactions& tx, std::optional<std::int64_t> since, maillog::LineParser& parser,
                std::int64_t& first, std::int64_t& last);

  std::string command_;  // "tlspolicyd simulate"
  std::vector<Log> logs_;
  std::uint64_t bytes_ = 0, too_long_ = 0, next_progress_ = 0;
};

// The facts of Postfix's services per syslog name (maillog/services.h), from
// `postconf_command` ("none": not read; nothing known then, as when postconf
// fails). `config`'s listen addresses tell which policy service is ours.
[[nodiscard]] maillog::ServiceMap postfix_services(const std::string& postconf_command, const config::Config& config);

// The Unix time DURATION ("30d") before now, or nullopt (said) when it is not
// a duration; an empty text is the beginning of time (0).
[[nodiscard]] std::optional<std::int64_t> since_time(const std::string& duration, std::string_view command);

}  // namespace tlspolicyd::daemon
