// SPDX-License-Identifier: MIT
// json: the commands' JSON text: ASCII only, insertion order, and byte strings
// that are not UTF-8 read as Latin-1 (never U+FFFD: two keys must not print alike).
#include "json.h"

#include <doctest/doctest.h>

using tlspolicyd::daemon::Json;
using tlspolicyd::daemon::json_text;

TEST_CASE("json: compact, in insertion order, ASCII with \\u escapes") {
  Json v;
  v["z"] = "caf\xc3\xa9 \"q\"\n";
  v["a"] = nullptr;
  v["list"] = Json::array({1, true});
  CHECK(json_text(v) == "{\"z\":\"caf\\u00e9 \\\"q\\\"\\n\",\"a\":null,\"list\":[1,true]}");
}

TEST_CASE("json: a string that is not UTF-8 is read byte by byte as Latin-1") {
  Json v = Json::array({"\xe9t\xe9", "ok\xc3\xa9", "\xc3\xa9\xff", std::string("a\x1b[31m", 6)});
  CHECK(json_text(v) == "[\"\\u00e9t\\u00e9\",\"ok\\u00e9\",\"\\u00c3\\u00a9\\u00ff\",\"a\\u001b[31m\"]");
}
