// SPDX-License-Identifier: MIT
#include "maillog/log_line.h"

#include <array>

namespace tlspolicyd::maillog {
namespace {

constexpr std::array<std::string_view, 12> Months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool digit(char c) { return c >= '0' && c <= '9'; }

// N digits at `s[pos]`, or -1.
int number(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "HH:MM:SS" at `s[pos]`: seconds into the day, or -1.
int clock_seconds(std::string_view s, std::size_t pos) {
  const int h = number(s, pos, 2), m = number(s, pos + 3, 2), sec = number(s, pos + 6, 2);
  if (h < 0 || m < 0 || sec < 0 || s[pos + 2] != ':' || s[pos + 5] != ':' || h > 23 || m > 59 || sec > 60) return -1;
  return h * 3600 + m * 60 + sec;
}

// ".123456" (any number of digits) at `s[pos]`: the microseconds; advances `pos`.
std::uint32_t fraction(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '.') return 0;
  ++pos;
  std::uint32_t v = 0;
  int n = 0;
  for (; pos < s.size() && digit(s[pos]); ++pos, ++n) {
    if (n < 6) v = v * 10 + static_cast<std::uint32_t>(s[pos] - '0');
  }
  for (; n < 6; ++n) v *= 10;
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "HOST PROGRAM[PID]: MESSAGE" after the stamp.
bool rest_of_line(std::string_view rest, LogLine& out) {
  const auto sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  out.host = rest.substr(0, sp);
  rest.remove_prefix(sp + 1);
  const auto colon = rest.find("]: ");
  if (colon == std::string_view::npos) return false;
  const auto open = rest.rfind('[', colon);
  if (open == std::string_view::npos || open == 0 || rest.substr(0, open).find(' ') != std::string_view::npos) {
    return false;
  }
  std::uint32_t pid = 0;
  for (std::size_t i = open + 1; i < colon; ++i) {
    if (!digit(rest[i]) || pid > 100'000'000) return false;
    pid = pid * 10 + static_cast<std::uint32_t>(rest[i] - '0');
  }
  if (colon == open + 1) return false;
  out.program = rest.substr(0, open);
  out.pid = pid;
  out.message = rest.substr(colon + 3);
  return true;
}

}  // namespace

LineParser::LineParser(std::time_t now) {
  std::tm tm{};
  ::localtime_r(&now, &tm);
  year_ = tm.tm_year + 1900;
  now_month_ = tm.tm_mon;
}

std::int64_t LineParser::local_hour(int year, int mon, int day, int hour) {
  const std::int64_t key = ((static_cast<std::int64_t>(year) * 12 + mon) * 32 + day) * 24 + hour;
  if (key == cached_key_) return cached_hour_;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_isdst = -1;
  cached_key_ = key;
  cached_hour_ = static_cast<std::int64_t>(::mktime(&tm));
  return cached_hour_;
}

bool LineParser::traditional_stamp(std::string_view& rest, LogLine& out) {
  // "Mmm dd HH:MM:SS" or "Mmm  d HH:MM:SS", then an optional fraction.
  if (rest.size() < 16 || rest[3] != ' ' || rest[6] != ' ') return false;
  int mon = -1;
  for (std::size_t i = 0; i < Months.size(); ++i) {
    if (rest.substr(0, 3) == Months[i]) mon = static_cast<int>(i);
  }
  if (mon < 0) return false;
  const int day = rest[4] == ' ' ? number(rest, 5, 1) : number(rest, 4, 2);
  const int secs = clock_seconds(rest, 7);
  if (day < 1 || day > 31 || secs < 0) return false;
  std::size_t pos = 15;
  out.micros = fraction(rest, pos);
  if (pos >= rest.size() || rest[pos] != ' ') return false;
  if (last_month_ < 0) {
    if (mon > now_month_) --year_;  // a log that starts in a later month than now is last year's
  } else if (mon + 6 < last_month_) {
    ++year_;  // December, then January
  }
  last_month_ = mon;
  out.time = local_hour(year_, mon, day, secs / 3600) + secs % 3600;
  rest.remove_prefix(pos + 1);
  return true;
}

std::optional<LogLine> LineParser::parse(std::string_view line) {
  LogLine out;
  std::string_view rest = line;
  if (rest.size() > 20 && digit(rest[0]) && rest[4] == '-' && rest[10] == 'T') {
    // YYYY-MM-DDTHH:MM:SS[.f](Z|+HH:MM|+HHMM)
    const int y = number(rest, 0, 4), m = number(rest, 5, 2), d = number(rest, 8, 2);
    const int secs = clock_seconds(rest, 11);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31 || rest[7] != '-' || secs < 0) return std::nullopt;
    std::size_t pos = 19;
    out.micros = fraction(rest, pos);
    int offset = 0;
    if (pos < rest.size() && rest[pos] == 'Z') {
      ++pos;
    } else if (pos < rest.size() && (rest[pos] == '+' || rest[pos] == '-')) {
      const int sign = rest[pos] == '-' ? -1 : 1;
      const int oh = number(rest, pos + 1, 2);
      const bool colon = pos + 3 < rest.size() && rest[pos + 3] == ':';
      const int om = number(rest, pos + (colon ? 4 : 3), 2);
      if (oh < 0 || om < 0) return std::nullopt;
      offset = sign * (oh * 3600 + om * 60);
      pos += colon ? 6 : 5;
    } else {
      return std::nullopt;
    }
    if (pos >= rest.size() || rest[pos] != ' ') return std::nullopt;
    out.time = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 + secs - offset;
    rest.remove_prefix(pos + 1);
  } else if (!traditional_stamp(rest, out)) {
    return std::nullopt;
  }
  if (!rest_of_line(rest, out)) return std::nullopt;
  return out;
}

}  // namespace tlspolicyd::maillog
