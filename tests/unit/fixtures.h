// SPDX-License-Identifier: MIT
// fixtures: reads the request files under tests/fixtures for unit tests; a
// temporary directory, removed with what it holds.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tlspolicyd::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TLSPOLICYD_FIXTURES) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A new directory under /tmp, removed at the end of the scope.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/tlspolicyd-unit.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `content` to the file `name` in it, of mode `mode`; returns its path.
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0644) const {
    const std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << content;
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    return file;
  }
};

}  // namespace tlspolicyd::test
