// SPDX-License-Identifier: MIT
#include "logging.h"

#include "stderr_sink.h"
#include "syslog_sink.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/null_sink.h>
#include <syslog.h>

#include <unistd.h>

#include <string_view>

namespace tlspolicyd::daemon {
namespace {

// %* : "warning: " / "error: " before the message, nothing for info and below.
class SeverityPrefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view prefix;
    if (msg.level == spdlog::level::warn) prefix = "warning: ";
    else if (msg.level == spdlog::level::err) prefix = "error: ";
    else if (msg.level == spdlog::level::critical) prefix = "fatal: ";
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SeverityPrefix>();
  }
};

int facility_code(std::string_view name) {
  if (name == "daemon") return LOG_DAEMON;
  if (name == "user") return LOG_USER;
  if (name == "auth") return LOG_AUTH;
  if (name == "authpriv") return LOG_AUTHPRIV;
  if (name.size() == 6 && name.starts_with("local") && name[5] >= '0' && name[5] <= '7') {
    static constexpr int Local[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                    LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
    return Local[name[5] - '0'];
  }
  return LOG_MAIL;
}

}  // namespace

Logger make_logger(LogTarget target, const config::LogSettings& settings) {
  spdlog::sink_ptr sink;
  std::string pattern = "%*%v";
  switch (target) {
    case LogTarget::Syslog:
      sink = std::make_shared<SyslogSink>(settings.syslog_socket, settings.ident, facility_code(settings.facility));
      break;
    case LogTarget::Stderr:
      sink = std::make_shared<StderrSink>();
      // The pid is written into the pattern once: %P would ask the kernel per line.
      pattern = "%Y-%m-%dT%H:%M:%S.%e " + settings.ident + "[" + std::to_string(::getpid()) + "]: %*%v";
      break;
    case LogTarget::None:
      sink = std::make_shared<spdlog::sinks::null_sink_st>();
      break;
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<SeverityPrefix>('*').set_pattern(pattern);
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
