// SPDX-License-Identifier: MIT
// domain: the one form in which domains and host names are compared, so that a
// U-label (bücher.example, as Postfix passes it with SMTPUTF8) and its A-label
// (xn--bcher-kva.example) are the same name.
//
// The form is ASCII: lower case, each label holding a byte above 0x7f replaced by
// its A-label (IDNA 2008 with UTS 46 non-transitional mapping, libidn2: case
// folded, NFC, "ß" kept). An ASCII label is only lower-cased, A-labels included,
// so an all-ASCII name never reaches libidn2 and costs what it did. Labels are
// converted one by one, from the right, so a refused label spoils only itself: a
// request's label that libidn2 refuses (invalid UTF-8, a disallowed character, a
// NUL byte, over MaxIdnaLabelBytes) is compared by its lower-cased bytes, which no
// configured entry holds, since domain_entry() refuses such an entry. A hostile
// name costs libidn2 little: once the form passes 253 octets (and a trailing
// dot), or MaxIdnaLabels labels went to libidn2, the labels left of there are
// bytes too (a listed domain still ends the name). Nothing here throws but
// std::bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace tlspolicyd::util {

// The longest label given to libidn2: 4 UTF-8 bytes for each of an A-label's 63
// octets.
inline constexpr std::size_t MaxIdnaLabelBytes = 4 * 63;
// The most labels of one name given to libidn2: a name of 253 octets holds at
// most 253 / 8 A-labels ("xn--" and three letters, a dot).
inline constexpr int MaxIdnaLabels = 32;

// A request's domain or host name as compared: the form above, without a
// trailing dot. Never fails.
[[nodiscard]] std::string normalize_domain(std::string_view name);
// A request's address as compared: the local part (up to the last '@') in ASCII
// lower case, the domain in the form above (a trailing dot kept). Never fails.
[[nodiscard]] std::string normalize_address(std::string_view address);
// A configured domain (list entry, file line) in the form of normalize_domain(),
// and an empty error; or, when libidn2 refuses a label or the name is too long
// to be one, an error message saying so.
[[nodiscard]] std::pair<std::string, std::string> domain_entry(std::string_view name);

}  // namespace tlspolicyd::util
