// SPDX-License-Identifier: MIT
// kv_line: builds one "key=value key=value" log line that no value can break.
//
// Values are written as they are when they consist of printable ASCII other than
// space, '"' and '\'; otherwise they are quoted, with '"' and '\' escaped as \" and
// \\ and every byte outside printable ASCII (CR, LF, NUL, 8-bit) as \xNN. An empty
// value is written as "". Keys are the program's own words and are not escaped.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace tlspolicyd::log {

// Appends `value` escaped as described above.
void append_escaped(std::string& out, std::string_view value);
// Appends "key=value", the value escaped, after a space unless `out` is empty or
// ends in a newline; append_raw_pair: a value built by the program (a number, a
// fixed word), not escaped.
void append_pair(std::string& out, std::string_view key, std::string_view value);
void append_raw_pair(std::string& out, std::string_view key, std::string_view value);
// The same with a value made of parts ("<", sender, ">"), escaped as one value.
void append_pair(std::string& out, std::string_view key, std::initializer_list<std::string_view> parts);

class KvLine {
 public:
  KvLine& add(std::string_view key, std::string_view value);
  // Adds a value built by the program (a number, a fixed word), not escaped.
  KvLine& add_raw(std::string_view key, std::string_view value);
  [[nodiscard]] const std::string& str() const& { return line_; }
  [[nodiscard]] std::string str() && { return std::move(line_); }

 private:
  std::string line_;
};

}  // namespace tlspolicyd::log
