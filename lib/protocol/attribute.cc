// SPDX-License-Identifier: MIT
#include "protocol/attribute.h"

#include <array>

namespace tlspolicyd::protocol {
namespace {

constexpr std::array<std::string_view, AttrCount> Names = {
    "request",
    "protocol_state",
    "protocol_name",
    "helo_name",
    "queue_id",
    "sender",
    "recipient",
    "recipient_count",
    "client_address",
    "client_name",
    "reverse_client_name",
    "instance",
    "sasl_method",
    "sasl_username",
    "sasl_sender",
    "size",
    "ccert_subject",
    "ccert_issuer",
    "ccert_fingerprint",
    "ccert_pubkey_fingerprint",
    "encryption_protocol",
    "encryption_cipher",
    "encryption_keysize",
    "etrn_domain",
    "stress",
    "client_port",
    "policy_context",
    "server_address",
    "server_port",
    "compatibility_level",
    "mail_version",
    "tls_sni",
};

// Names grouped by length, built once at compile time: a lookup compares the
// name with the few of its length (at most six), first character first.
constexpr std::size_t MaxNameLength = 24;
constexpr std::size_t MaxPerLength = 8;

struct Buckets {
  std::array<std::array<Attr, MaxPerLength>, MaxNameLength + 1> attrs{};
  std::array<std::size_t, MaxNameLength + 1> counts{};
};

constexpr Buckets make_buckets() {
  Buckets b;
  for (std::size_t i = 0; i < AttrCount; ++i) {
    const std::size_t len = Names[i].size();
    b.attrs[len][b.counts[len]++] = static_cast<Attr>(i);
  }
  return b;
}

constexpr Buckets ByLength = make_buckets();
static_assert([] {
  for (auto n : Names) {
    if (n.size() > MaxNameLength) return false;
  }
  for (auto c : ByLength.counts) {
    if (c > MaxPerLength) return false;
  }
  return true;
}());

}  // namespace

std::string_view attr_name(Attr attr) { return Names[static_cast<std::size_t>(attr)]; }

std::optional<Attr> find_attr(std::string_view name) {
  if (name.empty() || name.size() > MaxNameLength) return std::nullopt;
  const std::size_t len = name.size();
  for (std::size_t i = 0; i < ByLength.counts[len]; ++i) {
    const Attr a = ByLength.attrs[len][i];
    const std::string_view candidate = Names[static_cast<std::size_t>(a)];
    if (candidate[0] == name[0] && candidate == name) return a;
  }
  return std::nullopt;
}

}  // namespace tlspolicyd::protocol
