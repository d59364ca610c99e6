#include "crypto/hkdf.hpp"

#include "crypto/openssl_handles.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace dragops::crypto {
namespace {

// Fetching is the expensive part of EVP_KDF; do it once per process.
EVP_KDF* hkdf_algorithm() {
  static const KdfHandle kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  return kdf.get();
}

}  // namespace

bool hkdf_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt,
                 std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (key.empty() || out.empty() || hkdf_algorithm() == nullptr) return false;
  KdfContextHandle context(EVP_KDF_CTX_new(hkdf_algorithm()));
  if (!context) return false;
  char digest[] = "SHA256";
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads them. An empty salt or info is left
  // out (OpenSSL refuses a null octet string), which RFC 5869 defines as the same thing.
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()), key.size());
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  return EVP_KDF_derive(context.get(), out.data(), out.size(), params) == 1;
}

}  // namespace dragops::crypto
