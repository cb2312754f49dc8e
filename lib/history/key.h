// SPDX-License-Identifier: MIT
// key: the history key of a request, from the configured parts (downgrade.key).
//
// Parts are joined with '|' ('|' and '\' inside a part are escaped with '\'), so
// two different requests never share a key by accident. Domains and host names are
// lower-cased. `client` is the verified client name, or else the address, with
// IPv6 addresses grouped by /64 (one host's privacy addresses are one peer).
#pragma once

#include <string>
#include <vector>

#include "config/downgrade_settings.h"
#include "protocol/request.h"

namespace tlspolicyd::history {

[[nodiscard]] std::string history_key(const protocol::Request& request,
                                      const std::vector<config::HistoryKeyPart>& parts);

}  // namespace tlspolicyd::history
