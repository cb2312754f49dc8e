// SPDX-License-Identifier: MIT
// support: what the daemon's unit tests share: configurations built from text.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string_view>

#include "config/config_loader.h"

namespace tlspolicyd::test {

// One rule: TLS 1.2 or newer, else a reject naming the reason.
inline constexpr std::string_view Floor = R"(
rules:
  - name: floor
    require: { min_protocol: TLSv1.2 }
    action: "reject 5.7.1 ${reason}"
)";

inline std::shared_ptr<const config::Config> load(std::string_view text,
                                                  const config::FileOwners& owners = config::FileOwners::of_process()) {
  auto loaded = config::load_config_text(text, "test.yaml", owners);
  REQUIRE(loaded.errors.empty());
  return loaded.config;
}

}  // namespace tlspolicyd::test
