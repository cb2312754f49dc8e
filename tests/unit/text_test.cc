// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "util/text.h"

using namespace tlspolicyd::util;

TEST_CASE("text: ASCII lower case leaves 8-bit bytes alone") {
  CHECK(lower("MiXeD.Example") == "mixed.example");
  CHECK(lower("\xc3\x84") == "\xc3\x84");
  CHECK(lower("") == "");
}

TEST_CASE("text: the domain of an address follows the last '@'") {
  CHECK(address_domain("user@example.org") == "example.org");
  CHECK(address_domain("\"a@b\"@example.org") == "example.org");
  CHECK(address_domain("postmaster") == "");
  CHECK(address_domain("") == "");
  CHECK(address_domain("user@") == "");
}

TEST_CASE("text: quoted() shows a short escaped prefix of an entry") {
  CHECK(quoted("bank.example") == "\"bank.example\"");
  CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quoted("\x1b[31m\r\n\xff") == "\"\\x1b[31m\\x0d\\x0a\\xff\"");
  CHECK(quoted(std::string(40, 'x')) == "\"" + std::string(QuotedEntryBytes, 'x') + "...\"");
  CHECK(quoted("") == "\"\"");
}

TEST_CASE("text: printable() escapes what another program said, bounded, without quotes") {
  CHECK(printable("ERR unknown command") == "ERR unknown command");
  CHECK(printable("a\"b\\c") == "a\"b\\\\c");
  CHECK(printable("\x1b]0;x\x07\r\n\xff") == "\\x1b]0;x\\x07\\x0d\\x0a\\xff");
  CHECK(printable(std::string(300, 'x')) == std::string(256, 'x') + "...");
  CHECK(printable("abcdef", 3) == "abc...");
}

TEST_CASE("text: shell_quoted() makes one inert word for a shell") {
  CHECK(shell_quoted("partner.example|mx.partner.example") == "'partner.example|mx.partner.example'");
  CHECK(shell_quoted("x$(id>/tmp/p)`id`;rm") == "'x$(id>/tmp/p)`id`;rm'");
  CHECK(shell_quoted("it's") == "'it'\\''s'");
  CHECK(shell_quoted("") == "''");
}
