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
  enum class Text { None, Optional, Required } text;
  char dsn_class;  // required class of a leading enhanced code, 0 for any
};

constexpr std::array<Word, 10> Words = {{
    {"DUNNO", ActionKind::Dunno, Word::Text::None, 0},
    {"OK", ActionKind::Ok, Word::Text::None, 0},
    {"REJECT", ActionKind::Reject, Word::Text::Optional, '5'},
    {"DEFER", ActionKind::Defer, Word::Text::Optional, '4'},
    {"DEFER_IF_PERMIT", ActionKind::DeferIfPermit, Word::Text::Optional, '4'},
    {"DEFER_IF_REJECT", ActionKind::DeferIfReject, Word::Text::Optional, '4'},
    {"WARN", ActionKind::Warn, Word::Text::Required, 0},
    {"INFO", ActionKind::Info, Word::Text::Required, 0},
    {"HOLD", ActionKind::Hold, Word::Text::Optional, 0},
    {"PREPEND", ActionKind::Prepend, Word::Text::Required, 0},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
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

}  // namespace

std::variant<Action, std::string> Action::parse(std::string_view source) {
  std::string_view text = trim(source);
  if (text.empty()) return std::string("an action must not be empty");
  if (text.find_first_of("\r\n") != std::string_view::npos) return std::string("an action must be one line");

  Action a;
  a.source_ = std::string(source);
  std::size_t word_end = text.find_first_of(" \t");
  std::string_view word = text.substr(0, word_end);
  std::string_view rest = word_end == std::string_view::npos ? std::string_view{} : trim(text.substr(word_end));
  a.verb_ = upper(word);

  if (all_digits(word)) {
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
    const auto* w = std::find_if(Words.begin(), Words.end(), [&](const Word& x) { return x.name == a.verb_; });
    if (w == Words.end()) {
      return "unknown action \"" + std::string(word) +
             "\" (expected dunno, ok, reject, defer, defer_if_permit, defer_if_reject, warn, info, hold, "
             "prepend or a 4xx/5xx code)";
    }
    a.kind_ = w->kind;
    if (w->text == Word::Text::None && !rest.empty()) return std::string(word) + " takes no text";
    if (w->text == Word::Text::Required && rest.empty()) return std::string(word) + " needs text";
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

void Action::render(std::string& out, const RenderContext& ctx) const {
  if (text_.empty() && kind_ != ActionKind::Numeric) {
    out.append(verb_);  // a bare keyword (DUNNO, the usual default), checked at parse time
    return;
  }
  std::string wire = verb_;
  if (!text_.empty()) {
    std::string text;
    text_.render(text, ctx);
    wire.push_back(' ');
    wire.append(text);
  }
  make_wire_safe(wire);
  if (kind_ == ActionKind::Numeric) {
    // The text may have rendered to nothing (e.g. "550 ${sender}" with a null
    // sender, or only an enhanced code): a bare number would mean OK.
    std::string_view after = trim(std::string_view(wire).substr(verb_.size()));
    after = trim(after.substr(enhanced_code_length(after)));
    if (after.empty()) {
      std::string fallback = "TLS policy rule " + std::string(ctx.rule.empty() ? "default" : ctx.rule);
      make_wire_safe(fallback, MaxActionBytes - wire.size() - 1);
      wire = std::string(trim(wire)) + " " + fallback;
    }
  }
  out.append(wire);
}

std::string Action::render(const RenderContext& ctx) const {
  std::string out;
  render(out, ctx);
  return out;
}

}  // namespace tlspolicyd::policy
