// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "config/duration.h"

using namespace tlspolicyd::config;
using std::chrono::seconds;

TEST_CASE("durations take Postfix's units") {
  CHECK(parse_duration("1000s") == seconds(1000));
  CHECK(parse_duration("1000") == seconds(1000));
  CHECK(parse_duration("5m") == seconds(300));
  CHECK(parse_duration("2h") == seconds(7200));
  CHECK(parse_duration("90d") == seconds(90 * 86400));
  CHECK(parse_duration("1w") == seconds(7 * 86400));
  CHECK(parse_duration("0s") == seconds(0));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("10 s"));
  CHECK_FALSE(parse_duration("10y"));
  CHECK_FALSE(parse_duration("99999999999999999999"));
}

TEST_CASE("durations below a second: ms, or any of Postfix's units") {
  using std::chrono::milliseconds;
  CHECK(parse_duration_ms("200ms") == milliseconds(200));
  CHECK(parse_duration_ms("0ms") == milliseconds(0));
  CHECK(parse_duration_ms("2s") == milliseconds(2000));
  CHECK(parse_duration_ms("2") == milliseconds(2000));
  CHECK(parse_duration_ms("1m") == milliseconds(60000));
  CHECK_FALSE(parse_duration_ms("ms"));
  CHECK_FALSE(parse_duration_ms("-5ms"));
  CHECK_FALSE(parse_duration_ms("1.5ms"));
  CHECK_FALSE(parse_duration_ms("5 ms"));
  CHECK_FALSE(parse_duration_ms("99999999999999999999ms"));
}
