// SPDX-License-Identifier: MIT
#define PCRE2_CODE_UNIT_WIDTH 8
#include "match/regex.h"

#include <pcre2.h>

#include "util/text.h"

namespace tlspolicyd::match {
namespace {

// One JIT stack per thread that searches, made at its first search and shared by
// every pattern (a search uses it only while it runs). nullptr when it cannot be
// made: PCRE2 then uses its own 32 KiB, and a deep search is an Error.
pcre2_jit_stack* thread_jit_stack(void*) {
  thread_local std::unique_ptr<pcre2_jit_stack, void (*)(pcre2_jit_stack*)> stack(
      pcre2_jit_stack_create(32 * 1024, Regex::JitStackBytes, nullptr), pcre2_jit_stack_free);
  return stack.get();
}

// "/PATTERN/" as shown in messages: a short, escaped prefix.
std::string shown_pattern(std::string_view pattern) {
  const std::string quoted = util::quoted(pattern);  // "..." around it
  return "/" + quoted.substr(1, quoted.size() - 2) + "/";
}

}  // namespace

std::string error_text(const Found& found) {
  if (!found.error()) return {};
  PCRE2_UCHAR message[256];
  if (pcre2_get_error_message(found.code, message, sizeof message) < 0) {
    return "regex failed: PCRE2 error " + std::to_string(found.code);
  }
  std::string out = "regex ";
  if (found.regex != nullptr) out += shown_pattern(found.regex->pattern()) + " ";
  return out + "failed: " + reinterpret_cast<const char*>(message);
}

std::variant<Regex, std::string> Regex::compile(std::string_view pattern, bool caseless) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  const uint32_t options = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | (caseless ? PCRE2_CASELESS : 0);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                                   &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return "regex " + shown_pattern(pattern) + ": " + reinterpret_cast<const char*>(message) + " at offset " +
           std::to_string(offset);
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is unavailable
  Regex r;
  r.pattern_ = std::string(pattern);
  r.code_ = std::shared_ptr<pcre2_code>(code, pcre2_code_free);
  r.data_ = std::shared_ptr<pcre2_match_data>(pcre2_match_data_create(1, nullptr), pcre2_match_data_free);
  pcre2_match_context* ctx = pcre2_match_context_create(nullptr);
  if (ctx != nullptr) {
    pcre2_set_match_limit(ctx, 1'000'000);
    pcre2_set_depth_limit(ctx, 10'000);
    pcre2_jit_stack_assign(ctx, &thread_jit_stack, nullptr);
  }
  r.context_ = std::shared_ptr<pcre2_match_context>(ctx, pcre2_match_context_free);
  if (!r.data_ || !r.context_) return std::string("out of memory compiling a regex");
  return r;
}

Found Regex::search(std::string_view subject) const {
  const int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                             data_.get(), context_.get());
  if (rc >= 0) return Found::of(true);
  if (rc == PCRE2_ERROR_NOMATCH) return Found::of(false);
  return Found{Found::Error, this, rc};
}

bool is_regex_entry(std::string_view text, std::string_view& inner) {
  if (text.size() < 2 || text.front() != '/' || text.back() != '/') return false;
  inner = text.substr(1, text.size() - 2);
  return true;
}

}  // namespace tlspolicyd::match
