// SPDX-License-Identifier: MIT
// cipher_catalog: every cipher suite the linked OpenSSL knows, classified once.
//
// Built from OpenSSL itself ("ALL:COMPLEMENTOFALL" at security level 0 plus the
// five TLS 1.3 suites): for each name, whether it is a TLS 1.3 suite, has forward
// secrecy (TLS 1.3, or an ephemeral (EC)DHE key exchange), is AEAD (GCM, CCM,
// ChaCha20-Poly1305), and its strength in bits. Requests only look names up; no
// cipher string is parsed per request. Names OpenSSL does not know are unknown:
// requirements fail closed on them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tlspolicyd::tls {

struct CipherInfo {
  std::uint16_t index = 0;  // position in the catalog, for CipherMask
  bool tls13 = false;
  bool forward_secrecy = false;
  bool aead = false;
  int bits = 0;
};

// A set of catalog ciphers.
class CipherMask {
 public:
  CipherMask() = default;
  explicit CipherMask(std::size_t size) : bits_(size, false) {}
  void set(std::uint16_t index) { bits_.at(index) = true; }
  [[nodiscard]] bool test(std::uint16_t index) const { return index < bits_.size() && bits_[index]; }
  [[nodiscard]] std::size_t count() const;

 private:
  std::vector<bool> bits_;
};

class CipherCatalog {
 public:
  // The catalog of the linked OpenSSL; nullptr when OpenSSL cannot be set up.
  [[nodiscard]] static std::shared_ptr<const CipherCatalog> load();

  [[nodiscard]] const CipherInfo* find(std::string_view name) const;
  [[nodiscard]] std::size_t size() const { return names_.size(); }
  [[nodiscard]] const std::string& name(std::uint16_t index) const { return names_.at(index); }
  // "OpenSSL 3.0.22 25 Aug 2026"
  [[nodiscard]] const std::string& openssl_version() const { return version_; }

  // The TLS <= 1.2 ciphers an OpenSSL cipher string selects (at security level 0,
  // as Postfix expands its grades); nullopt when OpenSSL selects none.
  [[nodiscard]] std::optional<CipherMask> expand(const std::string& cipher_string) const;

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, CipherInfo, NameHash, std::equal_to<>> by_name_;
  std::string version_;
};

}  // namespace tlspolicyd::tls
