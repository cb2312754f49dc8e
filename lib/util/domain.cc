// SPDX-License-Identifier: MIT
#include "util/domain.h"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "util/text.h"

namespace tlspolicyd::util {
namespace {

constexpr int IdnaFlags = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL;
// The longest form of a domain name: 253 octets and a trailing dot.
constexpr std::size_t MaxFormBytes = 254;

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Sets `out` to `s` in ASCII lower case, in the one pass that tells whether `s`
// is ASCII (returned).
bool lower_ascii(std::string_view s, std::string& out) {
  out.assign(s);
  unsigned bits = 0;
  for (char& c : out) {
    bits |= static_cast<unsigned char>(c);
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return bits < 0x80;
}

// Sets `out` to the A-label of one non-ASCII label; returns why libidn2 refuses
// it, or nullptr.
const char* to_a_label(std::string_view label, std::string& out) {
  if (label.size() > MaxIdnaLabelBytes) return "longer than a label can be";
  if (label.find('\0') != std::string_view::npos) return "a NUL byte";  // libidn2 would read a prefix
  const std::string input(label);
  std::uint8_t* a_label = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(input.c_str()), &a_label, IdnaFlags);
  const std::unique_ptr<std::uint8_t, decltype(&idn2_free)> owned(a_label, &idn2_free);
  if (rc != IDN2_OK) return idn2_strerror(rc);
  out = reinterpret_cast<const char*>(a_label);
  return nullptr;
}

// `name` (its dots as they are) in the compared form, built from the right;
// refused labels, and the rest of a name too long to be one, as their
// lower-cased bytes. The first reason goes to `error` (if any).
std::string fold(std::string_view name, std::string* error) {
  if (std::string out; lower_ascii(name, out)) return out;
  const auto note = [error](std::string why) {
    if (error != nullptr && error->empty()) *error = std::move(why);
  };
  std::vector<std::string> labels;  // the form's, rightmost first
  std::size_t form_bytes = 0;
  int converted = 0;
  for (std::size_t end = name.size();;) {
    if (form_bytes > MaxFormBytes || converted == MaxIdnaLabels) {
      note("is too long for a domain name");
      labels.push_back(lower(name.substr(0, end)));
      break;
    }
    const std::size_t dot = end == 0 ? std::string_view::npos : name.rfind('.', end - 1);
    const std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
    const std::string_view label = name.substr(start, end - start);
    std::string form;
    bool as_bytes = is_ascii(label);
    if (!as_bytes) {
      ++converted;
      if (const char* refused = to_a_label(label, form); refused != nullptr) {
        note("has a label that IDNA 2008 refuses (" + std::string(refused) + ")");
        as_bytes = true;
      }
    }
    if (as_bytes) form = lower(label);
    form_bytes += form.size() + 1;
    labels.push_back(std::move(form));
    if (dot == std::string_view::npos) break;
    end = dot;
  }
  std::string out;
  out.reserve(form_bytes);
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (it != labels.rbegin()) out.push_back('.');
    out += *it;
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
  std::string out;
  if (lower_ascii(address, out)) return out;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || is_ascii(address.substr(at + 1))) return out;
  out.resize(at + 1);
  return out + fold(address.substr(at + 1), nullptr);
}

std::pair<std::string, std::string> domain_entry(std::string_view name) {
  std::string error;
  std::string folded = fold(without_trailing_dot(name), &error);
  return {error.empty() ? std::move(folded) : std::string(), std::move(error)};
}

}  // namespace tlspolicyd::util
