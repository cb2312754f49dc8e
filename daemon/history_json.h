// SPDX-License-Identifier: MIT
// history_json: one history record as a JSON object, and back; the line format
// of `tlspolicyd history export` and `history import`.
//
// Every field of the record is written: "key" in the escaped spelling the log
// and `report` use (log::append_escaped: ASCII, and exact for any byte, which a
// JSON string of a non-UTF-8 key would not be), times as Unix seconds (0: unset),
// "counts" per protocol ("none" is plaintext), "best" and "last" as protocol
// names. Reading is strict: an unknown protocol name, a missing or negative
// number or an unknown field is an error naming the field, so a record is never
// half read.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "history/record.h"
#include "json.h"

namespace tlspolicyd::daemon {

[[nodiscard]] Json record_json(const std::string& key, const history::Record& record);

// The key and record of one exported line, or the reason it is not one.
struct ParsedRecord {
  std::optional<std::pair<std::string, history::Record>> record;
  std::string error;
};
[[nodiscard]] ParsedRecord parse_record_line(const std::string& line);

}  // namespace tlspolicyd::daemon
