// SPDX-License-Identifier: MIT
#include "util/domain.h"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "util/text.h"

namespace tlspolicyd::util {
namespace {

constexpr int IdnaFlags = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL;

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void append_lower(std::string& out, std::string_view s) {
  for (const char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}

// Appends the A-label of one non-ASCII label; returns libidn2's refusal (nothing
// appended), or nullptr.
const char* append_a_label(std::string& out, std::string_view label) {
  if (label.find('\0') != std::string_view::npos) return "a NUL byte";  // libidn2 would read a prefix
  const std::string input(label);
  std::uint8_t* a_label = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(input.c_str()), &a_label, IdnaFlags);
  const std::unique_ptr<std::uint8_t, decltype(&idn2_free)> owned(a_label, &idn2_free);
  if (rc != IDN2_OK) return idn2_strerror(rc);
  out += reinterpret_cast<const char*>(a_label);
  return nullptr;
}

// `name` (its dots as they are) in the compared form; a refused label stays as
// its lower-cased bytes, and the first refusal goes to `error` (if any).
std::string fold(std::string_view name, std::string* error) {
  if (is_ascii(name)) return lower(name);
  if (name.size() > MaxIdnaBytes) {
    if (error != nullptr) *error = "is too long for a domain name";
    return lower(name);
  }
  std::string out;
  out.reserve(name.size() + 16);
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    const bool ascii = is_ascii(label);
    const char* refused = ascii ? nullptr : append_a_label(out, label);
    if (ascii || refused != nullptr) append_lower(out, label);
    if (refused != nullptr && error != nullptr && error->empty()) {
      *error = "has a label that IDNA 2008 refuses (" + std::string(refused) + ")";
    }
    if (dot == std::string_view::npos) break;
    out.push_back('.');
    start = dot + 1;
  }
  return out;
}

std::string_view without_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string normalize_domain(std::string_view name) { return fold(without_trailing_dot(name), nullptr); }

std::string normalize_address(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || is_ascii(address.substr(at + 1))) return lower(address);
  return lower(address.substr(0, at + 1)) + fold(address.substr(at + 1), nullptr);
}

std::pair<std::string, std::string> domain_entry(std::string_view name) {
  std::string error;
  std::string folded = fold(without_trailing_dot(name), &error);
  return {error.empty() ? std::move(folded) : std::string(), std::move(error)};
}

}  // namespace tlspolicyd::util
