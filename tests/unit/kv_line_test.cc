// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "log/kv_line.h"

using namespace tlspolicyd::log;

TEST_CASE("kv line writes plain values bare and quotes the rest") {
  KvLine line;
  line.add("action", "reject")
      .add("reason", "protocol TLSv1 < TLSv1.2")
      .add("client", "mx.example.net[192.0.2.10]")
      .add("sender", "<a@partner-bank.com>")
      .add("queue_id", "")
      .add_raw("ms", "0.08");
  CHECK(line.str() ==
        "action=reject reason=\"protocol TLSv1 < TLSv1.2\" client=mx.example.net[192.0.2.10] "
        "sender=<a@partner-bank.com> queue_id=\"\" ms=0.08");
}

TEST_CASE("kv line escapes every byte that could break or forge a line") {
  using namespace std::string_literals;
  std::string out;
  append_escaped(out, "a\r\nb\0c\x7f\xc3\xa9\t\"\\ d"s);
  CHECK(out == "\"a\\x0d\\x0ab\\x00c\\x7f\\xc3\\xa9\\x09\\\"\\\\ d\"");
  for (char c : out) {
    auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 && u < 0x7f));
  }
  std::string forged;
  append_escaped(forged, "x action=ok rule=fake");
  CHECK(forged == "\"x action=ok rule=fake\"");
}

TEST_CASE("a value made of parts is escaped as one value") {
  std::string out;
  append_pair(out, "sender", {"<", "a@example.org", ">"});
  append_pair(out, "client", {"mx", "[", "192.0.2.1", "]"});
  append_pair(out, "sender", {"<", "a b\n", ">"});  // one part needs quotes: the whole value gets them
  append_pair(out, "empty", {"", ""});
  CHECK(out == "sender=<a@example.org> client=mx[192.0.2.1] sender=\"<a b\\x0a>\" empty=\"\"");
  std::string lines = "first=1\n";  // a new line starts without a space
  append_raw_pair(lines, "second", "2");
  CHECK(lines == "first=1\nsecond=2");
}

TEST_CASE("kv line writes a value bare only when every byte is plain, wherever the others are") {
  // Every byte value at every position of values 1 to 33 bytes long (the check
  // goes 16 or 8 bytes at a time, over the value's copy and the bytes after it,
  // which must not count), beside plain neighbours of every kind.
  for (int c = 0; c < 256; ++c) {
    const bool plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    for (std::size_t n = 1; n <= 33; ++n) {
      for (std::size_t at = 0; at < n; ++at) {
        std::string value;
        for (std::size_t i = 0; i < n; ++i) value.push_back("!~az09@.[]<>-_"[i % 14]);
        value[at] = static_cast<char>(c);
        std::string out;
        append_escaped(out, value);
        REQUIRE_MESSAGE((out == value) == plain, "byte ", c, " at ", at, " of ", n);
        if (!plain) REQUIRE(out.front() == '"');
      }
    }
  }
}

TEST_CASE("kv writer appends many pairs to one string, growing it as it needs") {
  std::string out = "start=1";
  {
    KvWriter w(out);
    for (int i = 0; i < 200; ++i) w.pair("k", std::string(50, i % 2 == 0 ? 'x' : '\n'));
    w.lower_pair("action", "REJECT");
    w.newline();
    w.raw_pair("next", "2");
  }
  CHECK(out.size() == 7 + 100 * (3 + 50) + 100 * (3 + 2 + 50 * 4) + 14 + 1 + 6);
  CHECK(out.starts_with("start=1 k=xxxx"));
  CHECK(out.ends_with(" action=reject\nnext=2"));
}
