// SPDX-License-Identifier: MIT
// Golden tests: every case under tests/golden/ (see its README) through `query`,
// and through the daemon with pipelined and with one-at-a-time requests.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.h"

using namespace tlspolicyd::test;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The requests of a .in file, each with its blank line.
std::vector<std::string> split_requests(const std::string& all) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t pos = 0; pos < all.size();) {
    std::size_t end = all.find('\n', pos);
    if (end == std::string::npos) break;
    std::string_view line(all.data() + pos, end - pos);
    if (line.empty() || line == "\r") {
      out.push_back(all.substr(start, end + 1 - start));
      start = end + 1;
    }
    pos = end + 1;
  }
  return out;
}

// The case's configuration: its config.yaml, or the file of the repository that
// its config.path names (the shipped configuration and conf/examples/, so that
// the files users copy are the ones tested).
std::string config_of(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "config.path")) {
    std::string rel = slurp(dir / "config.path");
    while (!rel.empty() && (rel.back() == '\n' || rel.back() == ' ')) rel.pop_back();
    return std::string(TLSPOLICYD_SOURCE_DIR) + "/" + rel;
  }
  return (dir / "config.yaml").string();
}

std::vector<std::filesystem::path> cases() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(TLSPOLICYD_SOURCE_DIR "/tests/golden")) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("golden: every case answers as expected through query") {
  auto all = cases();
  REQUIRE(all.size() >= 9);
  for (const auto& dir : all) {
    CAPTURE(dir.filename().string());
    const std::string expected = slurp(dir / "expected.ref");
    RunResult r = run({"query", "-c", config_of(dir)}, slurp(dir / "requests.in"));
    CHECK(r.exit_code == 0);
    CHECK(r.err == "");
    CHECK(r.out == expected);
  }
}

TEST_CASE("golden: every case answers as expected through the daemon, pipelined and one by one") {
  for (const auto& dir : cases()) {
    CAPTURE(dir.filename().string());
    TempDir tmp;
    const std::string sock = tmp.path() + "/golden.sock";
    Daemon daemon({"-c", config_of(dir), "--listen", "unix:" + sock});
    std::istringstream expected(slurp(dir / "expected.ref"));
    std::vector<std::string> answers;
    for (std::string line; std::getline(expected, line);) answers.push_back(line + "\n\n");
    const std::string input = slurp(dir / "requests.in");
    const auto requests = split_requests(input);
    REQUIRE(requests.size() == answers.size());

    Client pipelined = Client::unix_socket(sock);
    REQUIRE(pipelined.send(input));
    for (const auto& a : answers) CHECK(pipelined.answer() == a);

    Client single = Client::unix_socket(sock);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      REQUIRE(single.send(requests[i]));
      CHECK(single.answer() == answers[i]);
    }
  }
}
