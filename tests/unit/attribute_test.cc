// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "protocol/attribute.h"

using namespace tlspolicyd::protocol;

TEST_CASE("attribute names round-trip for every attribute") {
  for (std::size_t i = 0; i < AttrCount; ++i) {
    auto attr = static_cast<Attr>(i);
    auto found = find_attr(attr_name(attr));
    REQUIRE(found.has_value());
    CHECK(*found == attr);
  }
  CHECK(find_attr("client_address") == Attr::ClientAddress);
  CHECK(find_attr("tls_sni") == Attr::TlsSni);
  CHECK(find_attr("Client_Address") == std::nullopt);
  CHECK(find_attr("") == std::nullopt);
  CHECK(find_attr("zzz") == std::nullopt);
}
