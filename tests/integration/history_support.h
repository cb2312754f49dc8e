// SPDX-License-Identifier: MIT
// history_support: what the TLS history's integration tests share: a
// configuration with a downgrade: section, one transaction from the partner's
// MX, one question and its answer, and the default downgrade answer.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "harness.h"

namespace tlspolicyd::test {

inline const std::string DefaultDefer =
    "action=DEFER 4.7.0 Possible TLS downgrade: mx.partner.example[192.0.2.10] used stronger TLS before; please try "
    "again later\n\n";

// Serves `sock` with no rules and the TLS history in `store`, every decision logged.
inline std::string history_config(const std::string& sock, const std::string& store, const std::string& mode,
                                  const std::string& extra = {}) {
  return "listen: [ \"unix:" + sock + "\" ]\n"
         "log: { decisions: all }\n"
         "rules: []\n"
         "downgrade:\n"
         "  store: \"" + store + "\"\n"
         "  mode: " + mode + "\n"
         "  retention: 2h\n" + extra;
}

// One transaction (a new instance) from the partner's MX with `protocol` ("": plaintext).
inline std::string transaction(const std::string& instance, const std::string& protocol,
                               const std::string& sender = "a@partner.example",
                               const std::string& client = "mx.partner.example") {
  return request({{"instance", instance},
                  {"sender", sender},
                  {"client_name", client},
                  {"encryption_protocol", protocol},
                  {"encryption_cipher", protocol.empty() ? "" : "TLS_AES_256_GCM_SHA384"},
                  {"encryption_keysize", protocol.empty() ? "0" : "256"}});
}

inline std::string ask(Client& c, const std::string& req) {
  REQUIRE(c.send(req));
  auto a = c.answer();
  REQUIRE(a.has_value());
  return *a;
}

}  // namespace tlspolicyd::test
