// SPDX-License-Identifier: MIT
// Integration: `tlspolicyd doctor` on recorded postconf outputs (tests/doctor/),
// against a running daemon's real socket. The test's queue directory is
// TMP/spool, the daemon's socket TMP/spool/tlspolicyd/policy.sock (the shipped
// layout, under a temporary queue directory): the setups' @QUEUE@, @SOCK@ and
// @PORT@ stand for those and for the daemon's TCP port.
#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

const std::string Doctor = TLSPOLICYD_SOURCE_DIR "/tests/doctor";
using Substitutions = std::map<std::string, std::string>;

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

std::string substitute(std::string s, const Substitutions& subs) {
  for (const auto& [from, to] : subs) s = replace_all(s, from, to);
  return s;
}

// A copy of recorded setup `name` (its instance subdirectories too), placeholders
// replaced; `defaults` (the fake postconf -d) names the test's queue directory
// unless the setup has its own. Returns the copy's directory.
std::string setup(const TempDir& dir, const std::string& name, const Substitutions& subs) {
  const std::filesystem::path src = Doctor + "/setups/" + name;
  const std::string dst = dir.path() + "/setups/" + name;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file() || entry.path().filename() == "expect") continue;
    const auto rel = std::filesystem::relative(entry.path(), src);
    std::filesystem::create_directories(std::filesystem::path(dst) / rel.parent_path());
    dir.write("setups/" + name + "/" + rel.string(), substitute(slurp(entry.path().string()), subs));
  }
  if (!std::filesystem::exists(src / "defaults")) {
    dir.write("setups/" + name + "/defaults", "queue_directory = " + subs.at("@QUEUE@") + "\n");
  }
  return dst;
}

std::string config_for(const std::string& listen, const std::string& mode, const std::string& group = "postfix") {
  return "listen: [ \"" + listen + "\" ]\n"
         "socket: { mode: \"" + mode + "\", group: " + group + " }\n"
         "rules:\n"
         "  - name: auth-needs-tls\n"
         "    match: { sasl: true }\n"
         "    require: { tls: true }\n"
         "    action: \"530 5.7.0 Authentication requires a TLS connection\"\n"
         "  - name: relay-tls\n"
         "    match: { client_address: [ \"198.51.100.0/24\" ] }\n"
         "    require: { tls: true }\n"
         "    action: \"530 5.7.0 Must issue a STARTTLS command first\"\n"
         "  - name: partners-tls\n"
         "    match: { recipient_domain: [ partner.example ] }\n"
         "    require: { min_protocol: TLSv1.2 }\n"
         "    action: \"450 4.7.0 TLS 1.2 or better required\"\n";
}

// Runs doctor on setup `name` and checks it against the setup's `expect`: the
// exit code on its first line, then lines the output must contain.
void check_setup(const TempDir& dir, const std::string& name, const std::string& config, const Substitutions& subs) {
  CAPTURE(name);
  const std::string files = setup(dir, name, subs);
  RunResult r = run({"doctor", "-c", config, "--postconf", Doctor + "/fake-postconf " + files});
  CAPTURE(r.out);
  std::istringstream expect(substitute(slurp(Doctor + "/setups/" + name + "/expect"), subs));
  std::string line;
  std::getline(expect, line);
  CHECK(r.exit_code == std::stoi(line));
  CHECK(r.err == "");
  while (std::getline(expect, line)) {
    if (!line.empty()) CHECK(r.out.find(line) != std::string::npos);
  }
  if (r.exit_code == 0) {
    CHECK(r.out.find("error:") == std::string::npos);
    CHECK(r.out.find("warning:") == std::string::npos);
  }
}

bool needs_port(const std::string& name) {
  return slurp(Doctor + "/setups/" + name + "/main.cf").find("@PORT@") != std::string::npos;
}

}  // namespace

TEST_CASE("doctor: finds each planted mistake, and nothing in the good setups") {
  if (::getgrnam("postfix") == nullptr) return;  // the socket checks need Postfix's user (CI installs it)
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string queue = dir.path() + "/spool";
  const std::string sock = queue + "/tlspolicyd/policy.sock";
  const std::string config = dir.write("c.yaml", config_for("unix:" + sock, "0660"));
  Daemon d({"-c", config});
  const Substitutions subs = {{"@QUEUE@", queue}, {"@SOCK@", sock}};
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Doctor + "/setups")) {
    const std::string name = entry.path().filename().string();
    if (needs_port(name)) continue;
    check_setup(dir, name, config, subs);
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE("doctor: inet:localhost reaches a daemon on inet:127.0.0.1") {
  if (::getgrnam("postfix") == nullptr) return;
  TempDir dir;
  const std::string port = std::to_string(free_port());
  const std::string config = dir.write("c.yaml", config_for("inet:127.0.0.1:" + port, "0660"));
  Daemon d({"-c", config});
  const Substitutions subs = {{"@QUEUE@", dir.path() + "/spool"}, {"@PORT@", port}};
  for (const auto& entry : std::filesystem::directory_iterator(Doctor + "/setups")) {
    const std::string name = entry.path().filename().string();
    if (needs_port(name)) check_setup(dir, name, config, subs);
  }
}

TEST_CASE("doctor: a socket Postfix cannot reach") {
  if (::getgrnam("postfix") == nullptr || ::getpwnam("postfix") == nullptr) return;
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string queue = dir.path() + "/spool";

  const std::string gone = queue + "/gone/policy.sock";
  RunResult missing = run({"doctor", "-c", dir.write("m.yaml", config_for("unix:" + gone, "0660")), "--postconf",
                           Doctor + "/fake-postconf " + setup(dir, "good", {{"@QUEUE@", queue}, {"@SOCK@", gone}})});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("error: nothing listens on unix:" + gone + ": the socket does not exist; is tlspolicyd running?") !=
        std::string::npos);
  CHECK(missing.out.find("fix: systemctl start tlspolicyd") != std::string::npos);

  SUBCASE("the group may not write") {
    const std::string closed = queue + "/closed/policy.sock";
    const std::string config = dir.write("c.yaml", config_for("unix:" + closed, "0600"));
    Daemon d({"-c", config});
    RunResult perms = run({"doctor", "-c", config, "--postconf",
                           Doctor + "/fake-postconf " + setup(dir, "good", {{"@QUEUE@", queue}, {"@SOCK@", closed}})});
    CHECK(perms.exit_code == 1);
    CHECK(perms.out.find("error: Postfix cannot reach unix:" + closed + ": the postfix user may not write to " + closed +
                         " (mode 0600, group postfix)") != std::string::npos);
    CHECK(perms.out.find("fix: socket: { mode: \"0660\", group: postfix } in tlspolicyd.yaml, then systemctl restart "
                         "tlspolicyd") != std::string::npos);
  }
  SUBCASE("postfix is not in the socket's group") {
    const group* root = ::getgrgid(0);
    REQUIRE(root != nullptr);
    const std::string other = queue + "/other/policy.sock";
    const std::string config = dir.write("o.yaml", config_for("unix:" + other, "0660", root->gr_name));
    Daemon d({"-c", config});
    RunResult perms = run({"doctor", "-c", config, "--postconf",
                           Doctor + "/fake-postconf " + setup(dir, "good", {{"@QUEUE@", queue}, {"@SOCK@", other}})});
    CHECK(perms.exit_code == 1);
    CHECK(perms.out.find("error: Postfix cannot reach unix:" + other + ": the postfix user may not write to " + other +
                         " (mode 0660, group " + root->gr_name + "): postfix is not in group " + root->gr_name) !=
          std::string::npos);
    CHECK(perms.out.find("fix: use tlspolicyd's group: socket: { mode: \"0660\", group: tlspolicyd } in tlspolicyd.yaml, "
                         "systemctl restart tlspolicyd, adduser postfix tlspolicyd, then postfix reload") !=
          std::string::npos);
  }
}

TEST_CASE("doctor: a hung daemon (it accepts, but answers nothing) is found by a test request") {
  if (::getgrnam("postfix") == nullptr || ::getpwnam("postfix") == nullptr) return;
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string queue = dir.path() + "/spool";
  const std::string sock = queue + "/tlspolicyd/policy.sock";
  const std::string config = dir.write("c.yaml", config_for("unix:" + sock, "0660"));
  Daemon d({"-c", config});
  const std::string postconf = Doctor + "/fake-postconf " + setup(dir, "good", {{"@QUEUE@", queue}, {"@SOCK@", sock}});
  RunResult awake = run({"doctor", "-c", config, "--postconf", postconf});
  CHECK(awake.out.find("did not answer") == std::string::npos);
  d.signal(SIGSTOP);
  RunResult hung = run({"doctor", "-c", config, "--postconf", postconf});
  d.signal(SIGCONT);
  CHECK(hung.exit_code == 1);
  CHECK(hung.out.find("error: tlspolicyd accepts connections on unix:" + sock +
                      " but did not answer a test request within 3 s") != std::string::npos);
  CHECK(hung.out.find("fix: systemctl restart tlspolicyd") != std::string::npos);
}

TEST_CASE("doctor: postconf that cannot run is exit 69") {
  TempDir dir;
  RunResult r = run({"doctor", "-c", dir.write("c.yaml", "rules: []\n"), "--postconf", "/nonexistent/postconf"});
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("cannot run") != std::string::npos);
}
