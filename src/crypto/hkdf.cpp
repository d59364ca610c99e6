#include "crypto/hkdf.hpp"

#include "crypto/openssl_handles.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>

namespace dragops::crypto {
namespace {

constexpr std::size_t kMaxOutput = 255 * kSha256Size;

// HKDF is RFC 5869 over HMAC-SHA256 from OpenSSL's EVP_MAC. OpenSSL 3.0's own EVP_KDF "HKDF"
// fetches HMAC and SHA-256 by name on every derivation, which more than doubled the cost of a
// 64-byte seal; here each thread keeps one HMAC context with SHA-256 set, re-keyed per use.
// tests/crypto/hkdf_test.cpp checks this against the RFC vectors and against EVP_KDF.
EVP_MAC_CTX* thread_hmac() {
  thread_local MacContextHandle context = [] {
    const MacHandle mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    MacContextHandle made(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (made && EVP_MAC_CTX_set_params(made.get(), params) != 1) made.reset();
    return made;
  }();
  return context.get();
}

// HMAC-SHA256(key, parts...) into out (32 bytes).
bool hmac(EVP_MAC_CTX* context, std::span<const std::uint8_t> key,
          std::initializer_list<std::span<const std::uint8_t>> parts, std::uint8_t* out) {
  if (EVP_MAC_init(context, key.data(), key.size(), nullptr) != 1) return false;
  for (const auto& part : parts) {
    if (!part.empty() && EVP_MAC_update(context, part.data(), part.size()) != 1) return false;
  }
  std::size_t written = 0;
  return EVP_MAC_final(context, out, &written, kSha256Size) == 1 && written == kSha256Size;
}

}  // namespace

bool hkdf_sha256_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                         std::span<std::uint8_t, kSha256Size> prk) {
  EVP_MAC_CTX* context = thread_hmac();
  if (ikm.empty() || context == nullptr) return false;
  static constexpr std::uint8_t kZeroSalt[kSha256Size] = {};  // RFC 5869: absent salt
  if (hmac(context, salt.empty() ? std::span<const std::uint8_t>(kZeroSalt) : salt, {ikm}, prk.data())) return true;
  OPENSSL_cleanse(prk.data(), prk.size());
  return false;
}

bool hkdf_sha256_expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                        std::span<std::uint8_t> out) {
  EVP_MAC_CTX* context = thread_hmac();
  if (prk.empty() || out.empty() || out.size() > kMaxOutput || context == nullptr) return false;
  std::uint8_t block[kSha256Size];
  bool ok = true;
  std::size_t done = 0;
  for (std::uint8_t counter = 1; ok && done < out.size(); ++counter) {
    // T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty.
    const std::span<const std::uint8_t> previous(block, counter == 1 ? 0 : kSha256Size);
    ok = hmac(context, prk, {previous, info, std::span<const std::uint8_t>(&counter, 1)}, block);
    const std::size_t take = std::min(kSha256Size, out.size() - done);
    if (ok) std::copy_n(block, take, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += take;
  }
  // The context keeps the last PRK's HMAC state until the next call or thread exit (when
  // OpenSSL cleanses it); the ring's data keys themselves stay in memory for the process's life,
  // so re-keying it here would cost a fifth of a derivation and protect nothing more.
  OPENSSL_cleanse(block, sizeof block);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

bool hkdf_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt,
                 std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (key.empty() || out.empty() || out.size() > kMaxOutput) return false;
  std::uint8_t prk[kSha256Size];
  const bool ok = hkdf_sha256_extract(salt, key, prk) && hkdf_sha256_expand(prk, info, out);
  OPENSSL_cleanse(prk, sizeof prk);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

}  // namespace dragops::crypto
