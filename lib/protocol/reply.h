// SPDX-License-Identifier: MIT
// reply: the only place where answer bytes for Postfix are formed.
//
// An answer is exactly "action=" VERB [" " TEXT] "\n\n": LF only, nothing before or
// after; the text, when there is one, follows the verb after one space. A verb that
// is empty, or a verb or text that holds anything but printable ASCII (CR, LF, NUL,
// 8-bit), would corrupt the stream or be misread by Postfix (SMTPUTF8 replies must
// be valid UTF-8); it is refused, never repaired, and the caller must treat that as
// an internal error (log and close, no answer).
#pragma once

#include <string>
#include <string_view>

namespace tlspolicyd::protocol {

// Appends the answer for the action `verb` with `text` (empty: none) to `out`.
// Returns false, leaving `out` unchanged, when the verb is empty or a byte of
// either is outside 0x20..0x7e.
[[nodiscard]] bool append_reply(std::string& out, std::string_view verb, std::string_view text);

}  // namespace tlspolicyd::protocol
