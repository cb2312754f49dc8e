// SPDX-License-Identifier: MIT
// config_error: one problem found in a configuration file or a file it references.
//
// Printed as "FILE:LINE:COLUMN: message" with LINE and COLUMN counted from 1;
// LINE 0 means the problem concerns the file as a whole (e.g. it cannot be read).
#pragma once

#include <string>
#include <vector>

namespace tlspolicyd::config {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  [[nodiscard]] std::string to_string() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  }
};

using ConfigErrors = std::vector<ConfigError>;

}  // namespace tlspolicyd::config
