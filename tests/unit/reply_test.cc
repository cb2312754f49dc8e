// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "protocol/reply.h"

using namespace tlspolicyd::protocol;

TEST_CASE("reply is action= plus the verb, a space and the text if any, and two LFs, nothing else") {
  std::string out;
  REQUIRE(append_reply(out, "DUNNO", ""));
  CHECK(out == "action=DUNNO\n\n");
  REQUIRE(append_reply(out, "REJECT", "5.7.1 Must use TLS"));
  CHECK(out == "action=DUNNO\n\naction=REJECT 5.7.1 Must use TLS\n\n");
}

TEST_CASE("reply refuses actions that would corrupt the stream") {
  using namespace std::string_literals;
  std::string out = "kept";
  CHECK_FALSE(append_reply(out, "", ""));
  CHECK_FALSE(append_reply(out, "", "text"));
  CHECK_FALSE(append_reply(out, "DUNNO\n", ""));
  CHECK_FALSE(append_reply(out, "DUNNO\r", ""));
  CHECK_FALSE(append_reply(out, "REJECT", "a\0b"s));
  CHECK_FALSE(append_reply(out, "REJECT", "\xc3\xa9"));
  CHECK_FALSE(append_reply(out, "REJECT", "\x7f"));
  CHECK_FALSE(append_reply(out, "REJECT", "a\n\naction=OK"));
  CHECK(out == "kept");
}
