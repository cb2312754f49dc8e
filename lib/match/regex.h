// SPDX-License-Identifier: MIT
// regex: a compiled PCRE2 pattern, searched (unanchored) in byte strings.
//
// Patterns work on bytes (never UTF mode), so any request value can be searched,
// valid UTF-8 or not. JIT is used where the platform has it, with a JIT stack of
// up to JitStackBytes per thread (reserved, touched only as deep as a search
// goes): a pattern that keeps a frame per repetition, such as
// /^([a-z0-9-]+\.)+dynamic\.example$/, gets through a value of the largest line
// limit (1 MiB). Without JIT (systemd's MemoryDenyWriteExecute) the interpreter
// gets through the default 8 KiB line; its heap limit (20 MB) may end a search on
// longer ones. Either way the match limit (10^6 steps) bounds the time. A search is Found::Yes, Found::No, or Found::Error when the engine
// gives up (match limit, JIT stack, heap, depth: a pathological pattern on a
// hostile value): never a silent "no". Callers combine results with any_of(),
// all_of() and negate() (three-valued: an error decides nothing that the other
// parts do not decide). Evaluation is single-threaded: each Regex owns one
// scratch match block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace tlspolicyd::match {

class Regex;

// The answer of a search, or of a key or condition built on searches.
struct Found {
  enum State : std::uint8_t { No, Yes, Error };
  State state = No;
  const Regex* regex = nullptr;  // Error: the pattern that failed (it lives as long as the configuration)
  int code = 0;                  // Error: PCRE2's error code

  [[nodiscard]] static constexpr Found of(bool yes) { return Found{yes ? Yes : No}; }
  [[nodiscard]] constexpr bool yes() const { return state == Yes; }
  [[nodiscard]] constexpr bool no() const { return state == No; }
  [[nodiscard]] constexpr bool error() const { return state == Error; }
};

// Yes if either is, else the first error, else No.
[[nodiscard]] constexpr Found any_of(Found a, Found b) {
  if (a.yes() || b.yes()) return Found::of(true);
  return a.error() ? a : b;
}
// No if either is, else the first error, else Yes.
[[nodiscard]] constexpr Found all_of(Found a, Found b) {
  if (a.no() || b.no()) return Found::of(false);
  return a.error() ? a : b;
}
// Yes and No swapped; an error stays one.
[[nodiscard]] constexpr Found negate(Found a) { return a.error() ? a : Found::of(a.no()); }

// "regex /pattern/ failed: match limit exceeded" for an Error; empty otherwise.
[[nodiscard]] std::string error_text(const Found& found);

class Regex {
 public:
  static constexpr std::size_t JitStackBytes = std::size_t{32} << 20;

  // The compiled pattern, or an error with the offset PCRE2 reports.
  [[nodiscard]] static std::variant<Regex, std::string> compile(std::string_view pattern, bool caseless);

  [[nodiscard]] Found search(std::string_view subject) const;
  [[nodiscard]] const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::shared_ptr<pcre2_real_code_8> code_;
  std::shared_ptr<pcre2_real_match_data_8> data_;
  std::shared_ptr<pcre2_real_match_context_8> context_;
};

// True for a "/pattern/" list entry; `inner` receives the pattern.
[[nodiscard]] bool is_regex_entry(std::string_view text, std::string_view& inner);

}  // namespace tlspolicyd::match
