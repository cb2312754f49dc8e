// SPDX-License-Identifier: MIT
// cipher_policy: the `ciphers:` and `exclude_ciphers:` requirements, compiled
// against the cipher catalog at load time.
//
// ciphers: a Postfix grade (high; medium, with low and export as its aliases;
// "null"), expanded through OpenSSL with exactly Postfix 3.8+'s cipherlist
// strings; a named set (mozilla-modern, mozilla-intermediate, nist-800-52r2; closed
// lists, TLS 1.3 included); or an OpenSSL cipher string ("HIGH" is OpenSSL's
// keyword, not the grade). TLS 1.3 suites are constrained only by sets and by
// strings that name TLS 1.3 suites; otherwise every TLS 1.3 suite passes, as in
// Postfix. exclude_ciphers: Postfix exclusion items (names or "+"-joined OpenSSL
// aliases), each excluding what OpenSSL selects for it; a TLS 1.3 suite is
// excluded only when named.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "tls/cipher_catalog.h"

namespace tlspolicyd::tls {

class CipherPolicy {
 public:
  [[nodiscard]] static std::variant<CipherPolicy, std::string> parse(const std::string& spec,
                                                                     const CipherCatalog& catalog);
  [[nodiscard]] bool allows(const CipherInfo& cipher) const {
    return (cipher.tls13 && !tls13_constrained_) || mask_.test(cipher.index);
  }
  // How the configuration named it ("high", "mozilla-modern", the cipher string).
  [[nodiscard]] const std::string& label() const { return label_; }
  // How many catalog ciphers are allowed (TLS 1.3 suites counted when constrained).
  [[nodiscard]] std::size_t size() const { return mask_.count(); }

 private:
  std::string label_;
  CipherMask mask_;
  bool tls13_constrained_ = false;
};

class CipherExclusion {
 public:
  // `items` as written; each may hold several items separated by spaces, commas
  // or colons.
  [[nodiscard]] static std::variant<CipherExclusion, std::string> parse(const std::vector<std::string>& items,
                                                                        const CipherCatalog& catalog);
  // The item that excludes `cipher`, or nullptr.
  [[nodiscard]] const std::string* excluded_by(const CipherInfo& cipher) const;

 private:
  std::vector<std::string> items_;
  std::vector<CipherMask> masks_;  // one per item
};

// The Postfix 3.8+ cipherlist string of a grade, or nullptr for another name.
[[nodiscard]] const char* postfix_grade_cipherlist(std::string_view grade);

}  // namespace tlspolicyd::tls
