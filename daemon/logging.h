// SPDX-License-Identifier: MIT
// logging: the daemon's log sinks (syslog, stderr, or nothing) on spdlog.
//
// One logger object, passed to whoever logs; no global logger. Syslog lines go to
// log.syslog.socket without ever blocking (syslog_sink.h), with the priority of
// their level; stderr lines add an ISO time and "ident[pid]:" and never block on
// a stalled pipe or socket either (stderr_sink.h). Warnings and errors start
// with "warning: " / "error: ", as in Postfix's own logs. Messages that contain
// outside data must be built with log::KvLine or log::append_escaped.
#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "config/config.h"

namespace tlspolicyd::daemon {

using Logger = std::shared_ptr<spdlog::logger>;

enum class LogTarget { Syslog, Stderr, None };

// A logger writing to `target`, with ident/facility from `settings` (syslog).
[[nodiscard]] Logger make_logger(LogTarget target, const config::LogSettings& settings);

// With --log-stderr, lines are written in batches: `wake` is called when the first
// line of a batch is buffered, and the daemon flushes the logger soon after
// (LogFlusher: 50 ms later; a batch over 64 KiB goes at once). Warnings and errors
// are always written at once. Without a waker, every line is written at once. No
// effect on syslog, where every line is a message of its own.
void set_batch_waker(spdlog::logger& logger, std::function<void()> wake);

// True while stderr's reader has not taken every line yet: the daemon flushes
// again a little later (and the waker is called when a line finds it so).
[[nodiscard]] bool log_waiting(spdlog::logger& logger);

// The sink's name ("syslog", "stderr") and the log lines it dropped since
// start; {"", 0} without one (LogTarget::None).
[[nodiscard]] std::pair<std::string_view, std::uint64_t> log_lines_dropped(const spdlog::logger& logger);

// Routes libevent's own messages (its listeners, evhttp) into `logger` instead of
// stderr: warnings and errors at warning level, at most LibeventLinesPerMinute a
// minute, then one line saying how many were dropped. nullptr: libevent's
// default again. libevent's callback takes no argument, so this is the daemon's
// one piece of process-wide state; loop thread only.
inline constexpr int LibeventLinesPerMinute = 10;
void route_libevent_log(spdlog::logger* logger);

// Applies the configured level (on start and on reload).
void set_level(spdlog::logger& logger, config::LogLevel level);

}  // namespace tlspolicyd::daemon
