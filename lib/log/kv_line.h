// SPDX-License-Identifier: MIT
// kv_line: builds one "key=value key=value" log line that no value can break.
//
// Values are written as they are when they consist of printable ASCII other than
// space, '"' and '\'; otherwise they are quoted, with '"' and '\' escaped as \" and
// \\ and every byte outside printable ASCII (CR, LF, NUL, 8-bit) as \xNN. An empty
// value is written as "". Keys are the program's own words and are not escaped.
// KvWriter appends pairs straight into a string's memory (one capacity check a
// pair; a value copied, then checked where it landed 16 bytes at a time): the
// decision log writes a line per violation on the answer path with it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tlspolicyd::log {

// Appends pairs to the end of a string; the string holds them, and has its final
// size, once the writer is gone (or after finish()). Nothing else may change the
// string meanwhile.
class KvWriter {
 public:
  explicit KvWriter(std::string& out);
  KvWriter(const KvWriter&) = delete;
  KvWriter& operator=(const KvWriter&) = delete;
  ~KvWriter() { finish(); }

  // key=value, the value escaped, after a space unless the string is empty or
  // ends in a newline.
  void pair(std::string_view key, std::string_view value);
  // The same with a value made of parts ("<", sender, ">"), escaped as one value.
  void pair(std::string_view key, std::span<const std::string_view> parts);
  void pair(std::string_view key, std::initializer_list<std::string_view> parts) {
    pair(key, std::span<const std::string_view>(parts.begin(), parts.size()));
  }
  // key=value for a value built by the program (a number, a fixed word): not escaped.
  void raw_pair(std::string_view key, std::string_view value);
  // key=word: `word` in ASCII lower case, not escaped (a word the program checked:
  // an answer's verb, "REJECT" gives reject).
  void lower_pair(std::string_view key, std::string_view word);
  // A word of the program's own ("observe:"), not escaped, spaced like a pair.
  void word(std::string_view word);
  void newline();
  // Gives the string its final size; the writer must not be used after.
  void finish();

 private:
  void reserve(std::size_t bytes);  // room for `bytes` more
  void separate();  // a space, unless at the start of the string or of a line
  void key(std::string_view key);

  std::string& out_;
  char* p_ = nullptr;    // the next byte to write
  char* end_ = nullptr;  // the end of the room
  bool finished_ = false;
};

// Appends `value` escaped as described above.
void append_escaped(std::string& out, std::string_view value);
// The inverse, for text a person copied from the log or `report`: a quoted value
// ("..." with \" \\ \xNN) is unescaped; anything that does not start with '"' is
// taken as it is. nullopt: a quoted value that is malformed.
[[nodiscard]] std::optional<std::string> parse_escaped(std::string_view text);
// Appends one pair (see KvWriter::pair and raw_pair).
void append_pair(std::string& out, std::string_view key, std::string_view value);
void append_raw_pair(std::string& out, std::string_view key, std::string_view value);
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
