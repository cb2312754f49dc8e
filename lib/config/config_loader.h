// SPDX-License-Identifier: MIT
// config_loader: YAML text -> Config, reporting every error at once.
//
// Never throws and never half-builds: either a complete Config or
// the full list of errors, each "FILE:LINE:COLUMN: message". Unknown keys,
// repeated keys and repeated rule names are errors. Host-independent: no user or
// group is looked up and nothing is bound (the daemon does that when it serves).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/config_error.h"

namespace tlspolicyd::config {

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  ConfigErrors errors;
};

// Reads and compiles the file at `path`.
[[nodiscard]] LoadResult load_config_file(const std::string& path);

// Compiles `text` as if read from `path` (used in messages and as the base of
// relative file: paths).
[[nodiscard]] LoadResult load_config_text(std::string_view text, const std::string& path);

}  // namespace tlspolicyd::config
