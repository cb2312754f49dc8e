// SPDX-License-Identifier: MIT
// Integration: `tlspolicyd doctor` on recorded postconf outputs (tests/doctor/),
// against a running daemon's real socket.
#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

const std::string Doctor = TLSPOLICYD_SOURCE_DIR "/tests/doctor";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

// A copy of recorded setup `name` for socket `sock`; returns its directory.
std::string setup(const TempDir& dir, const std::string& name, const std::string& sock) {
  const std::string src = Doctor + "/setups/" + name;
  std::filesystem::create_directories(dir.path() + "/" + name);
  for (const char* f : {"main.cf", "master.cf"}) {
    dir.write(name + "/" + f, replace_all(slurp(src + "/" + f), "@SOCK@", sock));
  }
  return dir.path() + "/" + name;
}

std::string config_for(const std::string& sock, const std::string& mode) {
  return "listen: [ \"unix:" + sock + "\" ]\n"
         "socket: { mode: \"" + mode + "\", group: postfix }\n"
         "rules:\n"
         "  - name: auth-needs-tls\n"
         "    match: { sasl: true }\n"
         "    require: { tls: true }\n"
         "    action: \"530 5.7.0 Authentication requires a TLS connection\"\n";
}

}  // namespace

TEST_CASE("doctor: finds each planted mistake, and nothing in the good setup") {
  if (::getgrnam("postfix") == nullptr) return;  // the socket checks need Postfix's user (CI installs it)
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string sock = dir.path() + "/p.sock";
  const std::string config = dir.write("c.yaml", config_for(sock, "0660"));
  Daemon d({"-c", config});
  for (const auto& entry : std::filesystem::directory_iterator(Doctor + "/setups")) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const std::string files = setup(dir, name, sock);
    RunResult r = run({"doctor", "-c", config, "--postconf", Doctor + "/fake-postconf " + files});
    std::istringstream expect(replace_all(slurp(entry.path().string() + "/expect"), "@SOCK@", sock));
    std::string line;
    std::getline(expect, line);
    CHECK(r.exit_code == std::stoi(line));
    CHECK(r.err == "");
    while (std::getline(expect, line)) {
      CAPTURE(r.out);
      CHECK(r.out.find(line) != std::string::npos);
    }
    if (name == "good") {
      CHECK(r.out.find("error:") == std::string::npos);
      CHECK(r.out.find("warning:") == std::string::npos);
    }
  }
}

TEST_CASE("doctor: a socket Postfix cannot reach") {
  if (::getgrnam("postfix") == nullptr || ::getpwnam("postfix") == nullptr) return;
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);

  const std::string gone = dir.path() + "/gone.sock";
  RunResult missing = run({"doctor", "-c", dir.write("m.yaml", config_for(gone, "0660")), "--postconf",
                           Doctor + "/fake-postconf " + setup(dir, "good", gone)});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("error: nothing listens on unix:" + gone + ": the socket does not exist; is tlspolicyd running?") !=
        std::string::npos);
  CHECK(missing.out.find("fix: systemctl start tlspolicyd") != std::string::npos);

  const std::string closed = dir.path() + "/closed.sock";
  const std::string config = dir.write("c.yaml", config_for(closed, "0600"));
  Daemon d({"-c", config});
  RunResult perms = run({"doctor", "-c", config, "--postconf", Doctor + "/fake-postconf " + setup(dir, "good", closed)});
  CHECK(perms.exit_code == 1);
  CHECK(perms.out.find("error: Postfix cannot reach unix:" + closed + ": the postfix user may not write to " + closed +
                       " (mode 0600)") != std::string::npos);
  CHECK(perms.out.find("fix: give the socket a group postfix is in and mode 0660") != std::string::npos);
}

TEST_CASE("doctor: postconf that cannot run is exit 69") {
  TempDir dir;
  RunResult r = run({"doctor", "-c", dir.write("c.yaml", "rules: []\n"), "--postconf", "/nonexistent/postconf"});
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("cannot run") != std::string::npos);
}
