#pragma once
// RAII owners for the OpenSSL objects the crypto layer uses. Internal to src/crypto.

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

namespace dragops::crypto {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* handle) const { Free(handle); }
};

using CipherHandle = std::unique_ptr<EVP_CIPHER, OpenSslDeleter<&EVP_CIPHER_free>>;
using CipherContextHandle = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<&EVP_CIPHER_CTX_free>>;
using KdfHandle = std::unique_ptr<EVP_KDF, OpenSslDeleter<&EVP_KDF_free>>;
using KdfContextHandle = std::unique_ptr<EVP_KDF_CTX, OpenSslDeleter<&EVP_KDF_CTX_free>>;

}  // namespace dragops::crypto
