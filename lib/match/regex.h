// SPDX-License-Identifier: MIT
// regex: a compiled PCRE2 pattern, searched (unanchored) in byte strings.
//
// Patterns work on bytes (never UTF mode), so any request value can be searched,
// valid UTF-8 or not. JIT is used where the platform has it. A search that hits
// PCRE2's match limit (a pathological pattern on a hostile value) counts as no
// match. Evaluation is single-threaded: each Regex owns one scratch match block.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace tlspolicyd::match {

class Regex {
 public:
  // The compiled pattern, or an error with the offset PCRE2 reports.
  [[nodiscard]] static std::variant<Regex, std::string> compile(std::string_view pattern, bool caseless);

  [[nodiscard]] bool search(std::string_view subject) const;
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
