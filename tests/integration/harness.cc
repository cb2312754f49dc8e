// SPDX-License-Identifier: MIT
#include "harness.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace tlspolicyd::test {
namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = "/tmp/tlspolicyd-test.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, std::string_view content) const {
  std::string full = path_ + "/" + name;
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return full;
}

std::string binary() { return TLSPOLICYD_BINARY; }

Daemon::Daemon(std::vector<std::string> args, bool wait_ready) : Daemon(std::move(args), Options{wait_ready, {}, {}, true}) {}

Daemon::Daemon(std::vector<std::string> args, Options options) {
  args.insert(args.begin(), {binary(), "serve", "--run-as-root"});
  if (options.log_stderr) args.insert(args.begin() + 2, "--log-stderr");
  args.insert(args.begin(), options.wrapper.begin(), options.wrapper.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), options.env.begin(), options.env.end());
  auto envp = argv_of(env);
  int err_pipe[2];
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  auto argv = argv_of(args);
  int rc = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  stderr_fd_ = err_pipe[0];
  REQUIRE_MESSAGE(rc == 0, "cannot start " << argv[0] << ": " << std::strerror(rc));
  reader_ = std::thread([this] { read_stderr(); });
  if (options.wait_ready) wait_for_log("ready:");
}

Daemon::~Daemon() {
  hold_log(false);
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();  // ends at EOF, when the daemon is gone
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
  // In a sanitizer build (docs/testing.md) a finding ends the daemon with a report.
  const std::string all = log();
  CHECK_MESSAGE((all.find("Sanitizer") == std::string::npos && all.find("runtime error:") == std::string::npos),
                "the daemon's sanitizer report:\n" << all);
}

void Daemon::signal(int sig) const { ::kill(pid_, sig); }

void Daemon::hold_log(bool hold) {
  std::lock_guard lock(mutex_);
  log_held_ = hold;
  released_.notify_all();
}

void Daemon::read_stderr() {
  char buf[4096];
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      released_.wait(lock, [this] { return !log_held_; });
    }
    ssize_t n = ::read(stderr_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      log_ended_ = true;
      grew_.notify_all();
      return;
    }
    log_.append(buf, static_cast<std::size_t>(n));
    grew_.notify_all();
  }
}

std::string Daemon::wait_for_log(std::string_view needle) { return wait_for_log_any({needle}); }

std::string Daemon::wait_for_log_any(std::initializer_list<std::string_view> needles) {
  std::unique_lock lock(mutex_);
  const auto until = Clock::now() + Deadline;
  for (;;) {
    for (std::string_view needle : needles) {
      for (auto pos = log_.find(needle); pos != std::string::npos; pos = log_.find(needle, pos + 1)) {
        auto end = log_.find('\n', pos);
        if (end == std::string::npos) break;
        auto begin = log_.rfind('\n', pos);
        begin = begin == std::string::npos ? 0 : begin + 1;
        if (!returned_.insert(begin).second) continue;
        return log_.substr(begin, end - begin);
      }
    }
    if (log_ended_ || grew_.wait_until(lock, until) == std::cv_status::timeout) {
      FAIL("no log line with \"" << *needles.begin() << "\" (or the others); log so far:\n" << log_);
      return {};
    }
  }
}

int Daemon::wait_exit() {
  if (exit_code_) return *exit_code_;
  const auto until = Clock::now() + Deadline;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (Clock::now() >= until) {
      FAIL("daemon did not exit; log:\n" << log());
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  exit_code_ = exit_code_of(status);
  if (reader_.joinable()) reader_.join();
  return *exit_code_;
}

std::string Daemon::log() {
  std::lock_guard lock(mutex_);
  return log_;
}

Client Client::unix_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return Client(-1);
  }
  return Client(fd);
}

Client Client::tcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return Client(-1);
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0) {
    ::close(fd);
    return Client(-1);
  }
  return Client(fd);
}

Client Client::tcp_from(const std::string& source, const std::string& host, int port, std::optional<uid_t> as_uid,
                        bool bound_to_lo) {
  sockaddr_in from{};
  from.sin_family = AF_INET;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 || ::inet_pton(AF_INET, host.c_str(), &to.sin_addr) != 1) {
    return Client(-1);
  }
  const int own_fsuid = as_uid ? ::setfsuid(*as_uid) : 0;  // this thread only
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (as_uid) {
    ::setfsuid(static_cast<uid_t>(own_fsuid));
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    REQUIRE(st.st_uid == *as_uid);  // setfsuid() says nothing when it fails
  }
  if (bound_to_lo) REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) == 0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return Client(-1);
  }
  return Client(fd);
}

Client::Client(Client&& other) noexcept : fd_(other.fd_), buf_(std::move(other.buf_)) { other.fd_ = -1; }

Client::~Client() { close(); }

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Client::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t Client::send_some(std::string_view data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  return sent;
}

bool Client::fill() {
  const auto until = Clock::now() + Deadline;
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, ms_left(until));
  REQUIRE_MESSAGE(rc > 0, "no data from the daemon within the deadline");
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buf_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Client::answer() {
  for (;;) {
    auto end = buf_.find("\n\n");
    if (end != std::string::npos) {
      std::string out = buf_.substr(0, end + 2);
      buf_.erase(0, end + 2);
      return out;
    }
    if (!fill()) return std::nullopt;
  }
}

bool Client::closed_without_answer() {
  while (fill()) {
  }
  return buf_.empty();
}

Process::Process(std::vector<std::string> args) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  auto argv = argv_of(args);
  int rc = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(rc == 0, "cannot start " << args[0] << ": " << std::strerror(rc));
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Process::signal(int sig) const { ::kill(pid_, sig); }

int Process::wait_exit() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  return exit_code_of(status);
}

std::string http_get(int port, const std::string& path) {
  Client c = Client::tcp("127.0.0.1", port);
  REQUIRE(c.connected());
  REQUIRE(c.send("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n"));
  while (c.fill_until_closed()) {
  }
  return c.pending();
}

double metric_value(const std::string& page, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const auto at = page.find(key);
  if (at == std::string::npos) return -1;
  return std::strtod(page.c_str() + at + key.size(), nullptr);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

void wait_for_port(int port) {
  const auto until = Clock::now() + Deadline;
  while (!Client::tcp("127.0.0.1", port).connected()) {
    REQUIRE_MESSAGE(Clock::now() < until, "nothing listens on port " << port);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RedisServer::RedisServer() : RedisServer(free_port()) {}

RedisServer::RedisServer(int port) : RedisServer(port, Options{}) {}

RedisServer::RedisServer(int port, Options options) : port_(port), options_(std::move(options)) {
  std::vector<std::string> argv = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--protected-mode", "no",
                                   "--daemonize", "no"};
  if (!options_.requirepass.empty()) argv.insert(argv.end(), {"--requirepass", options_.requirepass});
  if (!options_.user.empty()) {
    argv.insert(argv.end(), {"--user", options_.user, "on", ">" + options_.user_password, "~tlspolicyd:*", "+@all"});
  }
  if (!options_.unix_socket.empty()) {
    argv.insert(argv.end(), {"--unixsocket", options_.unix_socket, "--unixsocketperm", "700"});
  }
  process_ = std::make_unique<Process>(std::move(argv));
  wait_for_port(port_);
  if (!options_.unix_socket.empty()) {
    const auto until = std::chrono::steady_clock::now() + Deadline;
    struct stat st {};
    while (::stat(options_.unix_socket.c_str(), &st) != 0) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < until, "redis-server made no socket " << options_.unix_socket);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

std::vector<std::string> RedisServer::cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port_)};
  if (!options_.requirepass.empty()) argv.insert(argv.end(), {"-a", options_.requirepass, "--no-auth-warning"});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void RedisServer::kill() {
  process_->signal(SIGKILL);
  process_->wait_exit();
}

std::string request(const std::vector<std::pair<std::string, std::string>>& attributes) {
  std::vector<std::pair<std::string, std::string>> base = {
      {"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"},  {"protocol_name", "ESMTP"},
      {"client_address", "192.0.2.10"},    {"client_name", "mx.example.net"},
      {"client_port", "52114"},           {"reverse_client_name", "mx.example.net"},
      {"server_address", "198.51.100.5"}, {"server_port", "25"},        {"helo_name", "mx.example.net"},
      {"sender", "alice@example.net"},    {"recipient", "bob@example.org"},
      {"recipient_count", "0"},           {"queue_id", ""},             {"instance", "1f3a.66c9e0b1.4d2a1.0"},
      {"size", "1234"},                   {"etrn_domain", ""},          {"stress", ""},
      {"sasl_method", ""},                {"sasl_username", ""},        {"sasl_sender", ""},
      {"ccert_subject", ""},              {"ccert_issuer", ""},         {"ccert_fingerprint", ""},
      {"ccert_pubkey_fingerprint", ""},   {"encryption_protocol", ""},  {"encryption_cipher", ""},
      {"encryption_keysize", "0"},        {"policy_context", ""}};
  for (const auto& [name, value] : attributes) {
    bool replaced = false;
    for (auto& b : base) {
      if (b.first == name) {
        b.second = value;
        replaced = true;
      }
    }
    if (!replaced) base.emplace_back(name, value);
  }
  std::string out;
  for (const auto& [name, value] : base) out += name + "=" + value + "\n";
  return out + "\n";
}

RunResult run(const std::vector<std::string>& args_in, std::string_view input) {
  std::vector<std::string> args = args_in;
  args.insert(args.begin(), binary());
  return run_program(std::move(args), input);
}

RunResult run_program(std::vector<std::string> args, std::string_view input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  auto argv = argv_of(args);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  REQUIRE(rc == 0);
  // Small inputs fit in the pipe; tests never send more than 64 KiB here.
  (void)!::write(in_pipe[1], input.data(), input.size());
  ::close(in_pipe[1]);

  RunResult result;
  const auto until = Clock::now() + Deadline;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    int n = ::poll(fds, 2, ms_left(until));
    REQUIRE_MESSAGE(n > 0, "command did not finish: " << args[0]);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(got));
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = exit_code_of(status);
  return result;
}

SyslogServer::SyslogServer(std::string path) : path_(std::move(path)) { open(); }
SyslogServer::~SyslogServer() { close(); }

void SyslogServer::open() {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
  ::unlink(path_.c_str());
  REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
}

void SyslogServer::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

std::optional<std::string> SyslogServer::next(int wait_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, wait_ms) <= 0) return std::nullopt;
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string SyslogServer::wait_for(std::string_view needle) {
  const auto until = Clock::now() + Deadline;
  while (Clock::now() < until) {
    if (auto d = next(100); d && d->find(needle) != std::string::npos) return *d;
  }
  FAIL("no syslog datagram with \"" << needle << "\"");
  return {};
}

void SyslogServer::drain() {
  while (next(0)) {
  }
}

std::string SyslogServer::take_all() {
  std::string all;
  while (auto d = next(0)) all += *d + "\n";
  return all;
}

}  // namespace tlspolicyd::test
