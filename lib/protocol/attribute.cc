// SPDX-License-Identifier: MIT
#include "protocol/attribute.h"

#include <algorithm>
#include <array>
#include <utility>

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

using Entry = std::pair<std::string_view, Attr>;

// Names sorted once, at compile time, for a binary search per request line.
constexpr std::array<Entry, AttrCount> sorted_names() {
  std::array<Entry, AttrCount> out{};
  for (std::size_t i = 0; i < AttrCount; ++i) out[i] = {Names[i], static_cast<Attr>(i)};
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
  return out;
}

constexpr std::array<Entry, AttrCount> Sorted = sorted_names();

}  // namespace

std::string_view attr_name(Attr attr) { return Names[static_cast<std::size_t>(attr)]; }

std::optional<Attr> find_attr(std::string_view name) {
  auto it = std::lower_bound(Sorted.begin(), Sorted.end(), name,
                             [](const Entry& e, std::string_view n) { return e.first < n; });
  if (it != Sorted.end() && it->first == name) return it->second;
  return std::nullopt;
}

}  // namespace tlspolicyd::protocol
