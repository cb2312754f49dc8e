// SPDX-License-Identifier: MIT
// json: how the commands print JSON (query --json, report --json).
//
// Objects keep their keys in insertion order (ordered_json), and the text is
// compact ASCII: anything outside ASCII is escaped as \uXXXX, and bytes that are
// not valid UTF-8 (a request may carry any byte) become U+FFFD instead of
// throwing.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tlspolicyd::daemon {

using Json = nlohmann::ordered_json;

[[nodiscard]] inline std::string json_text(const Json& value) {
  return value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace tlspolicyd::daemon
