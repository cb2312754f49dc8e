// SPDX-License-Identifier: MIT
// harness: runs the real tlspolicyd binary and talks to it, for integration tests.
//
// Every wait has a deadline (Deadline, 20 s) that only turns a hang into a test
// failure; no test passes or fails because something was fast or slow. The daemon
// logs to stderr (--log-stderr), which the harness collects, so tests wait for log
// lines ("ready:", "configuration generation 2 loaded") instead of sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <string>
#include <string_view>
#include <vector>

namespace tlspolicyd::test {

inline constexpr std::chrono::seconds Deadline{20};

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, std::string_view content) const;

 private:
  std::string path_;
};

// The tlspolicyd binary under test.
[[nodiscard]] std::string binary();

// A running `tlspolicyd serve --log-stderr ARGS...`.
class Daemon {
 public:
  struct Options {
    bool wait_ready = true;
    std::vector<std::string> env;      // NAME=VALUE added to the environment
    std::vector<std::string> wrapper;  // a program that runs the daemon (systemd-socket-activate ...)
    bool log_stderr = true;            // false: the configured syslog socket (no "ready:" to wait for)
  };
  // Starts the daemon; when wait_ready, waits for its "ready:" line.
  explicit Daemon(std::vector<std::string> args, bool wait_ready = true);
  Daemon(std::vector<std::string> args, Options options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits for a log line containing `needle` that this call has not returned
  // before; returns it (or fails the test at the deadline).
  std::string wait_for_log(std::string_view needle);
  // The same for the first of several needles.
  std::string wait_for_log_any(std::initializer_list<std::string_view> needles);
  // Waits for the process to end; returns its exit code (128+N for signal N).
  int wait_exit();
  // Everything logged so far.
  [[nodiscard]] std::string log();
  // Stops reading the daemon's stderr (true), as a stalled reader would, or reads
  // it again (false). Held, the pipe fills once the daemon has written 64 KiB.
  void hold_log(bool hold);

 private:
  // stderr is read all the time by a thread: a daemon blocked on a full pipe
  // would look like a daemon that does not answer.
  void read_stderr();

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable grew_;
  std::string log_;        // guarded by mutex_
  bool log_ended_ = false;  // guarded by mutex_
  bool log_held_ = false;   // guarded by mutex_
  std::condition_variable released_;
  std::set<std::size_t> returned_;  // line offsets wait_for_log returned
  std::optional<int> exit_code_;
};

// A client connection to the daemon.
class Client {
 public:
  static Client unix_socket(const std::string& path);
  static Client tcp(const std::string& host, int port);
  // From a chosen local address (127.0.0.2), and as the local user `as_uid` (the
  // socket's owner to the kernel, which the daemon asks: setfsuid() around
  // socket(); root only) rather than the test's own.
  // `bound_to_lo`: with SO_BINDTODEVICE "lo", which hides the socket from a
  // lookup on every interface (an attacker's trick).
  static Client tcp_from(const std::string& source, const std::string& host, int port,
                         std::optional<uid_t> as_uid = std::nullopt, bool bound_to_lo = false);
  Client(Client&& other) noexcept;
  ~Client();

  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  // Sends all of `data` (false when the peer is gone).
  bool send(std::string_view data);
  // Sends what the socket takes now, without waiting; returns how many bytes.
  std::size_t send_some(std::string_view data);
  // Reads one answer (up to and including the blank line); nullopt at EOF.
  std::optional<std::string> answer();
  // True when the daemon closes the connection without sending anything more.
  bool closed_without_answer();
  // Reads what arrives; false once the peer has closed (for HTTP responses).
  bool fill_until_closed() { return fill(); }
  // Bytes received and not yet returned by answer().
  [[nodiscard]] const std::string& pending() const { return buf_; }
  void close();

 private:
  explicit Client(int fd) : fd_(fd) {}
  // Reads more bytes; false at EOF.
  bool fill();
  int fd_ = -1;
  std::string buf_;
};

// Any other program, killed (SIGKILL) at destruction if still running.
class Process {
 public:
  explicit Process(std::vector<std::string> argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void signal(int sig) const;
  int wait_exit();  // exit code, 128+N for signal N

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A free TCP port on 127.0.0.1 (bound and released; the caller binds it next).
[[nodiscard]] int free_port();

// An HTTP/1.0 GET of 127.0.0.1:port; returns the whole response.
[[nodiscard]] std::string http_get(int port, const std::string& path);

// The value of the sample `series` (its name and labels exactly as on the page,
// e.g. tlspolicyd_requests_total or x_total{a="b"}) on a metrics page; -1 if absent.
[[nodiscard]] double metric_value(const std::string& page, const std::string& series);

// Waits until something accepts on 127.0.0.1:port.
void wait_for_port(int port);

// A redis-server on a free loopback port, without persistence, for the test.
class RedisServer {
 public:
  struct Options {
    std::string requirepass;    // the default user's password; empty: none
    std::string user;           // an ACL user (keys tlspolicyd:* only, all commands); empty: none
    std::string user_password;  // its password
    std::string unix_socket;    // also listens on this unix socket (mode 0700); empty: no socket
  };
  RedisServer();
  explicit RedisServer(int port);
  RedisServer(int port, Options options);
  [[nodiscard]] int port() const { return port_; }
  void kill();  // SIGKILL, and wait for it
  // SIGSTOP / SIGCONT: a store that stops answering without closing anything.
  void freeze() const { process_->signal(SIGSTOP); }
  void thaw() const { process_->signal(SIGCONT); }
  // "redis-cli -p PORT" (with the default user's password, if any) and `args`.
  [[nodiscard]] std::vector<std::string> cli(std::vector<std::string> args) const;

 private:
  int port_;
  Options options_;
  std::unique_ptr<Process> process_;
};

// A syslog daemon of our own: a datagram socket at `path` (log.syslog.socket).
class SyslogServer {
 public:
  explicit SyslogServer(std::string path);
  ~SyslogServer();
  SyslogServer(const SyslogServer&) = delete;
  SyslogServer& operator=(const SyslogServer&) = delete;
  void open();
  void close();
  // The next datagram, or nullopt when none comes within `wait_ms`.
  std::optional<std::string> next(int wait_ms);
  // Waits (up to the deadline) for a datagram containing `needle`.
  std::string wait_for(std::string_view needle);
  // Reads everything queued.
  void drain();
  // Everything queued now, one datagram a line.
  std::string take_all();

 private:
  std::string path_;
  int fd_ = -1;
};

// A Postfix-like request with the given overrides of a plaintext RCPT request.
[[nodiscard]] std::string request(const std::vector<std::pair<std::string, std::string>>& attributes = {});

// Runs `tlspolicyd ARGS...` to completion with `input` on stdin.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
[[nodiscard]] RunResult run(const std::vector<std::string>& args, std::string_view input = {});
// Runs any program (found on PATH) the same way.
[[nodiscard]] RunResult run_program(std::vector<std::string> argv, std::string_view input = {});

}  // namespace tlspolicyd::test
