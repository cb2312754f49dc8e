// SPDX-License-Identifier: MIT
// json: how the commands print JSON (query --json, report --json).
//
// Objects keep their keys in insertion order (ordered_json), and the text is
// compact ASCII: anything outside ASCII is escaped as \uXXXX. A string that is
// not valid UTF-8 (a request may carry any byte) is read byte by byte as
// Latin-1, so that nothing throws; it may then print as a valid string would
// (the byte \xe9 as "é", \u00e9): the text output and `history export` tell
// them apart.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tlspolicyd::daemon {

using Json = nlohmann::ordered_json;

namespace json_detail {

inline std::string dump(const Json& value) { return value.dump(-1, ' ', true, Json::error_handler_t::strict); }

// Each string in `value` that is not valid UTF-8 becomes its bytes as Latin-1.
inline void latin1_where_invalid(Json& value) {
  if (value.is_structured()) {
    for (auto& item : value) latin1_where_invalid(item);
    return;
  }
  if (!value.is_string()) return;
  try {
    (void)dump(value);
  } catch (const Json::type_error&) {
    std::string utf8;
    for (const char ch : value.get_ref<const std::string&>()) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x80) {
        utf8.push_back(ch);
      } else {
        utf8.push_back(static_cast<char>(0xc0 | (c >> 6)));
        utf8.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      }
    }
    value = std::move(utf8);
  }
}

}  // namespace json_detail

[[nodiscard]] inline std::string json_text(Json value) {
  try {
    return json_detail::dump(value);
  } catch (const Json::type_error&) {
    json_detail::latin1_where_invalid(value);
    return json_detail::dump(value);
  }
}

}  // namespace tlspolicyd::daemon
