// SPDX-License-Identifier: MIT
// action: a Postfix access(5) action, checked when the configuration loads.
//
// Accepted (case-insensitive): dunno, ok, reject [text], defer [text],
// defer_if_permit [text], defer_if_reject [text], NNN [X.Y.Z] text, warn text,
// info text, hold [text], prepend Name: value. Refused at load: an unknown word, a
// bare number (Postfix reads it as OK), a code outside 4xx/5xx, an enhanced code
// whose class differs from the reply code (reject takes 5.x.x, defer* 4.x.x), text
// after dunno or ok, a prepend that is not "Name: value", an unknown ${name}.
// render() writes what Postfix gets after "action=": the word in upper case, the
// text with templates filled in, every byte outside printable ASCII replaced by '?',
// at most MaxActionBytes. A numeric action whose text renders empty gets
// "TLS policy rule NAME", because a bare number means OK to Postfix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "policy/template.h"

namespace tlspolicyd::policy {

inline constexpr std::size_t MaxActionBytes = 400;

enum class ActionKind : std::uint8_t {
  Dunno,
  Ok,
  Reject,
  Defer,
  DeferIfPermit,
  DeferIfReject,
  Numeric,
  Warn,
  Info,
  Hold,
  Prepend,
};

class Action {
 public:
  // The action for `text`, or a message saying why Postfix would misread it.
  [[nodiscard]] static std::variant<Action, std::string> parse(std::string_view text);

  [[nodiscard]] ActionKind kind() const { return kind_; }
  // The word as sent: "DUNNO", "REJECT", "550".
  [[nodiscard]] const std::string& verb() const { return verb_; }
  // The action as written in the configuration.
  [[nodiscard]] const std::string& source() const { return source_; }

  // Appends the wire form for this request to `out`.
  void render(std::string& out, const RenderContext& ctx) const;
  [[nodiscard]] std::string render(const RenderContext& ctx) const;

 private:
  ActionKind kind_ = ActionKind::Dunno;
  std::string verb_ = "DUNNO";
  Template text_;
  std::string source_ = "dunno";
};

// Makes `text` safe for Postfix: bytes outside printable ASCII become '?', and it
// is cut to `max` bytes.
void make_wire_safe(std::string& text, std::size_t max = MaxActionBytes);

}  // namespace tlspolicyd::policy
