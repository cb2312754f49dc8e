// SPDX-License-Identifier: MIT
#include "tls/cipher_catalog.h"

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>

namespace tlspolicyd::tls {
namespace {

constexpr const char* AllTls13 =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
    "TLS_AES_128_CCM_8_SHA256";

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<SSL_CTX, CtxDeleter>;

Ctx new_ctx() {
  Ctx ctx(SSL_CTX_new(TLS_method()));
  if (ctx) SSL_CTX_set_security_level(ctx.get(), 0);
  return ctx;
}

bool is_tls13(const SSL_CIPHER* c) { return std::strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0; }

}  // namespace

std::size_t CipherMask::count() const { return static_cast<std::size_t>(std::count(bits_.begin(), bits_.end(), true)); }

std::shared_ptr<const CipherCatalog> CipherCatalog::load() {
  Ctx ctx = new_ctx();
  if (!ctx || SSL_CTX_set_ciphersuites(ctx.get(), AllTls13) != 1 ||
      SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL") != 1) {
    return nullptr;
  }
  auto catalog = std::make_shared<CipherCatalog>();
  catalog->version_ = OpenSSL_version(OPENSSL_VERSION);
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    std::string name = SSL_CIPHER_get_name(c);
    if (catalog->by_name_.count(name) != 0) continue;
    CipherInfo info;
    info.index = static_cast<std::uint16_t>(catalog->names_.size());
    info.tls13 = is_tls13(c);
    const int kx = SSL_CIPHER_get_kx_nid(c);
    info.forward_secrecy = info.tls13 || kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_ecdhe_psk ||
                           kx == NID_kx_dhe_psk;
    info.aead = SSL_CIPHER_is_aead(c) != 0;
    info.bits = SSL_CIPHER_get_bits(c, nullptr);
    catalog->names_.push_back(name);
    catalog->by_name_.emplace(std::move(name), info);
  }
  return catalog;
}

const CipherInfo* CipherCatalog::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

std::optional<CipherMask> CipherCatalog::expand(const std::string& cipher_string) const {
  Ctx ctx = new_ctx();
  if (!ctx || SSL_CTX_set_cipher_list(ctx.get(), cipher_string.c_str()) != 1) return std::nullopt;
  CipherMask mask(size());
  std::size_t n = 0;
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    if (is_tls13(c)) continue;  // OpenSSL lists its TLS 1.3 defaults for any string
    if (const CipherInfo* info = find(SSL_CIPHER_get_name(c))) {
      mask.set(info->index);
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return mask;
}

}  // namespace tlspolicyd::tls
