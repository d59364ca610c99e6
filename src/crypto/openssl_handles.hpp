#pragma once
// RAII owners for the OpenSSL objects the crypto layer uses. Internal to src/crypto.

#include <openssl/evp.h>

#include <memory>

namespace dragops::crypto {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* handle) const { Free(handle); }
};

using CipherHandle = std::unique_ptr<EVP_CIPHER, OpenSslDeleter<&EVP_CIPHER_free>>;
using CipherContextHandle = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<&EVP_CIPHER_CTX_free>>;
using MacHandle = std::unique_ptr<EVP_MAC, OpenSslDeleter<&EVP_MAC_free>>;
using MacContextHandle = std::unique_ptr<EVP_MAC_CTX, OpenSslDeleter<&EVP_MAC_CTX_free>>;

}  // namespace dragops::crypto
