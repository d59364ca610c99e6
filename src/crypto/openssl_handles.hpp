#pragma once
// RAII owners for the OpenSSL objects the crypto layer uses. Internal to src/crypto.

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

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
using PkeyHandle = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using PkeyContextHandle = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
// BN_clear_free: a bignum may hold a private scalar.
using BignumHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_clear_free>>;
using BignumContextHandle = std::unique_ptr<BN_CTX, OpenSslDeleter<&BN_CTX_free>>;
using EcGroupHandle = std::unique_ptr<EC_GROUP, OpenSslDeleter<&EC_GROUP_free>>;
using EcPointHandle = std::unique_ptr<EC_POINT, OpenSslDeleter<&EC_POINT_clear_free>>;
using ParamBuilderHandle = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<&OSSL_PARAM_BLD_free>>;
using ParamsHandle = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<&OSSL_PARAM_free>>;

}  // namespace dragops::crypto
