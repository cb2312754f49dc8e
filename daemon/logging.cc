// SPDX-License-Identifier: MIT
#include "logging.h"

#include "log/kv_line.h"
#include "stderr_sink.h"
#include "syslog_sink.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/null_sink.h>
#include <syslog.h>

#include <unistd.h>

#include <event2/event.h>

#include <chrono>
#include <ctime>
#include <string_view>

namespace tlspolicyd::daemon {
namespace {

// route_libevent_log's target and rate limit (see logging.h).
struct LibeventRoute {
  spdlog::logger* logger = nullptr;
  std::chrono::steady_clock::time_point minute{};
  int lines = 0;
  std::uint64_t dropped = 0;
};
LibeventRoute libevent_route;

void log_from_libevent(int severity, const char* message) {
  LibeventRoute& r = libevent_route;
  if (r.logger == nullptr || severity < EVENT_LOG_WARN) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - r.minute >= std::chrono::minutes(1)) {
    if (r.dropped > 0) r.logger->warn("libevent: {} more message(s) like the last were dropped", r.dropped);
    r.minute = now;
    r.lines = 0;
    r.dropped = 0;
  }
  if (r.lines >= LibeventLinesPerMinute) {
    ++r.dropped;
    return;
  }
  ++r.lines;
  std::string text;
  log::append_escaped(text, message != nullptr ? message : "");
  r.logger->warn("libevent: {}", text);
}


// "warning: " / "error: " / "fatal: " before a message, nothing for info and below.
std::string_view severity_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::warn: return "warning: ";
    case spdlog::level::err: return "error: ";
    case spdlog::level::critical: return "fatal: ";
    default: return {};
  }
}

// A log line: [local time to the millisecond, then `tag`] + severity prefix +
// message + LF. For stderr: "2026-11-29T03:00:00.123 ident[pid]: text"; for
// syslog (which stamps its own) only the prefix and the text. Written directly,
// not by spdlog's pattern formatter and its call per field: a decision line goes
// through here on the answer path. The time up to the second is formatted once a
// second.
class LineFormatter final : public spdlog::formatter {
 public:
  LineFormatter(bool stamp, std::string tag) : stamp_time_(stamp), tag_(std::move(tag)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    if (stamp_time_) append_time(msg.time, dest);
    const std::string_view prefix = severity_prefix(msg.level);
    dest.append(tag_.data(), tag_.data() + tag_.size());
    dest.append(prefix.data(), prefix.data() + prefix.size());
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(stamp_time_, tag_);
  }

 private:
  void append_time(spdlog::log_clock::time_point time, spdlog::memory_buf_t& dest) {
    using namespace std::chrono;
    const auto since_epoch = time.time_since_epoch();
    const auto second = duration_cast<seconds>(since_epoch);
    if (second != stamped_ || stamp_.empty()) {
      const std::time_t t = second.count();
      std::tm tm{};
      ::localtime_r(&t, &tm);
      stamp_ = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min, tm.tm_sec);
      stamped_ = second;
    }
    const auto millis = static_cast<int>(duration_cast<milliseconds>(since_epoch - second).count());
    const char digits[3] = {static_cast<char>('0' + millis / 100), static_cast<char>('0' + millis / 10 % 10),
                            static_cast<char>('0' + millis % 10)};
    dest.append(stamp_.data(), stamp_.data() + stamp_.size());
    dest.append(digits, digits + 3);
  }

  bool stamp_time_;
  std::string tag_;    // " ident[pid]: " after the time, or nothing
  std::string stamp_;  // "2026-11-29T03:00:00."
  std::chrono::seconds stamped_{};
};

int facility_code(config::SyslogFacility facility) {
  using F = config::SyslogFacility;
  switch (facility) {
    case F::Mail: return LOG_MAIL;
    case F::Daemon: return LOG_DAEMON;
    case F::User: return LOG_USER;
    case F::Auth: return LOG_AUTH;
    case F::Authpriv: return LOG_AUTHPRIV;
    case F::Local0: return LOG_LOCAL0;
    case F::Local1: return LOG_LOCAL1;
    case F::Local2: return LOG_LOCAL2;
    case F::Local3: return LOG_LOCAL3;
    case F::Local4: return LOG_LOCAL4;
    case F::Local5: return LOG_LOCAL5;
    case F::Local6: return LOG_LOCAL6;
    case F::Local7: return LOG_LOCAL7;
  }
  return LOG_MAIL;
}

}  // namespace

Logger make_logger(LogTarget target, const config::LogSettings& settings) {
  spdlog::sink_ptr sink;
  auto formatter = std::make_unique<LineFormatter>(false, std::string());
  switch (target) {
    case LogTarget::Syslog:
      sink = std::make_shared<SyslogSink>(settings.syslog_socket, settings.ident, facility_code(settings.facility));
      break;
    case LogTarget::Stderr:
      sink = std::make_shared<StderrSink>();
      // The pid is written once: %P would ask the kernel per line.
      formatter = std::make_unique<LineFormatter>(true, " " + settings.ident + "[" + std::to_string(::getpid()) + "]: ");
      break;
    case LogTarget::None:
      sink = std::make_shared<spdlog::sinks::null_sink_st>();
      break;
  }
  sink->set_formatter(std::move(formatter));
  auto logger = std::make_shared<spdlog::logger>(settings.ident, std::move(sink));
  set_level(*logger, settings.level);
  // Errors and warnings must reach the log even if the process dies right after.
  logger->flush_on(spdlog::level::warn);
  return logger;
}

void set_batch_waker(spdlog::logger& logger, std::function<void()> wake) {
  for (auto& sink : logger.sinks()) {
    if (auto* batched = dynamic_cast<StderrSink*>(sink.get())) batched->set_waker(wake);
  }
}

bool log_waiting(spdlog::logger& logger) {
  for (auto& sink : logger.sinks()) {
    if (auto* batched = dynamic_cast<StderrSink*>(sink.get()); batched != nullptr && batched->waiting()) return true;
  }
  return false;
}

std::pair<std::string_view, std::uint64_t> log_lines_dropped(const spdlog::logger& logger) {
  for (const auto& sink : logger.sinks()) {
    if (const auto* s = dynamic_cast<const SyslogSink*>(sink.get())) return {"syslog", s->dropped()};
    if (const auto* s = dynamic_cast<const StderrSink*>(sink.get())) return {"stderr", s->dropped()};
  }
  return {"", 0};
}

void route_libevent_log(spdlog::logger* logger) {
  libevent_route = LibeventRoute{logger};
  event_set_log_callback(logger != nullptr ? &log_from_libevent : nullptr);
}


void set_level(spdlog::logger& logger, config::LogLevel level) {
  switch (level) {
    case config::LogLevel::Trace: logger.set_level(spdlog::level::trace); break;
    case config::LogLevel::Debug: logger.set_level(spdlog::level::debug); break;
    case config::LogLevel::Info: logger.set_level(spdlog::level::info); break;
    case config::LogLevel::Warning: logger.set_level(spdlog::level::warn); break;
    case config::LogLevel::Error: logger.set_level(spdlog::level::err); break;
  }
}

}  // namespace tlspolicyd::daemon
