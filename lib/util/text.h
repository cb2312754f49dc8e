// SPDX-License-Identifier: MIT
// text: small text helpers shared by several modules (match keys, history keys,
// the request's derived domains, the doctor).
//
// ASCII only, on purpose: Postfix sends bytes, and a byte above 0x7f is never
// changed (no locale is consulted; domains as compared: util/domain.h). Nothing
// here allocates except to return a new string. quoted() is how an error
// message shows a configured entry: a line of a list file may be anything (a
// file named by mistake, a secret), so only a short prefix, escaped, is ever
// shown; printable() is how a message shows what another program said (a
// terminal control sequence never passes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tlspolicyd::util {

// ASCII lower case (other bytes unchanged).
[[nodiscard]] std::string lower(std::string_view s);
// The domain part of an address: what follows the last '@', or empty without one.
[[nodiscard]] constexpr std::string_view address_domain(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

// Bytes of an entry quoted() shows; a longer entry ends in "...".
inline constexpr std::size_t QuotedEntryBytes = 32;
// `"entry"` for an error message: at most QuotedEntryBytes of it, '"' and '\\'
// as \" and \\, bytes outside printable ASCII as \xNN (as the log escapes).
[[nodiscard]] std::string quoted(std::string_view entry);
// Text another program sent (a server's error reply) for a message: at most
// `max_bytes` of it, bytes outside printable ASCII and '\\' as \xNN and \\, no quotes.
[[nodiscard]] std::string printable(std::string_view text, std::size_t max_bytes = 256);
// `text` as one word for a POSIX shell, whatever it holds: in single quotes,
// each ' written '\''. (A command the log suggests must not run what a client
// chose, such as $(...) in a sender domain.)
[[nodiscard]] std::string shell_quoted(std::string_view text);

}  // namespace tlspolicyd::util
