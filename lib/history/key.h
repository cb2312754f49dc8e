// SPDX-License-Identifier: MIT
// key: the history key of a request, from the configured parts (downgrade.key).
//
// KeyPart is the closed set of parts, each named once in KeyParts: a part that
// is a request attribute carries the attribute's name (protocol::attr_name),
// sender_domain and recipient_domain the names the Request gives them, and
// `client` is history's own: the verified client name, or else the address, with
// IPv6 addresses grouped by /64 (one host's privacy addresses are one peer).
// Parts are joined with '|' ('|' and '\' inside a part are escaped with '\'), so
// two different requests never share a key by accident. Domains and host names,
// the domains of addresses too, are in the form matching compares
// (util/domain.h: lower case, A-labels), so a U-label sender shares its A-label's
// history.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request.h"
#include "util/enum_table.h"

namespace tlspolicyd::history {

enum class KeyPart : std::uint8_t {
  Sender,
  SenderDomain,
  Recipient,
  RecipientDomain,
  Client,  // client_name when verified, else the address (IPv6 by /64)
  ClientAddress,
  ClientName,
  HeloName,
  SaslUsername,
  ServerPort,
  PolicyContext,
};
inline constexpr std::size_t KeyPartCount = static_cast<std::size_t>(KeyPart::PolicyContext) + 1;

// One entry per KeyPart, in enum order (checked below): its name in downgrade.key.
struct KeyPartInfo {
  KeyPart part;
  std::string_view name;
};

inline constexpr std::array<KeyPartInfo, KeyPartCount> KeyParts = {{
    {KeyPart::Sender, protocol::attr_name(protocol::Attr::Sender)},
    {KeyPart::SenderDomain, protocol::SenderDomainName},
    {KeyPart::Recipient, protocol::attr_name(protocol::Attr::Recipient)},
    {KeyPart::RecipientDomain, protocol::RecipientDomainName},
    {KeyPart::Client, "client"},
    {KeyPart::ClientAddress, protocol::attr_name(protocol::Attr::ClientAddress)},
    {KeyPart::ClientName, protocol::attr_name(protocol::Attr::ClientName)},
    {KeyPart::HeloName, protocol::attr_name(protocol::Attr::HeloName)},
    {KeyPart::SaslUsername, protocol::attr_name(protocol::Attr::SaslUsername)},
    {KeyPart::ServerPort, protocol::attr_name(protocol::Attr::ServerPort)},
    {KeyPart::PolicyContext, protocol::attr_name(protocol::Attr::PolicyContext)},
}};
static_assert(util::indexed_by(KeyParts, &KeyPartInfo::part, KeyPartCount));

// The part named `name`, or nullopt.
[[nodiscard]] std::optional<KeyPart> find_key_part(std::string_view name);
[[nodiscard]] constexpr std::string_view key_part_name(KeyPart part) {
  return KeyParts[static_cast<std::size_t>(part)].name;
}
// Every part's name, for error messages: "sender, sender_domain, ..., policy_context".
[[nodiscard]] std::string key_part_names();

// The default downgrade.key.
inline const std::vector<KeyPart> DefaultKey = {KeyPart::SenderDomain, KeyPart::Client};

[[nodiscard]] std::string history_key(const protocol::Request& request, const std::vector<KeyPart>& parts);

// Whether a key of `parts` names who connected (client, client_address,
// client_name or sasl_username: what Postfix vouches for). Without one, any
// client may claim a key's sender or HELO and raise its best protocol.
[[nodiscard]] constexpr bool names_the_client(const std::vector<KeyPart>& parts) {
  for (const KeyPart p : parts) {
    if (p == KeyPart::Client || p == KeyPart::ClientAddress || p == KeyPart::ClientName ||
        p == KeyPart::SaslUsername) {
      return true;
    }
  }
  return false;
}

// The longest key kept (LMDB's key limit; a real peer's key is far shorter). An
// empty key (a bounce's sender with key [sender_domain]) or a longer one (names
// a client chose) is not tracked: the request is answered by the rules alone.
inline constexpr std::size_t MaxKeyBytes = 511;
[[nodiscard]] constexpr bool trackable_key(std::string_view key) {
  return !key.empty() && key.size() <= MaxKeyBytes;
}

// The name of the LMDB store's change log database, kept in the same name space
// as the records. No key history_key() makes can equal it (a part's '\\' is
// escaped, so a key never ends in a single one); `history import` refuses it.
inline constexpr std::string_view LmdbChangesName = "tlspolicyd-changes\\";

}  // namespace tlspolicyd::history
