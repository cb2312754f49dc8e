// SPDX-License-Identifier: MIT
// read_file: a whole file into memory, with the system's reason when it fails.
#pragma once

#include <string>

namespace tlspolicyd::util {

// Reads the file at `path` into `out`. Returns empty on success, else the reason
// ("No such file or directory"). Refuses directories and files over `max_bytes`.
[[nodiscard]] std::string read_file(const std::string& path, std::string& out,
                                    std::size_t max_bytes = std::size_t{1} << 30);

}  // namespace tlspolicyd::util
