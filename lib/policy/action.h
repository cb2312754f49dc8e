// SPDX-License-Identifier: MIT
// action: a Postfix access(5) action, checked when the configuration loads.
//
// Accepted (case-insensitive): dunno, ok, reject [text], defer [text],
// defer_if_permit [text], defer_if_reject [text], NNN [X.Y.Z] text, warn text,
// info text, hold [text], discard [text], prepend Name: value, redirect
// user@domain, bcc user@domain, filter transport:destination. Refused at load:
// an unknown word (restriction names such as permit_mynetworks included), a
// bare number (Postfix reads it as OK), a code outside 4xx/5xx, an enhanced code
// whose class differs from the reply code (reject takes 5.x.x, defer* 4.x.x), text
// after dunno or ok, a prepend that is not "Name: value", an address or a
// transport:destination that is not one (or holds ${...}: a client's value must
// never choose where mail goes), an unknown ${name}.
// render() gives the Answer for one request, typed: its kind, its verb (the word in
// upper case, or the reply code) and its text with templates filled in, every byte
// outside printable ASCII replaced by '?', verb and text together at most
// MaxActionBytes. A numeric action whose text renders empty gets "TLS policy rule
// NAME", because a bare number means OK to Postfix. What follows "action=" on the
// wire (append_wire, protocol::append_reply) is made only at the edge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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
  Discard,
  Prepend,
  Redirect,
  Bcc,
  Filter,
};

// Whether an answer of this kind refuses the recipient (reject, defer,
// defer_if_permit, a 4xx/5xx code); the others let it through, act on the
// whole message (hold, discard, redirect, bcc, filter) or only log.
[[nodiscard]] constexpr bool refuses(ActionKind kind) {
  return kind == ActionKind::Reject || kind == ActionKind::Defer || kind == ActionKind::DeferIfPermit ||
         kind == ActionKind::Numeric;
}
// The access(5) word as sent, in upper case ("DEFER_IF_PERMIT"); "NNN" for
// Numeric, whose verb is its reply code.
[[nodiscard]] std::string_view to_string(ActionKind kind);
// The kind of an access(5) word, in any case; nullopt for anything else (a reply
// code included: Action::parse checks those).
[[nodiscard]] std::optional<ActionKind> parse_action_kind(std::string_view word);

// An action as answered to one request.
struct Answer {
  ActionKind kind = ActionKind::Dunno;
  std::string verb = std::string(to_string(ActionKind::Dunno));  // "DUNNO", "REJECT", "550"
  std::string text;  // after the verb, wire-safe; empty: the verb alone

  friend bool operator==(const Answer&, const Answer&) = default;
};

// What follows "action=": the verb, then a space and the text if there is one.
void append_wire(std::string& out, const Answer& answer);
[[nodiscard]] std::string to_string(const Answer& answer);

class Action {
 public:
  // The action for `text`, or a message saying why Postfix would misread it.
  [[nodiscard]] static std::variant<Action, std::string> parse(std::string_view text);

  [[nodiscard]] ActionKind kind() const { return kind_; }
  // The word as sent: "DUNNO", "REJECT", "550".
  [[nodiscard]] const std::string& verb() const { return verb_; }
  // The action as written in the configuration.
  [[nodiscard]] const std::string& source() const { return source_; }
  // Whether its text holds ${var}.
  [[nodiscard]] bool uses(TemplateVar var) const { return text_.uses(var); }

  // The answer for this request; render(out, ...) reuses `out`'s memory.
  void render(Answer& out, const RenderContext& ctx) const;
  [[nodiscard]] Answer render(const RenderContext& ctx) const;

 private:
  ActionKind kind_ = ActionKind::Dunno;
  std::string verb_ = std::string(to_string(ActionKind::Dunno));
  Template text_;
  std::string source_ = "dunno";
};

// Makes `text` safe for Postfix: bytes outside printable ASCII become '?', and it
// is cut to `max` bytes, without trailing spaces.
void make_wire_safe(std::string& text, std::size_t max);

}  // namespace tlspolicyd::policy
