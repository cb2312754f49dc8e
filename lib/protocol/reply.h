// SPDX-License-Identifier: MIT
// reply: the only place where answer bytes for Postfix are formed.
//
// An answer is exactly "action=" ACTION "\n\n": LF only, nothing before or after.
// An action that is empty or holds anything but printable ASCII (CR, LF, NUL, 8-bit)
// would corrupt the stream or be misread by Postfix (SMTPUTF8 replies must be valid
// UTF-8); it is refused, never repaired, and the
// caller must treat that as an internal error (log and close, no answer).
#pragma once

#include <string>
#include <string_view>

namespace tlspolicyd::protocol {

// Appends the answer for `action` to `out`. Returns false, leaving `out`
// unchanged, when the action is empty or has a byte outside 0x20..0x7e.
[[nodiscard]] bool append_reply(std::string& out, std::string_view action);

}  // namespace tlspolicyd::protocol
