// SPDX-License-Identifier: MIT
// log_line: one line of a mail log split into its time, host, program, process
// id and message.
//
// Two formats: the traditional syslog one ("Dec  3 06:40:01 mx postfix/smtpd[123]:
// MESSAGE", rsyslog's default on Debian 12; Postfix's own maillog_file writes
// "Dec 03 06:40:01" and may add ".123456") and RFC 3339
// ("2026-12-03T06:40:01.123456+00:00 mx ...", newer rsyslog; `journalctl -o
// short-iso` writes "+0000"). A traditional stamp has no year and is local time:
// the year is taken from `now` (a stamp in a later month than now's is last year's)
// and advances when the months go back (December to January); local time is
// converted once per hour of the log. Lines in neither format, or without
// "PROGRAM[PID]: ", are not LogLines (nullopt): the caller counts them. No
// allocation: the views point into the line.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace tlspolicyd::maillog {

struct LogLine {
  std::int64_t time = 0;     // seconds since the epoch, UTC
  std::uint32_t micros = 0;  // when the stamp has them
  std::string_view host;
  std::string_view program;  // "postfix/smtpd", "postfix/submission/smtpd"
  std::uint32_t pid = 0;
  std::string_view message;  // after "]: "
};

class LineParser {
 public:
  // `now`: the time a traditional stamp's year is judged from.
  explicit LineParser(std::time_t now);

  [[nodiscard]] std::optional<LogLine> parse(std::string_view line);

 private:
  // Seconds since the epoch of local time YEAR-MON-DAY HOUR:00:00 (cached per hour).
  std::int64_t local_hour(int year, int mon, int day, int hour);
  bool traditional_stamp(std::string_view& rest, LogLine& out);

  int year_;
  int now_month_;
  int last_month_ = -1;  // of the previous traditional stamp
  std::int64_t cached_key_ = -1;
  std::int64_t cached_hour_ = 0;
};

}  // namespace tlspolicyd::maillog
