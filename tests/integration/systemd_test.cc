// SPDX-License-Identifier: MIT
// Integration: what systemd sees of the daemon: socket activation, sd_notify
// (READY, RELOADING, STOPPING, WATCHDOG), without systemd running.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

// A NOTIFY_SOCKET to read what the daemon tells its service manager.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }
  // Waits for a message containing `text`; returns it.
  std::string wait_for(const std::string& text) {
    const auto until = std::chrono::steady_clock::now() + Deadline;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      REQUIRE_MESSAGE(::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) > 0,
                      "no notification with " << text);
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      std::string msg(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (msg.find(text) != std::string::npos) return msg;
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// systemd-socket-activate binds in the background: connects once it has.
Client connect_when_bound(const std::string& path) {
  const auto until = std::chrono::steady_clock::now() + Deadline;
  for (;;) {
    Client attempt = Client::unix_socket(path);
    if (attempt.connected()) return attempt;
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string config_for(const std::string& sock) {
  return "listen: [ \"unix:" + sock + "\" ]\nrules:\n  - name: fixed\n    action: \"reject 5.7.1 activated\"\n";
}

}  // namespace

TEST_CASE("systemd: READY, RELOADING then READY, STOPPING, and the watchdog") {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify");
  const std::string config = dir.write("c.yaml", config_for(dir.path() + "/p.sock"));
  Daemon d({"-c", config}, Daemon::Options{true, {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=200000"}, {}});
  CHECK(notify.wait_for("READY=1").find("STATUS=serving, configuration generation 1") != std::string::npos);
  notify.wait_for("WATCHDOG=1");
  d.signal(SIGHUP);
  notify.wait_for("RELOADING=1");
  CHECK(notify.wait_for("READY=1").find("configuration generation 2") != std::string::npos);
  d.signal(SIGTERM);
  notify.wait_for("STOPPING=1");
  CHECK(d.wait_exit() == 0);
}

TEST_CASE("systemd: socket activation takes the socket systemd passes, not the configuration's") {
  TempDir dir;
  const std::string activated = dir.path() + "/activated.sock";
  const std::string config = dir.write("c.yaml", config_for(dir.path() + "/configured.sock"));
  // systemd-socket-activate binds, and starts the daemon with LISTEN_FDS on the first connection.
  Daemon d({"-c", config}, Daemon::Options{false, {}, {"systemd-socket-activate", "-l", activated}});
  Client c = connect_when_bound(activated);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 activated\n\n");
  d.wait_for_log("listening on systemd unix:" + activated);
  CHECK(::access((dir.path() + "/configured.sock").c_str(), F_OK) != 0);
  // The postmaster changed one and not the other: the log says so.
  const std::string warning = d.wait_for_log("systemd passed socket(s) unix:" + activated);
  CHECK(warning.find("replace the configuration's listen: unix:" + dir.path() + "/configured.sock") !=
        std::string::npos);
}

TEST_CASE("systemd: socket activation on the configuration's own socket logs no warning") {
  TempDir dir;
  const std::string sock = dir.path() + "/policy.sock";
  const std::string config = dir.write("c.yaml", config_for(sock));
  Daemon d({"-c", config}, Daemon::Options{false, {}, {"systemd-socket-activate", "-l", sock}});
  Client c = connect_when_bound(sock);
  REQUIRE(c.send(request()));
  CHECK(c.answer() == "action=REJECT 5.7.1 activated\n\n");
  d.wait_for_log("ready:");
  CHECK(d.log().find("systemd passed") == std::string::npos);
}
