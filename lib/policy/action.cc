// SPDX-License-Identifier: MIT
#include "policy/action.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace tlspolicyd::policy {
namespace {

struct Word {
  std::string_view name;
  ActionKind kind;
  enum class Text { None, Optional, Required, Address, Destination } text;
  char dsn_class;  // required class of a leading enhanced code, 0 for any
};

constexpr std::array<Word, 14> Words = {{
    {"DUNNO", ActionKind::Dunno, Word::Text::None, 0},
    {"OK", ActionKind::Ok, Word::Text::None, 0},
    {"REJECT", ActionKind::Reject, Word::Text::Optional, '5'},
    {"DEFER", ActionKind::Defer, Word::Text::Optional, '4'},
    {"DEFER_IF_PERMIT", ActionKind::DeferIfPermit, Word::Text::Optional, '4'},
    {"DEFER_IF_REJECT", ActionKind::DeferIfReject, Word::Text::Optional, '4'},
    {"WARN", ActionKind::Warn, Word::Text::Required, 0},
    {"INFO", ActionKind::Info, Word::Text::Required, 0},
    {"HOLD", ActionKind::Hold, Word::Text::Optional, 0},
    {"DISCARD", ActionKind::Discard, Word::Text::Optional, 0},
    {"PREPEND", ActionKind::Prepend, Word::Text::Required, 0},
    {"REDIRECT", ActionKind::Redirect, Word::Text::Address, 0},
    {"BCC", ActionKind::Bcc, Word::Text::Address, 0},
    {"FILTER", ActionKind::Filter, Word::Text::Destination, 0},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The table's entry for `kind`; nullptr for Numeric, which has no word.
const Word* word_of(ActionKind kind) {
  const auto* w = std::find_if(Words.begin(), Words.end(), [&](const Word& x) { return x.kind == kind; });
  return w != Words.end() ? w : nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An RFC 3463 enhanced status code "C.SSS.DDD" at the start of `text`, followed by
// a space or the end. Returns its length, or 0 when there is none.
std::size_t enhanced_code_length(std::string_view text) {
  std::size_t end = text.find_first_of(" \t");
  std::string_view word = text.substr(0, end);
  auto d1 = word.find('.');
  if (d1 != 1) return 0;
  auto d2 = word.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return 0;
  std::string_view a = word.substr(0, d1), b = word.substr(d1 + 1, d2 - d1 - 1), c = word.substr(d2 + 1);
  if (!all_digits(a) || !all_digits(b) || !all_digits(c) || b.size() > 3 || c.size() > 3) return 0;
  return word.size();
}

// Checks a leading enhanced code of `text` against `dsn_class`; returns an error
// message, or empty when it is fine (or absent).
std::string check_enhanced_code(std::string_view text, char dsn_class, std::string_view verb) {
  std::size_t n = enhanced_code_length(text);
  if (n == 0 || dsn_class == 0) return {};
  if (text.front() != dsn_class) {
    return std::string(verb) + " takes only " + dsn_class + ".x.x enhanced status codes, not " +
           std::string(text.substr(0, n));
  }
  return {};
}

// "user@domain" as Postfix's REDIRECT and BCC take it: a local part of RFC 5321
// atext and dots, and a domain of letters, digits, hyphens and dots (A-labels).
bool is_address(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.size() > 64 || local.find("..") != std::string_view::npos) return false;  // RFC 5321 4.5.3.1.1
  for (std::size_t start = 0, dot; start <= domain.size(); start = dot + 1) {
    dot = std::min(domain.find('.', start), domain.size());
    if (dot - start > 63) return false;  // a label
  }
  const bool local_ok = std::all_of(local.begin(), local.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
  });
  const bool domain_ok = domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string_view::npos &&
                         std::all_of(domain.begin(), domain.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
                         });
  return local_ok && domain_ok && local.front() != '.' && local.back() != '.';
}

// "transport:destination" as FILTER takes it: a master.cf service name, then a
// destination without spaces. Not empty: Postfix would then take the
// default_filter_nexthop, else the recipient's domain, which the client chose.
bool is_transport_destination(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return false;
  const std::string_view transport = s.substr(0, colon), destination = s.substr(colon + 1);
  return std::all_of(transport.begin(), transport.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
         }) &&
         std::all_of(destination.begin(), destination.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u > 0x20 && u < 0x7f;
         });
}

}  // namespace

std::string_view to_string(ActionKind kind) {
  const Word* w = word_of(kind);
  return w != nullptr ? w->name : std::string_view("NNN");
}

std::optional<ActionKind> parse_action_kind(std::string_view word) {
  const std::string upper_word = upper(word);
  const auto* w = std::find_if(Words.begin(), Words.end(), [&](const Word& x) { return x.name == upper_word; });
  if (w == Words.end()) return std::nullopt;
  return w->kind;
}

void append_wire(std::string& out, const Answer& answer) {
  out.append(answer.verb);
  if (answer.text.empty()) return;
  out.push_back(' ');
  out.append(answer.text);
}

std::string to_string(const Answer& answer) {
  std::string out;
  append_wire(out, answer);
  return out;
}

std::variant<Action, std::string> Action::parse(std::string_view source) {
  std::string_view text = trim(source);
  if (text.empty()) return std::string("an action must not be empty");
  if (text.find_first_of("\r\n") != std::string_view::npos) return std::string("an action must be one line");

  Action a;
  a.source_ = std::string(source);
  std::size_t word_end = text.find_first_of(" \t");
  std::string_view word = text.substr(0, word_end);
  std::string_view rest = word_end == std::string_view::npos ? std::string_view{} : trim(text.substr(word_end));

  if (all_digits(word)) {
    a.verb_ = std::string(word);
    if (word.size() != 3 || (word[0] != '4' && word[0] != '5')) {
      return "a numeric action needs a 4xx or 5xx reply code, not " + std::string(word);
    }
    a.kind_ = ActionKind::Numeric;
    std::string_view body = rest;
    if (std::size_t n = enhanced_code_length(rest)) {
      if (rest.front() != word[0]) {
        return "the enhanced status code " + std::string(rest.substr(0, n)) + " does not match reply code " +
               std::string(word) + " (its class must be " + word[0] + ")";
      }
      body = trim(rest.substr(n));
    }
    if (body.empty()) {
      return "a numeric action needs text after the code (\"" + std::string(word) +
             "\" alone means OK to Postfix)";
    }
  } else {
    const std::optional<ActionKind> kind = parse_action_kind(word);
    if (!kind) {
      return "unknown action \"" + std::string(word) +
             "\" (expected dunno, ok, reject, defer, defer_if_permit, defer_if_reject, warn, info, hold, "
             "discard, prepend, redirect, bcc, filter or a 4xx/5xx code)";
    }
    const Word* w = word_of(*kind);
    a.kind_ = *kind;
    a.verb_ = std::string(w->name);
    if (w->text == Word::Text::None && !rest.empty()) return std::string(word) + " takes no text";
    if (w->text == Word::Text::Required && rest.empty()) return std::string(word) + " needs text";
    const bool routes = w->text == Word::Text::Address || w->text == Word::Text::Destination;
    if (routes && rest.find("${") != std::string_view::npos) {
      return std::string(word) + " takes no ${...}: a client's value must not choose where mail goes";
    }
    if (w->text == Word::Text::Address && !is_address(rest)) return std::string(word) + " needs one address user@domain";
    if (w->text == Word::Text::Destination && !is_transport_destination(rest)) {
      return std::string(word) + " needs transport:destination (a master.cf service and its next hop)";
    }
    if (std::string err = check_enhanced_code(rest, w->dsn_class, word); !err.empty()) return err;
    if (a.kind_ == ActionKind::Prepend) {
      auto colon = rest.find(':');
      std::string_view name = rest.substr(0, colon);
      bool good_name = colon != std::string_view::npos && !name.empty() &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         auto u = static_cast<unsigned char>(c);
                         return u > 0x20 && u < 0x7f && c != ':';
                       });
      if (!good_name) return std::string("prepend needs a header \"Name: value\"");
    }
  }

  auto parsed = Template::parse(rest);
  if (auto* err = std::get_if<std::string>(&parsed)) return std::move(*err);
  a.text_ = std::move(std::get<Template>(parsed));
  if (a.verb_.size() + 1 + a.text_.source().size() > MaxActionBytes && a.text_.source().find("${") == std::string::npos) {
    return "an action must be at most " + std::to_string(MaxActionBytes) + " bytes";
  }
  return a;
}

void make_wire_safe(std::string& text, std::size_t max) {
  for (char& c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  if (text.size() > max) text.resize(max);
  while (!text.empty() && text.back() == ' ') text.pop_back();
}

void Action::render(Answer& out, const RenderContext& ctx) const {
  out.kind = kind_;
  out.verb = verb_;
  out.text.clear();
  if (text_.empty() && kind_ != ActionKind::Numeric) return;  // a bare keyword (DUNNO, the usual default)
  // The verb is printable and short (checked at parse time): the limit is the
  // text's, less the verb and the space after it.
  const std::size_t room = MaxActionBytes - verb_.size() - 1;
  text_.render(out.text, ctx);
  make_wire_safe(out.text, room);
  if (kind_ == ActionKind::Numeric) {
    // The text may have rendered to nothing (e.g. "550 ${sender}" with a null
    // sender, or only an enhanced code): a bare number would mean OK.
    std::string_view after = trim(out.text);
    after = trim(after.substr(enhanced_code_length(after)));
    if (after.empty()) {
      std::string fallback = "TLS policy rule " + std::string(ctx.rule.empty() ? "default" : ctx.rule);
      const std::string code(trim(out.text));  // an enhanced code, if any, without the spaces around it
      make_wire_safe(fallback, room - std::min(room, code.size() + 1));
      out.text = code.empty() ? std::move(fallback) : code + " " + fallback;
    }
  }
}

Answer Action::render(const RenderContext& ctx) const {
  Answer out;
  render(out, ctx);
  return out;
}

}  // namespace tlspolicyd::policy
