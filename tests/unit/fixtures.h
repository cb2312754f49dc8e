// SPDX-License-Identifier: MIT
// fixtures: reads the request files under tests/fixtures for unit tests.
#pragma once

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

}  // namespace tlspolicyd::test
