// SPDX-License-Identifier: MIT
// Integration: check, query and the command line's exit codes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {
const std::string Rules =
    "rules:\n"
    "  - name: fixed\n"
    "    mode: warn\n"
    "    action: \"reject 5.7.1 from ${sender}\"\n";
}

TEST_CASE("check: configuration OK, exit 0") {
  TempDir dir;
  RunResult r = run({"check", "-c", dir.write("c.yaml", Rules)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "configuration OK\n");
  CHECK(r.err.empty());
}

TEST_CASE("check: every error at once as FILE:LINE:COLUMN, exit 78") {
  TempDir dir;
  const std::string path = dir.write("c.yaml", "mode: sometimes\nlog: { level: loud }\nrules: []\n");
  RunResult r = run({"check", "-c", path});
  CHECK(r.exit_code == 78);
  CHECK(r.out.empty());
  CHECK(r.err == path + ":1:7: mode must be enforce, warn or observe, not \"sometimes\"\n" + path +
                     ":2:15: log.level must be trace, debug, info, warning or error\n");
  RunResult missing = run({"check", "-c", dir.path() + "/none.yaml"});
  CHECK(missing.exit_code == 78);
}

TEST_CASE("check: the shipped configuration and every example are valid") {
  std::vector<std::string> files = {TLSPOLICYD_SOURCE_DIR "/conf/tlspolicyd.yaml"};
  for (const auto& e : std::filesystem::directory_iterator(TLSPOLICYD_SOURCE_DIR "/conf/examples")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  CHECK(files.size() >= 5);
  for (const auto& f : files) {
    CAPTURE(f);
    RunResult r = run({"check", "-c", f});
    CHECK(r.err == "");
    CHECK(r.out == "configuration OK\n");
    CHECK(r.exit_code == 0);
  }
}

// The fenced block after "<!-- snippet: NAME -->" in README.md.
static std::string readme_snippet(const std::string& name) {
  std::ifstream in(TLSPOLICYD_SOURCE_DIR "/README.md");
  std::string line, out;
  bool want = false, inside = false;
  while (std::getline(in, line)) {
    if (line == "<!-- snippet: " + name + " -->") {
      want = true;
    } else if (want && line.rfind("```", 0) == 0) {
      if (inside) break;
      inside = true;
    } else if (inside) {
      out += line + "\n";
    }
  }
  return out;
}

TEST_CASE("check: the README's configuration examples are valid as written") {
  TempDir dir;
  const std::string overview = readme_snippet("config-overview");
  REQUIRE(!overview.empty());
  RunResult r = run({"check", "-c", dir.write("overview.yaml", overview)});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // The first rule, appended to the shipped configuration as the README says.
  std::ifstream shipped(TLSPOLICYD_SOURCE_DIR "/conf/tlspolicyd.yaml");
  std::string config((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
  const std::string rule = readme_snippet("partner-rule");
  REQUIRE(!rule.empty());
  const std::string path = dir.write("shipped.yaml", config + rule);
  RunResult first = run({"check", "-c", path});
  CHECK_MESSAGE(first.exit_code == 0, first.err);
  RunResult asked = run({"query", "-c", path, "sender=a@partner-bank.example", "client_address=192.0.2.25"});
  CHECK(asked.out == "action=DUNNO\n");  // observe mode: logged, not answered
}

TEST_CASE("check: errors in rules, lists, profiles and list files, all at once") {
  TempDir dir;
  const std::string list = dir.write("nets.txt", "192.0.2.0/24\n192.0.2.1/24\n");
  const std::string path = dir.write("c.yaml", R"(lists:
  nets: [file:nets.txt]
profiles:
  strict: { min_protocol: TLSv1.4 }
rules:
  - name: a
    match: { client_address: list:nets, sender: example.org }
    require: strict
  - name: b
    match: { helo_name: list:nope }
    require: { ciphers: high, min_keysize: big }
    action: "550"
)");
  RunResult r = run({"check", "-c", path});
  CHECK(r.exit_code == 78);
  CHECK(r.out.empty());
  CHECK(r.err == path + ":4:27: min_protocol: \"TLSv1.4\" is not a protocol (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)\n" +
                     path + ":7:49: sender: \"example.org\" is not an address form (user@dom, user@, @dom, @.dom, <> "
                     "or /regex/); for a domain use the _domain key\n" +
                     path + ":10:25: unknown list \"nope\" (defined: nets)\n" + path +
                     ":11:44: min_keysize must be a whole number from 1 to 4096\n" + path +
                     ":12:13: action: a numeric action needs text after the code (\"550\" alone means OK to Postfix)\n" +
                     list + ":2:1: \"192.0.2.1/24\" has host bits set (did you mean 192.0.2.0/24?)\n");
}

TEST_CASE("query: NAME=VALUE arguments, stdin, --json and exit codes") {
  TempDir dir;
  const std::string path = dir.write("c.yaml", Rules);
  RunResult args = run({"query", "-c", path, "sender=a@b.example"});
  CHECK(args.exit_code == 0);
  CHECK(args.out == "action=WARN tlspolicyd rule \"fixed\" would answer: REJECT 5.7.1 from a@b.example\n");

  RunResult in = run({"query", "-c", path}, "request=smtpd_access_policy\nsender=c@d.example\n");
  CHECK(in.exit_code == 0);
  CHECK(in.out == "action=WARN tlspolicyd rule \"fixed\" would answer: REJECT 5.7.1 from c@d.example\n");

  RunResult json = run({"query", "-c", path, "--json", "sender=q\"@x"});
  CHECK(json.exit_code == 0);
  CHECK(json.out ==
        "{\"action\":\"WARN tlspolicyd rule \\\"fixed\\\" would answer: REJECT 5.7.1 from q\\\"@x\",\"rule\":\"fixed\","
        "\"mode\":\"warn\",\"reason\":null}\n");

  CHECK(run({"query", "-c", path, "sender"}).exit_code == 64);
  CHECK(run({"query", "-c", path}, "not a request\n").exit_code == 65);
  CHECK(run({"query", "-c", dir.path() + "/none.yaml", "sender=a@b"}).exit_code == 78);
}

TEST_CASE("command line: --version, --help, usage errors") {
  RunResult v = run({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.starts_with("tlspolicyd "));
  RunResult h = run({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("query") != std::string::npos);
  CHECK(run({"--no-such-flag"}).exit_code == 64);
  CHECK(run({"serve", "--listen", "tcp:x"}).exit_code == 64);
  CHECK(run({"serve", "--log-level", "loud"}).exit_code == 64);
}
