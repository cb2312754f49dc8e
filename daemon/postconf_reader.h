// SPDX-License-Identifier: MIT
// postconf_reader: a Postfix instance's configuration, read by running postconf
// (-n, -M, -h NAME; with -c DIR for another instance), for doctor and simulate.
// The command may hold its own arguments ("postconf -c /etc/postfix-out"); it is
// run without a shell. Nothing is cached.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "doctor/doctor.h"

namespace tlspolicyd::daemon {

// One parameter's value (postconf -h NAME), without the newline; nullopt when postconf fails.
[[nodiscard]] std::optional<std::string> postconf_value(const std::string& command, const std::string& dir,
                                                        const std::string& name);
// An instance's configuration; `dir` empty for the default instance (Instance::unreadable says why not).
[[nodiscard]] doctor::Instance read_instance(const std::string& command, const std::string& dir);
// The default instance and each of its multi_instance_directories.
[[nodiscard]] std::vector<doctor::Instance> read_instances(const std::string& command);

}  // namespace tlspolicyd::daemon
